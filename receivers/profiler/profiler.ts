// The profiler receiver: Kineto trace files from watched directories become spans; training-step
// JSON lines (tailed files, or POST /v1/profiler) become metrics and log records.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Consumer, CreateContext, Receiver, Signal } from '../../src/component.js';
import { parseEndpoint } from '../../src/config/fields.js';
import { ACCEPTED_BY_SIGNAL, REFUSED_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import type { ProfilerReceiverConfig } from './config.js';
import { convertLines } from './jsonl.js';
import { convertTraceFile } from './trace-file.js';

const TRACE_FILE = /\.pt\.trace\.json(\.gz)?$/;
const MAX_TAIL_READ = 4 << 20;

interface Seen {
  size: number;
  mtimeMs: number;
  since: number;
  /** `${size}:${mtimeMs}` when converted or given up on */
  done?: string;
}

interface Tail {
  ino: number;
  offset: number;
  partial: string;
}

export class ProfilerReceiver implements Receiver {
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private busy: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private readonly seen = new Map<string, Seen>();
  private readonly tails = new Map<string, Tail>();
  private firstScan = true;
  private http: Server | undefined;
  private readonly resourceExtra: Record<string, string>;
  /** files converted, for tests and diagnostics */
  readonly converted: { path: string; spans: number; events: number }[] = [];

  constructor(
    private readonly cfg: ProfilerReceiverConfig,
    private readonly next: Consumer,
    private readonly ctx: CreateContext,
  ) {
    this.resourceExtra = { 'service.name': cfg.serviceName };
    if (cfg.hostName) this.resourceExtra['host.name'] = cfg.hostName;
    if (cfg.k8sNodeName) this.resourceExtra['k8s.node.name'] = cfg.k8sNodeName;
    Object.assign(this.resourceExtra, cfg.resourceAttributes);
  }

  httpAddress(): AddressInfo | undefined {
    return this.http?.address() as AddressInfo | undefined;
  }

  async start(): Promise<void> {
    this.ctx.health.setReady(this.ctx.id, false, 'starting');
    if (this.cfg.otlpRoute) this.ctx.httpRoutes?.register('/v1/profiler', this.handleHttp);
    if (this.cfg.jsonlEndpoint) {
      const server = createServer({ requestTimeout: 60_000 }, (req, res) => {
        if (req.url?.split('?')[0] === '/v1/profiler') void this.handleHttp(req, res);
        else {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: POST /v1/profiler\n');
          req.resume();
        }
      });
      const { host, port } = parseEndpoint(this.cfg.jsonlEndpoint)!;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.http = server;
    }
    for (const p of this.cfg.jsonlPaths) this.tails.set(p, { ino: -1, offset: this.cfg.startAt === 'end' ? -1 : 0, partial: '' });
    this.ctx.health.setReady(this.ctx.id, true);
    this.ctx.logger.info({ directories: this.cfg.directories, jsonl: this.cfg.jsonlPaths, endpoint: this.httpAddress() ? `${this.httpAddress()!.address}:${this.httpAddress()!.port}` : undefined }, 'profiler receiver started');
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.busy = this.poll()
        .catch((e: Error) => this.ctx.logger.error({ err: e.message }, 'profiler poll failed'))
        .finally(() => this.schedule(this.cfg.pollIntervalMs));
    }, ms);
  }

  private async poll(): Promise<void> {
    for (const dir of this.cfg.directories) {
      if (this.stopping) return;
      await this.pollDirectory(dir);
    }
    for (const [path, tail] of this.tails) {
      if (this.stopping) return;
      await this.pollTail(path, tail);
    }
    this.firstScan = false;
  }

  private async pollDirectory(dir: string): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // not there yet
    }
    const now = Date.now();
    for (const name of names.sort()) {
      if (!TRACE_FILE.test(name)) continue; // Kineto's .tmp files are skipped until renamed
      const path = join(dir, name);
      let st;
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      const key = `${st.size}:${st.mtimeMs}`;
      let s = this.seen.get(path);
      if (!s) {
        s = { size: st.size, mtimeMs: st.mtimeMs, since: now };
        if (this.firstScan && this.cfg.startAt === 'end') s.done = key;
        this.seen.set(path, s);
      } else if (s.size !== st.size || s.mtimeMs !== st.mtimeMs) {
        s.size = st.size;
        s.mtimeMs = st.mtimeMs;
        s.since = now;
      }
      if (s.done === key || now - s.since < this.cfg.settleTimeMs || st.size === 0) continue;
      if (this.stopping) return;
      await this.convertFile(path, s, key);
    }
  }

  private async convertFile(path: string, s: Seen, key: string): Promise<void> {
    const id = this.ctx.id;
    const t0 = performance.now();
    try {
      const r = await convertTraceFile(path, { categories: new Set(this.cfg.categories), resource: this.resourceExtra, signal: this.abort.signal }, async (data, spans) => {
        await this.deliver('traces', data, spans, true);
      });
      s.done = key;
      this.converted.push({ path, spans: r.spans, events: r.events });
      this.ctx.metrics.inc('atc_profiler_files_total', { receiver: id, outcome: 'converted' });
      this.ctx.metrics.inc('atc_profiler_trace_events_total', { receiver: id }, r.events);
      this.ctx.logger.info({ file: path, events: r.events, spans: r.spans, bytes: r.bytes, seconds: +((performance.now() - t0) / 1000).toFixed(3), badEvents: r.badEvents || undefined }, 'profiler trace converted');
    } catch (e) {
      if (this.stopping) return;
      // incomplete (a gzip still being written) or broken: try again only when the file changes
      s.done = key;
      this.ctx.metrics.inc('atc_profiler_files_total', { receiver: id, outcome: 'failed' });
      this.ctx.logger.warn({ file: path, err: (e as Error).message }, 'profiler trace not converted (read again when it changes)');
    }
  }

  private async pollTail(path: string, tail: Tail): Promise<void> {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return;
    }
    try {
      const st = statSync(path);
      if (tail.ino !== st.ino) {
        // a new file (first sight or rotated): from its start, or its end when start_at: end
        tail.offset = tail.offset === -1 ? st.size : 0;
        tail.ino = st.ino;
        tail.partial = '';
      } else if (st.size < tail.offset) {
        tail.offset = 0; // truncated
        tail.partial = '';
      }
      while (tail.offset < st.size && !this.stopping) {
        const len = Math.min(MAX_TAIL_READ, st.size - tail.offset);
        const buf = Buffer.alloc(len);
        const n = readSync(fd, buf, 0, len, tail.offset);
        if (n <= 0) break;
        tail.offset += n;
        const text = tail.partial + buf.toString('utf8', 0, n);
        const nl = text.lastIndexOf('\n');
        tail.partial = nl < 0 ? text : text.slice(nl + 1);
        if (nl >= 0) await this.ingestLines(text.slice(0, nl).split('\n'), 'file');
      }
    } finally {
      closeSync(fd);
    }
  }

  private resource(): Record<string, unknown> {
    return { attributes: Object.entries(this.resourceExtra).map(([key, v]) => ({ key, value: { stringValue: v } })) };
  }

  /** Converts and delivers lines; returns what was taken and what was not valid. */
  async ingestLines(lines: readonly string[], transport: string): Promise<{ accepted: number; invalid: { line: number; error: string }[]; refused?: { retryAfterMs: number } }> {
    const b = convertLines(lines, this.resource());
    const id = this.ctx.id;
    if (b.invalid.length > 0) this.ctx.metrics.inc('atc_profiler_jsonl_records_total', { receiver: id, transport, outcome: 'invalid' }, b.invalid.length);
    const retry = transport === 'file';
    if (b.metrics && this.next.signals.has('metrics')) {
      const r = await this.deliver('metrics', b.metrics, b.metricPoints, retry);
      if (r) return { accepted: 0, invalid: b.invalid, refused: r };
    }
    if (b.logs && this.next.signals.has('logs')) {
      const r = await this.deliver('logs', b.logs, b.logRecords, retry);
      if (r) return { accepted: 0, invalid: b.invalid, refused: r };
    }
    if (b.accepted > 0) this.ctx.metrics.inc('atc_profiler_jsonl_records_total', { receiver: id, transport, outcome: 'accepted' }, b.accepted);
    return { accepted: b.accepted, invalid: b.invalid };
  }

  /**
   * `POST /v1/profiler` with JSON lines (or one JSON array of objects). 200 with what was taken,
   * 400 when nothing was valid, 413 over the size limit, 503 + Retry-After when the pipeline is
   * full. Exposed so the OTLP/HTTP receiver can route the path on its own port.
   */
  handleHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body) + '\n');
    };
    if (req.method !== 'POST') {
      req.resume();
      send(405, { error: 'use POST' }, { allow: 'POST' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const c of req as AsyncIterable<Buffer>) {
        size += c.length;
        if (size > this.cfg.maxRequestBodySize) {
          send(413, { error: `body larger than ${this.cfg.maxRequestBodySize} bytes` }, { connection: 'close' });
          req.destroy();
          return;
        }
        chunks.push(c);
      }
    } catch {
      return;
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let lines: string[];
    if (text.trimStart().startsWith('[')) {
      try {
        const arr = JSON.parse(text) as unknown[];
        lines = Array.isArray(arr) ? arr.map((o) => JSON.stringify(o)) : [];
      } catch (e) {
        send(400, { error: `not JSON: ${(e as Error).message}` });
        return;
      }
    } else lines = text.split('\n');
    const r = await this.ingestLines(lines, 'http');
    if (r.refused) {
      send(503, { error: 'pipeline full, retry later' }, { 'retry-after': String(Math.max(1, Math.ceil(r.refused.retryAfterMs / 1000))) });
      return;
    }
    if (r.accepted === 0 && r.invalid.length > 0) {
      send(400, { accepted: 0, rejected: r.invalid.length, errors: r.invalid.slice(0, 10) });
      return;
    }
    send(200, { accepted: r.accepted, rejected: r.invalid.length, errors: r.invalid.slice(0, 10) });
  };

  /**
   * Hands one request to the pipeline. `retry`: wait while the ring refuses (backpressure for
   * files); otherwise returns the refusal for the caller to pass on (HTTP 503).
   */
  private async deliver(signal: Signal, data: Uint8Array, items: number, retry: boolean): Promise<{ retryAfterMs: number } | undefined> {
    const labels = { receiver: this.ctx.id, transport: signal === 'traces' ? 'file' : 'jsonl' };
    for (;;) {
      const r = await this.next.consume(signal, data, items);
      if (r.status === 'accepted') {
        this.ctx.metrics.inc(ACCEPTED_BY_SIGNAL[signal], labels, items);
        return undefined;
      }
      if (r.status === 'dropped') {
        this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { ...labels, reason: 'dropped' }, items);
        return undefined;
      }
      if (!retry || this.stopping) {
        this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { ...labels, reason: 'overload' }, items);
        if (this.stopping) throw new Error('stopping');
        return { retryAfterMs: r.retryAfterMs };
      }
      await new Promise((res) => setTimeout(res, Math.max(20, Math.min(r.retryAfterMs, 1000))));
    }
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.busy;
    const s = this.http;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
