// OTLP/gRPC: the three Export services registered with pass-through (identity) serializers,
// so a request arrives as the protobuf bytes it was sent in (grpc-js has already undone gzip
// and enforced max_recv_msg_size on the decompressed size). The bytes are scanned, never
// decoded into objects, and stored as received. Status codes follow the OTLP spec.
import { Server, ServerCredentials, Metadata, status as Status, type ServerUnaryCall, type sendUnaryData, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Consumer, CreateContext, Signal } from '../../src/component.js';
import { parseEndpoint } from '../../src/config/fields.js';
import { BearerAuth } from '../../src/auth/bearer.js';
import { loadTls } from '../../src/auth/tls.js';
import { encodeRetryInfoStatus } from '../../src/otlp/rpc-status.js';
import { scanRequest, ScanError } from '../../src/otlp/scanner.js';
import { ACCEPTED_BY_SIGNAL, REFUSED_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import type { OtlpGrpcConfig } from './config.js';
import { successBody } from './responses.js';
import { REFUSALS, refusalMessage, type RefusalCode } from '../../src/errors/refusals.js';

export const GRPC_SERVICES: Record<Signal, { service: string; path: string }> = {
  traces: { service: 'opentelemetry.proto.collector.trace.v1.TraceService', path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export' },
  logs: { service: 'opentelemetry.proto.collector.logs.v1.LogsService', path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export' },
  metrics: { service: 'opentelemetry.proto.collector.metrics.v1.MetricsService', path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export' },
};

const identity = (b: Buffer): Buffer => b;

function serviceDefinition(signal: Signal): ServiceDefinition {
  return {
    Export: {
      path: GRPC_SERVICES[signal].path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
      originalName: 'export',
    },
  } as ServiceDefinition;
}

interface GrpcError {
  code: Status;
  details: string;
  metadata?: Metadata;
}

export class OtlpGrpcServer {
  private server: Server | undefined;
  private closingServer: Server | undefined;
  private readonly auth: BearerAuth | undefined;
  boundPort = 0;

  constructor(
    private readonly cfg: OtlpGrpcConfig,
    private readonly next: Consumer,
    private readonly ctx: CreateContext,
  ) {
    this.auth = cfg.auth ? new BearerAuth(cfg.auth) : undefined;
  }

  async start(): Promise<number> {
    const server = new Server({
      'grpc.max_receive_message_length': this.cfg.maxRecvMsgSize,
      'grpc.max_send_message_length': 4 * 1024 * 1024,
      'grpc.max_concurrent_streams': this.cfg.maxConcurrentStreams,
    });
    for (const signal of ['traces', 'logs', 'metrics'] as const) {
      const impl: UntypedServiceImplementation = { Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => this.export(signal, call, cb) };
      server.addService(serviceDefinition(signal), impl);
    }
    let creds = ServerCredentials.createInsecure();
    if (this.cfg.tls) {
      const m = loadTls(this.cfg.tls);
      creds = ServerCredentials.createSsl(m.ca ?? null, [{ cert_chain: m.cert, private_key: m.key }], m.ca !== undefined);
    }
    const { host, port } = parseEndpoint(this.cfg.endpoint)!;
    const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, creds, (err, p) => (err ? reject(new Error(`cannot listen on ${address} for OTLP/gRPC: ${err.message}`)) : resolve(p)));
    });
    this.server = server;
    this.ctx.logger.info({ endpoint: `${host}:${this.boundPort}`, tls: this.cfg.tls ? (this.cfg.tls.clientCaFile ? 'mtls' : 'tls') : 'none', auth: this.auth?.describe() ?? 'none' }, 'OTLP/gRPC receiver listening');
    return this.boundPort;
  }

  private export(signal: Signal, call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>): void {
    this.handle(signal, call).then(
      (r) => {
        if (Buffer.isBuffer(r)) {
          this.count(signal, 'OK');
          cb(null, r);
        } else {
          this.count(signal, Status[r.code]);
          cb(r);
        }
      },
      (e: Error) => {
        this.ctx.logger.error({ err: e.message }, 'otlp grpc handler failed');
        this.count(signal, 'INTERNAL');
        cb({ code: Status.INTERNAL, details: 'internal error' });
      },
    );
  }

  private async handle(signal: Signal, call: ServerUnaryCall<Buffer, Buffer>): Promise<Buffer | GrpcError> {
    if (this.auth) {
      const v = call.metadata.get('authorization')[0];
      if (!this.auth.check(typeof v === 'string' ? v : v?.toString('utf8'))) return this.refuse(signal, 'unauthenticated', 'missing or invalid bearer token');
    }
    if (!this.next.signals.has(signal)) return this.refuse(undefined, 'signal_not_served', `no pipeline takes ${signal} from receiver ${this.ctx.id}`);
    const payload = call.request;
    let items: number;
    try {
      items = scanRequest(signal, payload).items;
    } catch (e) {
      if (!(e instanceof ScanError)) throw e;
      return this.refuse(signal, 'bad_request', `malformed protobuf request: ${e.message}`);
    }
    if (items === 0) return Buffer.alloc(0);
    const r = await this.next.consume(signal, payload, items);
    switch (r.status) {
      case 'accepted':
        this.ctx.metrics.inc(ACCEPTED_BY_SIGNAL[signal], { receiver: this.ctx.id, transport: 'grpc' }, items);
        return Buffer.alloc(0);
      case 'dropped':
        this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { receiver: this.ctx.id, transport: 'grpc', reason: 'dropped' }, items);
        return Buffer.from(successBody('proto', signal, items, r.reason));
      case 'refused':
        return this.refuse(signal, r.code, refusalMessage(r.code, r.reason), items, r.retryAfterMs);
    }
  }

  /**
   * A refusal as the catalogue says. Retryable ones carry RetryInfo: OTLP clients retry
   * RESOURCE_EXHAUSTED only with it, so the non-retryable (too large) go without.
   */
  private refuse(signal: Signal | undefined, code: RefusalCode, details: string, items = 0, retryAfterMs = 1000): GrpcError {
    const e = REFUSALS[code];
    if (signal) this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { receiver: this.ctx.id, transport: 'grpc', reason: e.reason }, items);
    if (!e.retryable) return { code: e.grpc, details };
    const md = new Metadata();
    md.set('grpc-status-details-bin', Buffer.from(encodeRetryInfoStatus(e.grpc, details, Math.max(1, retryAfterMs))));
    return { code: e.grpc, details, metadata: md };
  }

  private count(signal: Signal, status: string): void {
    this.ctx.metrics.inc('atc_receiver_requests_total', { receiver: this.ctx.id, transport: 'grpc', signal, status });
  }

  /** Stops accepting; in-flight calls finish (their data reaches the ring) within 10 s. */
  /** The shutdown deadline: end every call still open (slow or stalled clients). */
  forceClose(): void {
    this.closingServer?.forceShutdown();
  }

  async shutdown(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    this.closingServer = s;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 10_000);
      s.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
