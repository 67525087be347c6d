// Sends each batch as one OTLP export request, bytes in, bytes out: a batch is already a
// valid Export*ServiceRequest, so it is compressed and posted as it is — never decoded.
// HTTP protobuf (node:http/https, keep-alive) or gRPC (@grpc/grpc-js with pass-through
// serializers). Results follow the OTLP spec: 429/502/503/504 and the retryable gRPC codes
// come back as `retryable` with the server's Retry-After / RetryInfo hint; a partial success
// is logged and counted, never retried; anything else is a permanent failure.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import type { Batch, CreateContext, Exporter, ExportResult, Signal } from '../../src/component.js';
import { SUCCESS } from '../../src/component.js';
import { createCodec, type Codec } from '../../src/compression/codecs.js';
import { SENT_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import { grpcTarget, signalUrl, type OtlpExporterConfig } from './config.js';
import { grpcRetryDelayMs, partialSuccess, retryAfterMs, statusMessage } from './responses.js';

const RETRYABLE_HTTP = new Set([429, 502, 503, 504]);

/** gRPC codes the OTLP spec calls retryable (RESOURCE_EXHAUSTED only with RetryInfo). */
const RETRYABLE_GRPC = new Set([
  grpc.status.CANCELLED,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.ABORTED,
  grpc.status.OUT_OF_RANGE,
  grpc.status.UNAVAILABLE,
  grpc.status.DATA_LOSS,
]);

export const GRPC_METHOD: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

interface Answer {
  result: ExportResult;
  /** label for the requests counter: an HTTP status or a gRPC code name */
  status: string;
  body?: Uint8Array;
  sentBytes: number;
}

export class OtlpExporter implements Exporter {
  private readonly codec: Codec | undefined;
  private agent: http.Agent | undefined;
  private client: grpc.Client | undefined;
  private readonly inflight = new Set<{ cancel(): void }>();
  private stopped = false;
  private sinkOk = true;

  constructor(
    private readonly cfg: OtlpExporterConfig,
    private readonly ctx: CreateContext,
  ) {
    // gRPC compresses per message itself (channel option); HTTP compresses the body here.
    if (cfg.protocol === 'http/protobuf' && cfg.compression !== 'none') {
      this.codec = cfg.compression === 'gzip' ? { name: 'gzip', compress: (d) => gzipSync(d, { level: cfg.compressionLevel ?? 6 }) } : createCodec('zstd', cfg.compressionLevel);
    }
  }

  async start(): Promise<void> {
    if (this.cfg.protocol === 'grpc') this.client = this.createGrpcClient();
    else this.agent = this.createAgent();
    // No probe: the sink may come later; batches wait in retries or in the spill queue.
    this.ctx.health.setReady(this.ctx.id, true);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const c of this.inflight) c.cancel();
    this.client?.close();
    this.agent?.destroy();
  }

  async export(batch: Batch): Promise<ExportResult> {
    if (this.stopped) return { outcome: 'retryable', error: new Error('OTLP exporter is shut down') };
    const started = performance.now();
    const a = this.cfg.protocol === 'grpc' ? await this.sendGrpc(batch) : await this.sendHttp(batch);
    const labels = { exporter: this.ctx.id, signal: batch.signal };
    this.ctx.metrics.inc('atc_exporter_otlp_requests_total', { ...labels, status: a.status });
    this.sinkHealth(a.result.outcome === 'retryable' ? `${a.status}: ${a.result.error.message}` : undefined);
    if (a.result.outcome !== 'success') {
      if (a.result.outcome === 'failure') {
        this.ctx.logger.error({ signal: batch.signal, items: batch.items, status: a.status, err: a.result.error.message }, 'OTLP endpoint refused the batch permanently');
        this.ctx.metrics.inc('atc_exporter_send_failed_batches_total', labels);
        this.ctx.metrics.inc('atc_exporter_send_failed_items_total', labels, batch.items);
      }
      return a.result;
    }
    const ps = a.body ? partialSuccess(batch.signal, a.body) : undefined;
    if (ps) {
      // The spec: a partial success must not be retried. Told, counted, and the batch is done.
      this.ctx.metrics.inc('atc_exporter_otlp_partial_success_rejected_items_total', labels, ps.rejected);
      this.ctx.logger.warn({ signal: batch.signal, items: batch.items, rejected: ps.rejected, message: ps.message }, 'OTLP endpoint accepted the batch partially');
    }
    this.ctx.metrics.inc('atc_exporter_sent_batches_total', labels);
    this.ctx.metrics.inc('atc_exporter_sent_bytes_total', labels, a.sentBytes);
    this.ctx.metrics.inc(SENT_BY_SIGNAL[batch.signal], { exporter: this.ctx.id }, batch.items - (ps?.rejected ?? 0));
    if (a.sentBytes > 0) this.ctx.metrics.set('atc_exporter_compression_ratio', labels, batch.data.length / a.sentBytes);
    this.ctx.metrics.observe('atc_exporter_send_latency_seconds', labels, (performance.now() - started) / 1000);
    return SUCCESS;
  }

  /** /status shows the sink unreachable (degraded) until a send succeeds again; readiness ignores it. */
  private sinkHealth(problem: string | undefined): void {
    if ((problem === undefined) === this.sinkOk) return;
    this.sinkOk = problem === undefined;
    this.ctx.health.setReady(this.ctx.id, this.sinkOk, problem);
  }

  // ---- HTTP ----

  private createAgent(): http.Agent {
    const url = signalUrl(this.cfg, 'traces');
    const opts = { keepAlive: true, maxSockets: 8 };
    if (url.protocol !== 'https:' && !Object.values(this.cfg.signalEndpoints).some((u) => u.startsWith('https:'))) return new http.Agent(opts);
    const t = this.cfg.tls;
    return new https.Agent({
      ...opts,
      rejectUnauthorized: !t.insecureSkipVerify,
      ca: t.caFile ? readFileSync(t.caFile) : undefined,
      cert: t.certFile ? readFileSync(t.certFile) : undefined,
      key: t.keyFile ? readFileSync(t.keyFile) : undefined,
      servername: t.serverNameOverride || undefined,
    });
  }

  private sendHttp(batch: Batch): Promise<Answer> {
    const url = signalUrl(this.cfg, batch.signal);
    const body = this.codec ? this.codec.compress(batch.data) : batch.data;
    const headers: Record<string, string | number> = {
      ...this.cfg.headers,
      'content-type': 'application/x-protobuf',
      'content-length': body.length,
      'user-agent': 'ai-trace-collector',
    };
    if (this.codec) headers['content-encoding'] = this.codec.name;
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<Answer>((resolve) => {
      let done = false;
      const finish = (a: Answer): void => {
        if (done) return;
        done = true;
        this.inflight.delete(handle);
        clearTimeout(timer);
        resolve(a);
      };
      const retryable = (status: string, message: string, after?: number): Answer => ({
        status,
        sentBytes: 0,
        result: { outcome: 'retryable', error: new Error(message), ...(after !== undefined ? { retryAfterMs: after } : {}) },
      });
      const req = mod.request(url, { method: 'POST', headers, agent: this.agent as http.Agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          // A response body is small; do not hold a huge one.
          if (size < 1024 * 1024) chunks.push(c);
          size += c.length;
        });
        res.on('error', (e) => finish(retryable('error', `OTLP/HTTP ${url.href}: ${e.message}`)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const rbody = Buffer.concat(chunks);
          if (status >= 200 && status < 300) {
            const proto = (res.headers['content-type'] ?? '').includes('protobuf');
            return finish({ status: String(status), sentBytes: body.length, body: proto ? rbody : undefined, result: SUCCESS });
          }
          const msg = `OTLP/HTTP ${url.href}: ${status} ${statusMessage(rbody, res.headers['content-type']) || res.statusMessage || ''}`.trim();
          if (RETRYABLE_HTTP.has(status)) return finish(retryable(String(status), msg, retryAfterMs(res.headers['retry-after'])));
          finish({ status: String(status), sentBytes: 0, result: { outcome: 'failure', error: new Error(msg) } });
        });
      });
      const handle = { cancel: () => req.destroy(new Error('exporter shut down')) };
      this.inflight.add(handle);
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${this.cfg.timeoutMs} ms`)), this.cfg.timeoutMs);
      req.on('error', (e) => finish(retryable('error', `OTLP/HTTP ${url.href}: ${e.message}`)));
      req.end(body);
    });
  }

  // ---- gRPC ----

  private createGrpcClient(): grpc.Client {
    const target = grpcTarget(this.cfg.endpoint)!;
    const t = this.cfg.tls;
    // The scheme decides when there is one; otherwise TLS unless tls.insecure (as the Collector).
    const useTls = target.tls ?? !t.insecure;
    const creds = useTls
      ? grpc.credentials.createSsl(
          t.caFile ? readFileSync(t.caFile) : null,
          t.keyFile ? readFileSync(t.keyFile) : null,
          t.certFile ? readFileSync(t.certFile) : null,
          t.insecureSkipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {},
        )
      : grpc.credentials.createInsecure();
    const options: grpc.ChannelOptions = {
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': 4 * 1024 * 1024,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.primary_user_agent': 'ai-trace-collector',
      // 2 = gzip (grpc-js' compression algorithm ids: 0 identity, 1 deflate, 2 gzip)
      'grpc.default_compression_algorithm': this.cfg.compression === 'gzip' ? 2 : 0,
    };
    if (useTls && t.serverNameOverride) options['grpc.ssl_target_name_override'] = t.serverNameOverride;
    return new grpc.Client(target.hostPort, creds, options);
  }

  private sendGrpc(batch: Batch): Promise<Answer> {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(this.cfg.headers)) md.set(k.toLowerCase(), v);
    const pass = (b: Buffer): Buffer => b;
    const data = Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength);
    return new Promise<Answer>((resolve) => {
      const call = this.client!.makeUnaryRequest<Buffer, Buffer>(
        GRPC_METHOD[batch.signal],
        pass,
        pass,
        data,
        md,
        { deadline: Date.now() + this.cfg.timeoutMs },
        (err, response) => {
          this.inflight.delete(call);
          if (!err) return resolve({ status: 'OK', sentBytes: data.length, body: response, result: SUCCESS });
          const code = err.code ?? grpc.status.UNKNOWN;
          const name = grpc.status[code] ?? String(code);
          const details = err.metadata?.get('grpc-status-details-bin')[0];
          const delay = grpcRetryDelayMs(typeof details === 'string' ? Buffer.from(details, 'base64') : details);
          const error = new Error(`OTLP/gRPC ${this.cfg.endpoint}: ${name}: ${err.details || err.message}`);
          if (RETRYABLE_GRPC.has(code) || (code === grpc.status.RESOURCE_EXHAUSTED && delay !== undefined)) {
            return resolve({ status: name, sentBytes: 0, result: { outcome: 'retryable', error, ...(delay !== undefined ? { retryAfterMs: delay } : {}) } });
          }
          resolve({ status: name, sentBytes: 0, result: { outcome: 'failure', error } });
        },
      );
      this.inflight.add(call);
    });
  }
}
