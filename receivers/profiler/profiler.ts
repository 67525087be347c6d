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
import { type Progress, ProgressStore, progressFile, type TailProgress, type TraceProgress } from './progress-store.js';
import { convertTraceFile } from './trace-file.js';

const TRACE_FILE = /\.pt\.trace\.json(\.gz)?$/;
const MAX_TAIL_READ = 4 << 20;
const FINGERPRINT_BYTES = 256;
/** at most this many bad lines are logged one by one per poll (all are counted) */
const MAX_BAD_LINES_LOGGED = 20;
/** during a long conversion, progress is written at most this often */
const SAVE_INTERVAL_MS = 1000;

interface Seen {
  size: number;
  mtimeMs: number;
  since: number;
  /** `${size}:${mtimeMs}` when converted or given up on */
  done?: string;
  /** spans of this version of the file already delivered (before a restart, or so far) */
  spans: number;
  converted: boolean;
}

interface Tail {
  ino: number;
  offset: number;
  /** an incomplete last line, waiting for its end */
  partial: Buffer;
  /** offset up to which every line was delivered, and the lines before it */
  committed: number;
  line: number;
  fp: string;
  /** where a checkpoint says to go on, until the file is first seen */
  resume?: TailProgress;
}

export class ProfilerReceiver implements Receiver {
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private busy: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private readonly seen = new Map<string, Seen>();
  private readonly tails = new Map<string, Tail>();
  private firstScan = true;
  private readonly store: ProgressStore | undefined;
  private resumed: Map<string, TraceProgress> | undefined;
  private dirty = false;
  private lastSave = 0;
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
    this.store = cfg.checkpointDir ? new ProgressStore(progressFile(cfg.checkpointDir, ctx.id)) : undefined;
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
    const progress = this.loadProgress();
    for (const p of this.cfg.jsonlPaths) {
      const resume = progress?.tails.find((t) => t.path === p);
      // with a checkpoint, files it does not know appeared while we were down: from their start
      this.tails.set(p, { ino: -1, offset: this.cfg.startAt === 'end' && !progress ? -1 : 0, partial: Buffer.alloc(0), committed: 0, line: 0, fp: '', ...(resume ? { resume } : {}) });
    }
    this.ctx.health.setReady(this.ctx.id, true);
    this.ctx.logger.info({ directories: this.cfg.directories, jsonl: this.cfg.jsonlPaths, endpoint: this.httpAddress() ? `${this.httpAddress()!.address}:${this.httpAddress()!.port}` : undefined }, 'profiler receiver started');
    this.schedule(0);
  }

  private loadProgress(): Progress | undefined {
    if (!this.store) {
      if (this.cfg.directories.length > 0 || this.cfg.jsonlPaths.length > 0) this.ctx.logger.warn('profiler: no checkpoint_dir set, file progress is not kept across restarts');
      return undefined;
    }
    try {
      const p = this.store.load();
      if (p) this.resumed = new Map(p.traces.map((t) => [t.path, t]));
      return p;
    } catch (e) {
      this.ctx.logger.error({ file: this.store.file, err: (e as Error).message }, 'profiler checkpoint unreadable: starting without it');
      return undefined;
    }
  }

  /** Writes the progress file (when something changed; `sync` at shutdown). */
  private saveProgress(sync: boolean): void {
    if (!this.store || (!this.dirty && !sync)) return;
    const traces: TraceProgress[] = [];
    for (const [path, s] of this.seen) if (s.spans > 0 || s.converted) traces.push({ path, size: s.size, mtimeMs: s.mtimeMs, spans: s.spans, done: s.converted });
    // files known from before the restart and not seen yet keep their entries
    for (const [path, t] of this.resumed ?? []) if (!this.seen.has(path)) traces.push(t);
    const tails: TailProgress[] = [];
    for (const [path, t] of this.tails) {
      if (t.ino !== -1) tails.push({ path, fp: t.fp, offset: t.committed, line: t.line });
      else if (t.resume) tails.push(t.resume);
    }
    try {
      this.store.save({ traces, tails }, sync);
      this.dirty = false;
      this.lastSave = Date.now();
    } catch (e) {
      this.ctx.logger.error({ file: this.store.file, err: (e as Error).message }, 'profiler: cannot write checkpoint');
    }
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
    this.saveProgress(false);
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
        s = { size: st.size, mtimeMs: st.mtimeMs, since: now, spans: 0, converted: false };
        const before = this.resumed?.get(path);
        if (before && before.size === st.size && before.mtimeMs === st.mtimeMs) {
          // the same file as before the restart: done, or the spans delivered then are skipped
          if (before.done) {
            s.done = key;
            s.converted = true;
          }
          s.spans = before.spans;
        } else if (this.firstScan && this.cfg.startAt === 'end' && !this.resumed) s.done = key;
        this.seen.set(path, s);
      } else if (s.size !== st.size || s.mtimeMs !== st.mtimeMs) {
        s.size = st.size;
        s.mtimeMs = st.mtimeMs;
        s.since = now;
        s.spans = 0;
        s.converted = false;
      }
      if (s.done === key || now - s.since < this.cfg.settleTimeMs || st.size === 0) continue;
      if (this.stopping) return;
      await this.convertFile(path, s, key);
    }
  }

  private async convertFile(path: string, s: Seen, key: string): Promise<void> {
    const id = this.ctx.id;
    const t0 = performance.now();
    // batches are cut the same way each time: those delivered before a restart are skipped whole
    const skip = s.spans;
    let sent = 0;
    try {
      const r = await convertTraceFile(path, { categories: new Set(this.cfg.categories), resource: this.resourceExtra, signal: this.abort.signal }, async (data, spans) => {
        sent += spans;
        if (sent <= skip) return;
        await this.deliver('traces', data, spans, true);
        s.spans = sent;
        this.dirty = true;
        if (Date.now() - this.lastSave >= SAVE_INTERVAL_MS) this.saveProgress(false);
      });
      s.done = key;
      s.converted = true;
      this.dirty = true;
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
        // a new file (first sight or rotated): where the checkpoint left it when it is the same
        // file, else from its start (or its end with start_at: end, at first start only)
        const r = tail.resume;
        tail.resume = undefined;
        const head = r ? readHead(fd, Buffer.from(r.fp, 'base64').length) : undefined;
        const same = r && head !== undefined && r.fp !== '' && head.toString('base64') === r.fp && r.offset <= st.size;
        tail.offset = same ? r.offset : tail.offset === -1 ? st.size : 0;
        tail.line = same ? r.line : 0;
        tail.committed = tail.offset;
        tail.ino = st.ino;
        tail.partial = Buffer.alloc(0);
        tail.fp = '';
        this.dirty = true;
      } else if (st.size < tail.offset) {
        tail.offset = tail.committed = tail.line = 0; // truncated
        tail.partial = Buffer.alloc(0);
        tail.fp = '';
      }
      if (tail.fp.length < Math.ceil(FINGERPRINT_BYTES / 3) * 4 && st.size > 0) tail.fp = readHead(fd, FINGERPRINT_BYTES).toString('base64');
      let logged = 0;
      while (tail.offset < st.size && !this.stopping) {
        const len = Math.min(MAX_TAIL_READ, st.size - tail.offset);
        const buf = Buffer.alloc(len);
        const n = readSync(fd, buf, 0, len, tail.offset);
        if (n <= 0) break;
        tail.offset += n;
        // split at the last newline byte: a character cut by the read stays whole in `partial`
        const data = tail.partial.length > 0 ? Buffer.concat([tail.partial, buf.subarray(0, n)]) : buf.subarray(0, n);
        const nl = data.lastIndexOf(0x0a);
        tail.partial = Buffer.from(data.subarray(nl + 1));
        if (nl < 0) continue;
        const lines = data.toString('utf8', 0, nl).split('\n');
        const r = await this.ingestLines(lines, 'file');
        for (const bad of r.invalid) {
          if (logged++ < MAX_BAD_LINES_LOGGED) this.ctx.logger.warn({ file: path, line: tail.line + bad.line, err: bad.error }, 'profiler: JSON line skipped');
        }
        tail.line += lines.length;
        tail.committed = tail.offset - tail.partial.length;
        this.dirty = true;
      }
      if (logged > MAX_BAD_LINES_LOGGED) this.ctx.logger.warn({ file: path, skipped: logged, logged: MAX_BAD_LINES_LOGGED }, 'profiler: more JSON lines skipped than logged');
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
    this.saveProgress(true);
    const s = this.http;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** the first `n` bytes of an open file (fewer when it is shorter) */
function readHead(fd: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  return b.subarray(0, readSync(fd, b, 0, n, 0));
}
