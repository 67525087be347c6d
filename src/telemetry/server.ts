// Own-telemetry endpoint: /metrics (Prometheus text), /healthz (liveness) and /readyz
// (readiness) as src/telemetry/probes.ts defines them, and the status page: / (HTML) with its data on /status (JSON),
// /status/logs,
// /status/traces and /status/traces/<trace id>.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { BearerAuth } from '../auth/bearer.js';
import type { AuthConfig, TlsConfig } from '../auth/config.js';
import { serverTlsOptions } from '../auth/tls.js';
import type { AddressInfo } from 'node:net';
import { parseEndpoint } from '../config/fields.js';
import type { ComponentHealth } from './health.js';
import type { ProbeResult } from './probes.js';
import type { PromMetrics } from './registry.js';
import type { RecentFusedTraces } from './recent-fused-traces.js';
import type { RecentLogs } from './recent-logs.js';
import { STATUS_PAGE_HTML, STATUS_PAGE_HEADERS } from './status-page/page.js';

export interface Probes {
  readiness(): ProbeResult;
  liveness(): ProbeResult;
  /** every component's health by `kind/id`, shown with /readyz */
  components(): Record<string, ComponentHealth>;
  shuttingDown(): boolean;
}

export interface StatusSources {
  logs: RecentLogs;
  fusedTraces: RecentFusedTraces;
  /** the JSON /status document (service state, readiness, components, pipelines) */
  document: () => unknown;
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
};

export class TelemetryServer {
  private server: Server | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly metrics: PromMetrics,
    private readonly probes: Probes,
    private readonly security: { tls?: TlsConfig | undefined; auth?: AuthConfig | undefined } = {},
    private readonly status?: StatusSources,
  ) {}

  async start(): Promise<AddressInfo> {
    const { host, port } = parseEndpoint(this.endpoint)!;
    // Built before listening so that a bad certificate or token source fails the start clearly.
    const auth = this.security.auth ? new BearerAuth(this.security.auth) : undefined;
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      const url = (req.url ?? '/').split('?')[0];
      // Probes stay open (kubelet sends no token); the metrics and the status page's data need
      // the token when one is set. The page itself holds no data: it asks for the token.
      const guarded = url === '/metrics' || url === '/status' || url.startsWith('/status/');
      if (guarded && auth && !auth.check(req.headers.authorization)) {
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
        const live = this.probes.liveness();
        json(res, live.ok ? 200 : 503, { status: live.ok ? 'ok' : 'unhealthy', reason: live.reason });
      } else if (url === '/readyz') {
        const ready = this.probes.readiness();
        json(res, ready.ok ? 200 : 503, { status: ready.ok ? 'ready' : 'not ready', reason: ready.reason, shuttingDown: this.probes.shuttingDown(), components: this.probes.components() });
      } else if (url === '/' && this.status) {
        res.writeHead(200, STATUS_PAGE_HEADERS).end(STATUS_PAGE_HTML);
      } else if (url === '/status' && this.status) {
        json(res, 200, this.status.document());
      } else if (url === '/status/logs' && this.status) {
        json(res, 200, this.status.logs.snapshot());
      } else if (url === '/status/traces' && this.status) {
        json(res, 200, { traces: this.status.fusedTraces.list() });
      } else if (url.startsWith('/status/traces/') && this.status) {
        const doc = this.status.fusedTraces.get(url.slice('/status/traces/'.length).toLowerCase());
        if (doc) json(res, 200, doc);
        else json(res, 404, { error: 'not among the recent fused traces' });
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
