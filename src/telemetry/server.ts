// Own-telemetry endpoint: /metrics (Prometheus text), /healthz (process alive),
// /readyz (every component ready).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { BearerAuth } from '../auth/bearer.js';
import type { AuthConfig, TlsConfig } from '../auth/config.js';
import { serverTlsOptions } from '../auth/tls.js';
import type { AddressInfo } from 'node:net';
import { parseEndpoint } from '../config/fields.js';
import type { HealthRegistry } from './health.js';
import type { PromMetrics } from './registry.js';

export class TelemetryServer {
  private server: Server | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly metrics: PromMetrics,
    private readonly health: HealthRegistry,
    private readonly isShuttingDown: () => boolean,
    private readonly security: { tls?: TlsConfig | undefined; auth?: AuthConfig | undefined } = {},
  ) {}

  async start(): Promise<AddressInfo> {
    const { host, port } = parseEndpoint(this.endpoint)!;
    // Built before listening so that a bad certificate or token source fails the start clearly.
    const auth = this.security.auth ? new BearerAuth(this.security.auth) : undefined;
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      const url = (req.url ?? '/').split('?')[0];
      // Probes stay open (kubelet sends no token); the metrics need the token when one is set.
      if (url === '/metrics' && auth && !auth.check(req.headers.authorization)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET' }).end();
        return;
      }
      if (url === '/metrics') {
        this.metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
          (err: Error) => res.writeHead(500).end(err.message),
        );
      } else if (url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (url === '/readyz') {
        const ready = this.health.isReady() && !this.isShuttingDown();
        const body = JSON.stringify({ status: ready ? 'ready' : 'not ready', shuttingDown: this.isShuttingDown(), components: this.health.report() });
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(body);
      } else {
        res.writeHead(404).end();
      }
    };
    const server = this.security.tls ? createHttpsServer(serverTlsOptions(this.security.tls), handler) : createServer(handler);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return server.address() as AddressInfo;
  }

  async shutdown(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}
