// The OTLP receiver: one instance serves every signal over HTTP and/or gRPC.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
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
  /** open connections, and the request each one is serving (for cutting slow clients) */
  private readonly sockets = new Map<Socket, { req: IncomingMessage; res: ServerResponse } | undefined>();
  private closing = false;
  private grpcForce: (() => void) | undefined;

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
    const handle = (req: IncomingMessage, res: ServerResponse): void => {
      this.sockets.set(req.socket, { req, res });
      res.once('finish', () => this.sockets.has(req.socket) && this.sockets.set(req.socket, undefined));
      // once shutdown began, no connection is kept alive for a next request
      if (this.closing) res.setHeader('connection', 'close');
      handler.handle(req, res);
    };
    const server: Server = cfg.tls ? createHttpsServer({ ...opts, ...serverTlsOptions(cfg.tls) }, handle) : createServer(opts, handle);
    // Node stops enforcing headersTimeout/requestTimeout once close() is called: the shutdown
    // deadline cuts such connections itself (forceClose)
    server.on(cfg.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.sockets.set(socket, undefined);
      socket.once('close', () => this.sockets.delete(socket));
    });
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
    this.closing = true;
    const g = this.grpc;
    this.grpcForce = () => g?.forceClose();
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

  /**
   * The shutdown deadline: a connection that has not sent a whole request by now is a slow
   * client. One with no request yet gets a bare 408; one whose body is incomplete gets 408
   * too; both are closed. A request whose body is complete is in the pipeline: it finishes.
   */
  forceClose(): void {
    this.grpcForce?.();
    for (const [socket, current] of this.sockets) {
      if (current?.req.complete) continue;
      if (!current) socket.end('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else if (!current.res.headersSent) current.res.writeHead(408, { connection: 'close', 'content-length': 0 }).end();
      setTimeout(() => socket.destroy(), 200).unref();
    }
  }
}
