// The OTLP receiver: one instance serves every signal over HTTP.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Consumer, CreateContext, Receiver } from '../../src/component.js';
import { parseEndpoint } from '../../src/config/fields.js';
import type { OtlpReceiverConfig } from './config.js';
import { OtlpHttpHandler } from './http-handler.js';

export class OtlpReceiver implements Receiver {
  private http: Server | undefined;

  constructor(
    private readonly cfg: OtlpReceiverConfig,
    private readonly next: Consumer,
    private readonly ctx: CreateContext,
  ) {}

  /** Bound HTTP address (port 0 in the config picks a free one). */
  httpAddress(): AddressInfo | undefined {
    return this.http?.address() as AddressInfo | undefined;
  }

  async start(): Promise<void> {
    if (!this.cfg.http) return;
    this.ctx.health.setReady(this.ctx.id, false, 'starting');
    const handler = new OtlpHttpHandler(this.cfg.http, this.next, this.ctx);
    const server = createServer({ requestTimeout: 60_000, headersTimeout: 20_000, keepAliveTimeout: 30_000 }, handler.handle);
    const { host, port } = parseEndpoint(this.cfg.http.endpoint)!;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.ctx.logger.error({ err: e.message }, 'otlp http server error'));
    this.http = server;
    const a = server.address() as AddressInfo;
    this.ctx.logger.info({ endpoint: `${a.address}:${a.port}` }, 'OTLP/HTTP receiver listening');
    this.ctx.health.setReady(this.ctx.id, true);
  }

  /** Stops accepting, lets in-flight requests finish (their data reaches the ring), then closes. */
  async shutdown(): Promise<void> {
    const s = this.http;
    if (!s) return;
    this.http = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
    });
  }
}
