// OTLP/gRPC served directly on node:http2 (h2c, or TLS with ALPN h2): the three unary Export
// methods, per grpc/grpc doc/PROTOCOL-HTTP2.md. A call is one stream: its request message is
// put together from the DATA chunks (grpc-unary-message.ts), gunzipped when grpc-encoding is
// gzip, scanned (never decoded into objects) and stored as received. The per-call state is one
// object and the stream's listeners are shared functions, so a call allocates little beyond
// what node:http2 does. Errors answer trailers-only (status in the one HEADERS frame) from
// the refusal catalogue; status codes follow the OTLP spec.
import { constants as h2, createSecureServer, createServer, type Http2SecureServer, type Http2Server, type Http2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Consumer, CreateContext, Signal } from '../../src/component.js';
import { parseEndpoint } from '../../src/config/fields.js';
import { BearerAuth } from '../../src/auth/bearer.js';
import { serverTlsOptions } from '../../src/auth/tls.js';
import { decompress, DecompressedTooLarge } from '../../src/compression/codecs.js';
import { encodeRetryInfoStatus } from '../../src/otlp/rpc-status.js';
import { scanRequest, ScanError } from '../../src/otlp/scanner.js';
import { ACCEPTED_BY_SIGNAL, REFUSED_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import type { OtlpGrpcConfig } from './config.js';
import { successBody } from './responses.js';
import { REFUSALS, refusalMessage, type RefusalCode } from '../../src/errors/refusals.js';
import { binaryHeader, CANCELLED, frameMessage, isGrpcProto, parseTimeout, percentEncode, statusName } from './grpc-wire.js';
import { MessageError, UnaryMessage, type PreallocBudget } from './grpc-unary-message.js';

export const GRPC_SERVICES: Record<Signal, { service: string; path: string }> = {
  traces: { service: 'opentelemetry.proto.collector.trace.v1.TraceService', path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export' },
  logs: { service: 'opentelemetry.proto.collector.logs.v1.LogsService', path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export' },
  metrics: { service: 'opentelemetry.proto.collector.metrics.v1.MetricsService', path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export' },
};

const PATHS = new Map<string, Signal>(Object.entries(GRPC_SERVICES).map(([s, v]) => [v.path, s as Signal]));
const ACCEPT_ENCODING = 'identity,gzip';
const OK_HEADERS: OutgoingHttpHeaders = { ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': ACCEPT_ENCODING };
const OK_TRAILERS: OutgoingHttpHeaders = { 'grpc-status': '0' };
const EMPTY_RESPONSE = frameMessage(new Uint8Array(0));
const STREAM_WINDOW = 1024 * 1024;
const CONNECTION_WINDOW = 8 * 1024 * 1024;

export interface GrpcServerLimits {
  /** a request message not complete this long after its call began is cut (slow clients) */
  bodyTimeoutMs: number;
  /** a connection with no frames for this long is closed with GOAWAY */
  idleTimeoutMs: number;
  /** bytes all calls together may hold in buffers allocated ahead of their data */
  preallocBudget: number;
  /** the shutdown deadline: calls still open by then are cut */
  shutdownMs: number;
}

export const DEFAULT_GRPC_LIMITS: GrpcServerLimits = { bodyTimeoutMs: 60_000, idleTimeoutMs: 300_000, preallocBudget: 64 * 1024 * 1024, shutdownMs: 10_000 };

/** One call: its stream, its request message as it arrives, its deadline. */
class Call {
  readonly message: UnaryMessage;
  readonly started = Date.now();
  deadline: NodeJS.Timeout | undefined;
  /** answered (or gone): later outcomes are not written */
  answered = false;
  /** still reading the request message (in the server's `receiving` set) */
  receiving = true;

  constructor(
    readonly server: OtlpGrpcServer,
    readonly stream: ServerHttp2Stream,
    readonly signal: Signal,
    readonly gzip: boolean,
    limit: number,
    budget: PreallocBudget,
  ) {
    this.message = new UnaryMessage(limit, budget);
  }
}

const CALL = Symbol('otlp grpc call');
type CallStream = ServerHttp2Stream & { [CALL]?: Call };

// Shared listeners (no closure per call): `this` is the stream.
function onData(this: CallStream, chunk: Buffer): void {
  const call = this[CALL]!;
  if (!call.receiving) return;
  try {
    call.message.push(chunk);
  } catch (e) {
    call.server.messageFailed(call, e);
  }
}
function onEnd(this: CallStream): void {
  const call = this[CALL]!;
  // node:http2 ends the readable side of a reset stream too: that is a cancel (onClose), not a short message
  if (call.receiving && !this.closed) call.server.messageComplete(call);
}
function onClose(this: CallStream): void {
  const call = this[CALL]!;
  call.server.callGone(call);
}
function onWantTrailers(this: CallStream): void {
  this.sendTrailers(OK_TRAILERS);
}
function onDeadline(call: Call): void {
  call.deadline = undefined;
  call.server.deadlinePassed(call);
}
// a stream reset with an error code, a write to a closed session: the call is gone, the process stays
function onStreamError(this: CallStream, e: Error): void {
  const call = this[CALL];
  call?.server.debug(e);
}

export class OtlpGrpcServer {
  private server: Http2Server | Http2SecureServer | undefined;
  private readonly auth: BearerAuth | undefined;
  private readonly sessions = new Set<Http2Session>();
  /** calls still reading their request message, for the body timeout */
  private readonly receiving = new Set<Call>();
  private sweep: NodeJS.Timeout | undefined;
  private readonly budget: PreallocBudget;
  private inFlight = 0;
  boundPort = 0;

  constructor(
    private readonly cfg: OtlpGrpcConfig,
    private readonly next: Consumer,
    private readonly ctx: CreateContext,
    private readonly limits: GrpcServerLimits = DEFAULT_GRPC_LIMITS,
  ) {
    this.auth = cfg.auth ? new BearerAuth(cfg.auth) : undefined;
    this.budget = { left: limits.preallocBudget };
  }

  /** tests: the body-timeout sweep is running (it should not while nothing is received) */
  get sweeping(): boolean {
    return this.sweep !== undefined;
  }

  /** calls not yet finished (answered and closed), for tests that look for leaks */
  callsInFlight(): number {
    return this.inFlight;
  }

  async start(): Promise<number> {
    // node:http2's own guards stay at their defaults: a session whose streams are refused over
    // and over (maxSessionRejectedStreams), or that sends invalid frames, or holds more than
    // maxSessionMemory, is destroyed
    // A 1 MiB stream window lets a typical request arrive without waiting for WINDOW_UPDATEs;
    // what a client can send unread stays bounded by maxSessionMemory (10 MB by default).
    const opts = { settings: { maxConcurrentStreams: this.cfg.maxConcurrentStreams, initialWindowSize: STREAM_WINDOW } };
    const server = this.cfg.tls ? createSecureServer({ ...opts, ...serverTlsOptions(this.cfg.tls), ALPNProtocols: ['h2'], allowHTTP1: false }) : createServer(opts);
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => this.onStream(stream, headers));
    server.on('session', (session: Http2Session) => this.onSession(session));
    server.on('sessionError', (e: Error) => this.debug(e));
    // failed TLS handshakes (wrong CA, plaintext to a TLS port) are the client's problem
    server.on('tlsClientError', (e: Error) => this.debug(e));
    const { host, port } = parseEndpoint(this.cfg.endpoint)!;
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error): void => reject(new Error(`cannot listen on ${host}:${port} for OTLP/gRPC: ${e.message}`));
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        resolve();
      });
    });
    server.on('error', (e: Error) => this.ctx.logger.error({ err: e.message }, 'otlp grpc server error'));
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    this.ctx.logger.info({ endpoint: `${host}:${this.boundPort}`, tls: this.cfg.tls ? (this.cfg.tls.clientCaFile ? 'mtls' : 'tls') : 'none', auth: this.auth?.describe() ?? 'none' }, 'OTLP/gRPC receiver listening');
    return this.boundPort;
  }

  private onSession(session: Http2Session): void {
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    session.on('error', (e: Error) => this.debug(e));
    // the connection's window too (65,535 bytes by default, shared by all its streams)
    session.once('connect', () => session.setLocalWindowSize(CONNECTION_WINDOW));
    // an idle connection is closed with GOAWAY (a client reconnects when it next sends)
    session.setTimeout(this.limits.idleTimeoutMs, () => session.close());
  }

  private onStream(s: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const stream = s as CallStream;
    stream.on('error', onStreamError);
    // PROTOCOL-HTTP2.md: a request that is not gRPC gets HTTP 415
    if (headers[':method'] !== 'POST' || !isGrpcProto(headers['content-type'])) {
      this.respondEarly(stream, { ':status': 415, 'content-type': 'text/plain' });
      return;
    }
    const path = headers[':path'] ?? '';
    const signal = PATHS.get(path);
    if (signal === undefined) return this.refuseEarly(stream, undefined, 'unknown_method', `unknown method ${path}`);
    if (this.auth && !this.auth.check(headers.authorization)) return this.refuseEarly(stream, signal, 'unauthenticated', 'missing or invalid bearer token');
    if (!this.next.signals.has(signal)) return this.refuseEarly(stream, undefined, 'signal_not_served', `no pipeline takes ${signal} from receiver ${this.ctx.id}`, signal);
    const enc = headers['grpc-encoding'];
    if (enc !== undefined && enc !== 'identity' && enc !== 'gzip') return this.refuseEarly(stream, signal, 'unsupported_encoding', `grpc-encoding "${enc}" is not supported (${ACCEPT_ENCODING})`);

    const call = new Call(this, stream, signal, enc === 'gzip', this.cfg.maxRecvMsgSize, this.budget);
    stream[CALL] = call;
    this.inFlight++;
    const timeout = parseTimeout(headers['grpc-timeout'] as string | undefined);
    // beyond a timer's range (~24.8 days) is no deadline at all
    if (timeout !== undefined && timeout < 2 ** 31) call.deadline = setTimeout(onDeadline, timeout, call);
    this.receiving.add(call);
    this.sweep ??= setInterval(() => this.cutSlowCalls(), Math.min(5000, this.limits.bodyTimeoutMs)).unref();
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onClose);
  }

  /** @internal the request message broke the framing or the size limit */
  messageFailed(call: Call, e: unknown): void {
    if (!(e instanceof MessageError)) throw e;
    this.stopReceiving(call);
    this.answerError(call, e.code, e.message);
  }

  /** @internal END_STREAM: the request message is whole (or truncated) */
  messageComplete(call: Call): void {
    this.stopReceiving(call);
    let payload: Buffer;
    try {
      payload = this.payload(call);
    } catch (e) {
      return this.messageFailed(call, e);
    }
    this.export(call, payload).then(
      (r) => (r === undefined ? undefined : this.answerError(call, r.code, r.message, r.retryAfterMs, true)),
      (e: Error) => {
        this.ctx.logger.error({ err: e.message }, 'otlp grpc handler failed');
        this.answerError(call, 'internal', 'internal error', undefined, true);
      },
    );
  }

  /** @internal the stream closed: answered, cancelled by the client, or reset */
  callGone(call: Call): void {
    this.stopReceiving(call);
    if (call.deadline) clearTimeout(call.deadline);
    call.message.release();
    this.inFlight--;
    if (call.answered) return;
    // cancelled by the client (or reset) before an answer: what the pipeline then says is not written
    call.answered = true;
    this.count(call.signal, CANCELLED);
  }

  /** @internal grpc-timeout passed before the call was answered */
  deadlinePassed(call: Call): void {
    this.stopReceiving(call);
    this.answerError(call, 'deadline_exceeded', 'deadline exceeded');
  }

  /** @internal */
  debug(e: Error): void {
    this.ctx.logger.debug({ err: e.message }, 'otlp grpc stream error');
  }

  private stopReceiving(call: Call): void {
    if (!call.receiving) return;
    call.receiving = false;
    this.receiving.delete(call);
  }

  /**
   * The body timeout: a client that trickles (or stops sending) its message is cut. The sweep
   * stops itself once nothing is being received: stopped as soon as the set emptied, it was
   * an interval made and cleared per call whenever calls did not overlap (most of a half load).
   */
  private cutSlowCalls(): void {
    if (this.receiving.size === 0) {
      clearInterval(this.sweep);
      this.sweep = undefined;
      return;
    }
    const before = Date.now() - this.limits.bodyTimeoutMs;
    for (const call of this.receiving) {
      if (call.started > before) continue;
      this.stopReceiving(call);
      this.answerError(call, 'request_timeout', `request message not complete within ${this.limits.bodyTimeoutMs} ms`);
    }
  }

  private payload(call: Call): Buffer {
    const bytes = call.message.finish();
    if (!call.message.compressed) return bytes;
    if (!call.gzip) throw new MessageError('bad_request', 'compressed message without grpc-encoding');
    const limit = this.cfg.maxRecvMsgSize;
    try {
      return decompress('gzip', bytes, limit);
    } catch (e) {
      if (e instanceof DecompressedTooLarge || (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new MessageError('body_too_large', `decompressed request message exceeds max_recv_msg_size (${limit} bytes)`);
      }
      throw new MessageError('bad_request', `cannot decompress gzip message: ${(e as Error).message}`);
    }
  }

  /** Scans and hands the request to the pipeline; answers OK itself, returns a refusal to answer. */
  private async export(call: Call, payload: Buffer): Promise<{ code: RefusalCode; message: string; retryAfterMs?: number | undefined } | undefined> {
    const signal = call.signal;
    let items: number;
    try {
      items = scanRequest(signal, payload).items;
    } catch (e) {
      if (!(e instanceof ScanError)) throw e;
      return { code: 'bad_request', message: `malformed protobuf request: ${e.message}` };
    }
    if (items === 0) return void this.answerOk(call, EMPTY_RESPONSE);
    const r = await this.next.consume(signal, payload, items);
    switch (r.status) {
      case 'accepted':
        this.ctx.metrics.inc(ACCEPTED_BY_SIGNAL[signal], { receiver: this.ctx.id, transport: 'grpc' }, items);
        return void this.answerOk(call, EMPTY_RESPONSE);
      case 'dropped':
        this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { receiver: this.ctx.id, transport: 'grpc', reason: 'dropped' }, items);
        return void this.answerOk(call, frameMessage(successBody('proto', signal, items, r.reason)));
      case 'refused':
        this.countRefused(signal, r.code, items);
        return { code: r.code, message: refusalMessage(r.code, r.reason), retryAfterMs: r.retryAfterMs };
    }
  }

  private answerOk(call: Call, framed: Buffer): void {
    if (call.answered) return;
    call.answered = true;
    this.count(call.signal, 0);
    const stream = call.stream;
    if (stream.destroyed || stream.closed) return;
    try {
      stream.once('wantTrailers', onWantTrailers);
      stream.respond(OK_HEADERS, { waitForTrailers: true });
      stream.end(framed);
    } catch (e) {
      this.debug(e as Error);
    }
  }

  /**
   * A refusal as the catalogue says, trailers-only. Retryable ones carry RetryInfo: OTLP
   * clients retry RESOURCE_EXHAUSTED only with it, so the non-retryable (too large) go without.
   * Pipeline refusals were counted with their items already (`counted`); the others count none.
   */
  private answerError(call: Call, code: RefusalCode, message: string, retryAfterMs?: number, counted = false): void {
    if (!counted) this.countRefused(call.signal, code, 0);
    if (call.answered) return;
    call.answered = true;
    this.count(call.signal, REFUSALS[code].grpc);
    this.respondEarly(call.stream, trailersOnly(code, message, retryAfterMs));
  }

  /** A refusal decided from the headers alone, before any call state exists. */
  private refuseEarly(stream: ServerHttp2Stream, signal: Signal | undefined, code: RefusalCode, message: string, countAs: Signal | undefined = signal): void {
    if (countAs) this.count(countAs, REFUSALS[code].grpc);
    if (signal) this.countRefused(signal, code, 0);
    const headers = trailersOnly(code, message);
    if (code === 'unsupported_encoding') headers['grpc-accept-encoding'] = ACCEPT_ENCODING;
    this.respondEarly(stream, headers);
  }

  /**
   * Headers with END_STREAM, then RST_STREAM(NO_ERROR) if the client is still sending: it
   * stops sending a body nobody reads (RFC 9113 §8.1), and the stream's memory goes now.
   */
  private respondEarly(stream: ServerHttp2Stream, headers: OutgoingHttpHeaders): void {
    if (stream.destroyed || stream.closed) return;
    try {
      stream.respond(headers, { endStream: true });
      if (!stream.readableEnded) stream.close(h2.NGHTTP2_NO_ERROR);
    } catch (e) {
      this.debug(e as Error);
    }
  }

  private countRefused(signal: Signal, code: RefusalCode, items: number): void {
    this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { receiver: this.ctx.id, transport: 'grpc', reason: REFUSALS[code].reason }, items);
  }

  private count(signal: Signal, grpcStatus: number): void {
    this.ctx.metrics.inc('atc_receiver_requests_total', { receiver: this.ctx.id, transport: 'grpc', signal, status: statusName(grpcStatus) });
  }

  /** The shutdown deadline: end every call still open (slow or stalled clients). */
  forceClose(): void {
    for (const s of this.sessions) s.destroy();
  }

  /** Stops accepting, sends GOAWAY; in-flight calls finish (their data reaches the ring) within the shutdown deadline. */
  async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sessions) s.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.limits.shutdownMs)))]);
    clearTimeout(timer);
    this.forceClose();
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
  }
}

function trailersOnly(code: RefusalCode, message: string, retryAfterMs = 1000): OutgoingHttpHeaders {
  const e = REFUSALS[code];
  const headers: OutgoingHttpHeaders = { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(e.grpc), 'grpc-message': percentEncode(message) };
  if (e.retryable) headers['grpc-status-details-bin'] = binaryHeader(encodeRetryInfoStatus(e.grpc, message, Math.max(1, retryAfterMs)));
  return headers;
}
