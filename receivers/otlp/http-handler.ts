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
import { CONTENT_TYPE, RPC_CODE, statusBody, successBody, type Wire } from './responses.js';

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
      if (!res.headersSent) res.writeHead(500).end();
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
      return this.reply(res, 401, wire ?? 'json', signal, RPC_CODE.UNAUTHENTICATED, 'missing or invalid bearer token', true, 'unauthenticated');
    }
    if (signal === undefined || !this.next.signals.has(signal)) {
      // a path another receiver serves on this port (the profiler's POST /v1/profiler)
      const extra = this.ctx.httpRoutes?.get(path);
      if (extra) return void (await extra(req, res));
      return this.reply(res, 404, wire ?? 'json', undefined, RPC_CODE.NOT_FOUND, `no OTLP endpoint at ${path}`, true);
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return this.reply(res, 405, wire ?? 'json', signal, RPC_CODE.UNIMPLEMENTED, `${req.method} is not allowed; use POST`, true);
    }
    if (wire === undefined) {
      return this.reply(res, 415, 'json', signal, RPC_CODE.INVALID_ARGUMENT, `unsupported Content-Type "${req.headers['content-type'] ?? ''}"; use application/x-protobuf or application/json`, true);
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
      if (e instanceof BodyError) return this.reply(res, e.status, wire, signal, RPC_CODE.INVALID_ARGUMENT, e.message, true, e.status === 413 ? 'too_large' : 'bad_request');
      if (e instanceof ScanError || e instanceof JsonShapeError || e instanceof SyntaxError) {
        return this.reply(res, 400, wire, signal, RPC_CODE.INVALID_ARGUMENT, `malformed ${wire === 'proto' ? 'protobuf' : 'JSON'} request: ${e.message}`, false, 'bad_request');
      }
      throw e;
    }
    if (items === 0) return this.replyOk(res, wire, signal, 0);
    const r = await this.next.consume(signal, payload, items);
    const labels = { receiver: this.ctx.id, transport: 'http' };
    switch (r.status) {
      case 'accepted':
        this.ctx.metrics.inc(ACCEPTED_BY_SIGNAL[signal], labels, items);
        return this.replyOk(res, wire, signal, 0);
      case 'dropped':
        this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { ...labels, reason: 'dropped' }, items);
        return this.replyOk(res, wire, signal, items, r.reason);
      case 'refused': {
        this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { ...labels, reason: 'overload' }, items);
        res.setHeader('retry-after', String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))));
        const status = r.reason === 'too_large' ? 413 : 503;
        return this.reply(res, status, wire, signal, status === 413 ? RPC_CODE.INVALID_ARGUMENT : RPC_CODE.UNAVAILABLE, r.reason === 'too_large' ? 'request is larger than the ring buffer can hold' : `collector is overloaded (${r.reason}); retry later`, false);
      }
    }
  }

  private replyOk(res: ServerResponse, wire: Wire, signal: Signal, rejected: number, message = ''): void {
    const body = successBody(wire, signal, rejected, message);
    this.countRequest(signal, 200);
    res.writeHead(200, { 'content-type': CONTENT_TYPE[wire], 'content-length': body.length }).end(body);
  }

  private reply(res: ServerResponse, status: number, wire: Wire, signal: Signal | undefined, code: number, message: string, closeConnection: boolean, refusedReason?: string): void {
    const body = statusBody(wire, code, message);
    if (signal) this.countRequest(signal, status);
    if (refusedReason && signal) this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { receiver: this.ctx.id, transport: 'http', reason: refusedReason }, 0);
    // The unread rest of a refused body would otherwise be parsed as the next request.
    if (closeConnection) res.setHeader('connection', 'close');
    res.writeHead(status, { 'content-type': CONTENT_TYPE[wire], 'content-length': body.length }).end(body);
    this.ctx.logger.debug({ status, message }, 'otlp http request refused');
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
