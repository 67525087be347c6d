// The OTLP receiver: one instance serves every signal over HTTP and/or gRPC.
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Consumer, CreateContext, Receiver } from '../../src/component.js';
import { parseEndpoint } from '../../src/config/fields.js';
import { serverTlsOptions } from '../../src/auth/tls.js';
import type { OtlpReceiverConfig } from './config.js';
import { OtlpGrpcServer } from './grpc-server.js';
import { OtlpHttpHandler } from './http-handler.js';

export class OtlpReceiver implements Receiver {
  private http: Server | undefined;
  private grpc: OtlpGrpcServer | undefined;
  private grpcPort = 0;

  constructor(
    private readonly cfg: OtlpReceiverConfig,
    private readonly next: Consumer,
    private readonly ctx: CreateContext,
  ) {}

  /** Bound HTTP address (port 0 in the config picks a free one). */
  httpAddress(): AddressInfo | undefined {
    return this.http?.address() as AddressInfo | undefined;
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
    const handler = new OtlpHttpHandler(cfg, this.next, this.ctx);
    const opts = { requestTimeout: 60_000, headersTimeout: 20_000, keepAliveTimeout: 30_000 };
    const server: Server = cfg.tls ? createHttpsServer({ ...opts, ...serverTlsOptions(cfg.tls) }, handler.handle) : createServer(opts, handler.handle);
    const { host, port } = parseEndpoint(cfg.endpoint)!;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.ctx.logger.error({ err: e.message }, 'otlp http server error'));
    // failed TLS handshakes (wrong CA, plain HTTP to a TLS port) are the client's problem
    server.on('tlsClientError', (e: Error) => this.ctx.logger.debug({ err: e.message }, 'otlp https handshake failed'));
    this.http = server;
    const a = server.address() as AddressInfo;
    this.ctx.logger.info({ endpoint: `${a.address}:${a.port}`, tls: cfg.tls ? (cfg.tls.clientCaFile ? 'mtls' : 'tls') : 'none', auth: cfg.auth ? 'bearer' : 'none' }, 'OTLP/HTTP receiver listening');
  }

  /** Stops accepting, lets in-flight requests finish (their data reaches the ring), then closes. */
  async shutdown(): Promise<void> {
    const g = this.grpc;
    this.grpc = undefined;
    const s = this.http;
    this.http = undefined;
    await Promise.all([
      g?.shutdown(),
      s &&
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
        }),
    ]);
  }
}
