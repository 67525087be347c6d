// The OTLP receiver: one instance serves every signal over HTTP and/or gRPC. OTLP/HTTP can
// also be served by worker threads beside the main thread (protocols.http.worker_threads).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Consumer, CreateContext, Receiver } from '../../src/component.js';
import { parseEndpoint } from '../../src/config/fields.js';
import type { OtlpReceiverConfig } from './config.js';
import { OtlpGrpcServer } from './grpc-server.js';
import { OtlpHttpHandler } from './http-handler.js';
import { OtlpHttpServer, type RequestHandler } from './http-server.js';
import { threadLabel } from './http-worker-messages.js';
import { HttpWorkerPool } from './http-worker-pool.js';

export class OtlpReceiver implements Receiver {
  private http: OtlpHttpServer | undefined;
  private pool: HttpWorkerPool | undefined;
  private grpc: OtlpGrpcServer | undefined;
  private grpcPort = 0;
  private grpcForce: (() => void) | undefined;

  constructor(
    private readonly cfg: OtlpReceiverConfig,
    private readonly next: Consumer,
    private readonly ctx: CreateContext,
  ) {}

  /** Bound HTTP address (port 0 in the config picks a free one). */
  httpAddress(): AddressInfo | undefined {
    return this.http?.address();
  }

  /** Bound gRPC port (port 0 in the config picks a free one); undefined when not serving gRPC. */
  grpcAddress(): { address: string; port: number } | undefined {
    if (!this.grpc || !this.cfg.grpc) return undefined;
    return { address: parseEndpoint(this.cfg.grpc.endpoint)!.host, port: this.grpcPort };
  }

  async start(): Promise<void> {
    if (!this.cfg.http && !this.cfg.grpc) return;
    this.ctx.health.setReady(this.ctx.id, false, 'starting');
    if (this.cfg.grpc) {
      const g = new OtlpGrpcServer(this.cfg.grpc, this.next, this.ctx);
      this.grpcPort = await g.start();
      this.grpc = g;
    }
    if (this.cfg.http) await this.startHttp();
    this.ctx.health.setReady(this.ctx.id, true);
  }

  private async startHttp(): Promise<void> {
    const cfg = this.cfg.http!;
    const threads = cfg.workerThreads;
    // checked before the port is taken: a pipeline the workers cannot write for fails the start
    const spec = threads > 0 ? this.next.share?.() ?? 'its pipeline cannot be shared with worker threads' : undefined;
    if (typeof spec === 'string') throw new Error(`receivers.${this.ctx.id}.protocols.http.worker_threads: ${spec}`);
    const handler = new OtlpHttpHandler(cfg, this.next, this.ctx);
    let handle: RequestHandler = handler.handle;
    if (threads > 0) {
      // which thread served a request: the kernel spreads connections, this shows how evenly
      const labels = { receiver: this.ctx.id, thread: threadLabel(0) };
      handle = (req: IncomingMessage, res: ServerResponse) => {
        this.ctx.metrics.inc('atc_receiver_http_thread_requests_total', labels);
        handler.handle(req, res);
      };
    }
    const server = new OtlpHttpServer(cfg, handle, this.ctx.logger);
    const { host, port } = parseEndpoint(cfg.endpoint)!;
    const a = await server.listen(host, port, threads > 0);
    this.http = server;
    if (spec) {
      // the workers bind the port the main thread got (a configured port 0 is resolved now)
      this.pool = new HttpWorkerPool({ id: this.ctx.id, cfg, host, port: a.port, consumer: spec, logLevel: this.ctx.logger.level }, threads, this.ctx.metrics, this.ctx.logger, this.ctx.health);
      await this.pool.start();
    }
    this.ctx.logger.info({ endpoint: `${a.address}:${a.port}`, tls: cfg.tls ? (cfg.tls.clientCaFile ? 'mtls' : 'tls') : 'none', auth: cfg.auth ? 'bearer' : 'none', workerThreads: threads }, 'OTLP/HTTP receiver listening');
  }

  /** Stops accepting on every thread, lets in-flight requests finish (their data reaches the ring), then closes. */
  async shutdown(): Promise<void> {
    const g = this.grpc;
    this.grpcForce = () => g?.forceClose();
    this.grpc = undefined;
    await Promise.all([g?.shutdown(), this.http?.shutdown(), this.pool?.shutdown()]);
  }

  /**
   * The shutdown deadline: slow clients are cut on every thread (OtlpHttpServer.forceClose);
   * a request whose body is complete is in the pipeline: it finishes.
   */
  forceClose(): void {
    this.grpcForce?.();
    this.http?.forceClose();
    this.pool?.forceClose();
  }
}
