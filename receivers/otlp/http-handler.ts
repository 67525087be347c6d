// One OTLP/HTTP export request: route, read, decode, validate, hand to the pipeline, answer
// per the OTLP spec. Nothing from a request that fails validation reaches the pipeline.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Consumer, CreateContext, Signal } from '../../src/component.js';
import { encodeRequest, JsonShapeError } from '../../src/otlp/json-encode.js';
import { parseOtlpJson } from '../../src/otlp/json-text.js';
import { scanRequest, ScanError } from '../../src/otlp/scanner.js';
import { ACCEPTED_BY_SIGNAL, REFUSED_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import { BearerAuth } from '../../src/auth/bearer.js';
import { Cors } from '../../src/auth/cors.js';
import type { OtlpHttpConfig } from './config.js';
import { BodyError, decodeContent, readBody } from './read-body.js';
import { REFUSALS, refusalMessage, retryAfterSeconds, type RefusalCode } from '../../src/errors/refusals.js';
import { CONTENT_TYPE, statusBody, successBody, type Wire } from './responses.js';

export class OtlpHttpHandler {
  private readonly routes: Map<string, Signal>;
  private readonly auth: BearerAuth | undefined;
  private readonly cors: Cors | undefined;

  constructor(
    private readonly cfg: OtlpHttpConfig,
    private readonly next: Consumer,
    private readonly ctx: CreateContext,
  ) {
    this.routes = new Map<string, Signal>([
      [cfg.tracesUrlPath, 'traces'],
      [cfg.logsUrlPath, 'logs'],
      [cfg.metricsUrlPath, 'metrics'],
    ]);
    this.auth = cfg.auth ? new BearerAuth(cfg.auth) : undefined;
    this.cors = cfg.cors ? new Cors(cfg.cors) : undefined;
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((e: Error) => {
      this.ctx.logger.error({ err: e.message }, 'otlp http handler failed');
      if (!res.headersSent) this.refuse(res, 'json', undefined, 'internal', 'internal error');
      else res.destroy();
    });
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const signal = this.routes.get(path);
    const wire = wireOf(req.headers['content-type']);
    // CORS preflights come first: browsers send them without credentials
    if (this.cors?.apply(req, res)) return;
    if (this.auth && !this.auth.check(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Bearer');
      return this.refuse(res, wire ?? 'json', signal, 'unauthenticated', 'missing or invalid bearer token');
    }
    if (signal === undefined || !this.next.signals.has(signal)) {
      // a path another receiver serves on this port (the profiler's POST /v1/profiler)
      const extra = this.ctx.httpRoutes?.get(path);
      if (extra) return void (await extra(req, res));
      if (signal === undefined) return this.refuse(res, wire ?? 'json', undefined, 'not_found', `no OTLP endpoint at ${path}`);
      return this.refuse(res, wire ?? 'json', undefined, 'signal_not_served', `no pipeline takes ${signal} from receiver ${this.ctx.id}`);
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return this.refuse(res, wire ?? 'json', signal, 'method_not_allowed', `${req.method} is not allowed; use POST`);
    }
    if (wire === undefined) {
      return this.refuse(res, 'json', signal, 'unsupported_media_type', `unsupported Content-Type "${req.headers['content-type'] ?? ''}"; use application/x-protobuf or application/json`);
    }
    let payload: Uint8Array;
    let items: number;
    try {
      const limit = this.cfg.maxRequestBodySize;
      const body = decodeContent(await readBody(req, limit), req.headers['content-encoding'], limit);
      if (wire === 'proto') {
        payload = body;
      } else {
        payload = encodeRequest(signal, parseOtlpJson(body.toString('utf8')));
      }
      items = scanRequest(signal, payload).items;
    } catch (e) {
      if (e instanceof BodyError) return this.refuse(res, wire, signal, e.status === 413 ? 'body_too_large' : e.status === 415 ? 'unsupported_media_type' : 'bad_request', e.message);
      if (e instanceof ScanError || e instanceof JsonShapeError || e instanceof SyntaxError) {
        return this.refuse(res, wire, signal, 'bad_request', `malformed ${wire === 'proto' ? 'protobuf' : 'JSON'} request: ${e.message}`, { bodyRead: true });
      }
      throw e;
    }
    if (items === 0) return this.replyOk(res, wire, signal, 0);
    const r = await this.next.consume(signal, payload, items);
    switch (r.status) {
      case 'accepted':
        this.ctx.metrics.inc(ACCEPTED_BY_SIGNAL[signal], { receiver: this.ctx.id, transport: 'http' }, items);
        return this.replyOk(res, wire, signal, 0);
      case 'dropped':
        this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { receiver: this.ctx.id, transport: 'http', reason: 'dropped' }, items);
        return this.replyOk(res, wire, signal, items, r.reason);
      case 'refused':
        return this.refuse(res, wire, signal, r.code, refusalMessage(r.code, r.reason), { bodyRead: true, items, retryAfterMs: r.retryAfterMs });
    }
  }

  private replyOk(res: ServerResponse, wire: Wire, signal: Signal, rejected: number, message = ''): void {
    const body = successBody(wire, signal, rejected, message);
    this.countRequest(signal, 200);
    res.writeHead(200, { 'content-type': CONTENT_TYPE[wire], 'content-length': body.length }).end(body);
  }

  /**
   * Answers a refusal as the catalogue says: status, google.rpc.Status body, Retry-After only
   * when retryable, counted under the catalogue's reason with the items refused.
   */
  private refuse(res: ServerResponse, wire: Wire, signal: Signal | undefined, code: RefusalCode, message: string, opts: { bodyRead?: boolean; items?: number; retryAfterMs?: number } = {}): void {
    const e = REFUSALS[code];
    const body = statusBody(wire, e.grpc, message);
    if (signal) {
      this.countRequest(signal, e.http);
      this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { receiver: this.ctx.id, transport: 'http', reason: e.reason }, opts.items ?? 0);
    }
    if (e.retryable) res.setHeader('retry-after', String(retryAfterSeconds(opts.retryAfterMs ?? 1000)));
    // The unread rest of a refused body would otherwise be parsed as the next request.
    if (!opts.bodyRead) res.setHeader('connection', 'close');
    res.writeHead(e.http, { 'content-type': CONTENT_TYPE[wire], 'content-length': body.length }).end(body);
    this.ctx.logger.debug({ status: e.http, code: e.code, message }, 'otlp http request refused');
  }

  private countRequest(signal: Signal, status: number): void {
    this.ctx.metrics.inc('atc_receiver_requests_total', { receiver: this.ctx.id, transport: 'http', signal, status: String(status) });
  }
}

function wireOf(contentType: string | undefined): Wire | undefined {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (t === 'application/x-protobuf' || t === 'application/protobuf') return 'proto';
  if (t === 'application/json') return 'json';
  return undefined;
}
