// One OTLP/HTTP listening socket and its connections, on whichever thread serves it: the main
// thread, or a receiver worker thread beside it on the same port (reusePort).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { serverTlsOptions } from '../../src/auth/tls.js';
import type { OtlpHttpConfig } from './config.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export class OtlpHttpServer {
  private server: Server | undefined;
  /** open connections, and the request each one is serving (for cutting slow clients) */
  private readonly sockets = new Map<Socket, { req: IncomingMessage; res: ServerResponse } | undefined>();
  private closing = false;

  constructor(
    private readonly cfg: OtlpHttpConfig,
    private readonly handler: RequestHandler,
    private readonly logger: Logger,
  ) {}

  address(): AddressInfo | undefined {
    return this.server?.address() as AddressInfo | undefined;
  }

  /** Listens on host:port; with `reusePort` other threads may listen on the same port. */
  async listen(host: string, port: number, reusePort: boolean): Promise<AddressInfo> {
    const cfg = this.cfg;
    const opts = { requestTimeout: 60_000, headersTimeout: 20_000, keepAliveTimeout: 30_000 };
    const handle = (req: IncomingMessage, res: ServerResponse): void => {
      // the request the connection serves now (forceClose reads whether it finished: no
      // per-request listener for that)
      this.sockets.set(req.socket, { req, res });
      // once shutdown began, no connection is kept alive for a next request
      if (this.closing) res.setHeader('connection', 'close');
      this.handler(req, res);
    };
    const server: Server = cfg.tls ? createHttpsServer({ ...opts, ...serverTlsOptions(cfg.tls) }, handle) : createServer(opts, handle);
    // Node stops enforcing headersTimeout/requestTimeout once close() is called: the shutdown
    // deadline cuts such connections itself (forceClose)
    server.on(cfg.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.sockets.set(socket, undefined);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // reusePort is new in Node 22.12: @types/node for Node 20 does not know it
      server.listen({ port, host, ...(reusePort ? { reusePort: true } : {}) } as Parameters<Server['listen']>[0], () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.logger.error({ err: e.message }, 'otlp http server error'));
    // failed TLS handshakes (wrong CA, plain HTTP to a TLS port) are the client's problem
    server.on('tlsClientError', (e: Error) => this.logger.debug({ err: e.message }, 'otlp https handshake failed'));
    const address = server.address() as AddressInfo;
    // shutdown() came while the port was being bound: serve nothing
    if (this.closing) server.close();
    else this.server = server;
    return address;
  }

  /** Stops accepting, lets in-flight requests finish (their data reaches the ring), then closes. */
  shutdown(): Promise<void> {
    this.closing = true;
    const s = this.server;
    this.server = undefined;
    if (!s) return Promise.resolve();
    return new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
    });
  }

  /**
   * The shutdown deadline: a connection that has not sent a whole request by now is a slow
   * client. One with no request yet gets a bare 408; one whose body is incomplete gets 408
   * too; both are closed. A request whose body is complete is in the pipeline: it finishes.
   */
  forceClose(): void {
    for (const [socket, last] of this.sockets) {
      // a connection whose last response went out is idle, as one that never sent a request
      const current = last !== undefined && !last.res.writableFinished ? last : undefined;
      if (current?.req.complete) continue;
      if (!current) socket.end('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else if (!current.res.headersSent) current.res.writeHead(408, { connection: 'close', 'content-length': 0 }).end();
      setTimeout(() => socket.destroy(), 200).unref();
    }
  }
}
