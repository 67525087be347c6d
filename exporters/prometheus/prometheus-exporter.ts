// Serves the pipeline's metrics for Prometheus to scrape: OTLP metrics (NVML GPU gauges,
// scraped metrics, application metrics, span RED metrics from the spanmetrics connector) on
// its own endpoint (default 127.0.0.1:8889, /metrics).
// Exporting never fails: a batch only updates the series in memory.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Batch, CreateContext, Exporter, ExportResult } from '../../src/component.js';
import { SUCCESS } from '../../src/component.js';
import { parseEndpoint } from '../../src/config/fields.js';
import { SENT_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import type { PrometheusExporterConfig } from './config.js';
import { OtlpMetricsConverter } from './otlp-metrics.js';
import { SeriesStore } from './store.js';

const TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export class PrometheusExporter implements Exporter {
  readonly store: SeriesStore;
  private readonly metricsConv: OtlpMetricsConverter;
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reportedLimited = 0;
  private reportedExpired = 0;

  constructor(
    readonly cfg: PrometheusExporterConfig,
    private readonly ctx: CreateContext,
    private readonly now: () => number = Date.now,
  ) {
    this.store = new SeriesStore(cfg.maxSeries, cfg.metricExpirationMs, Object.entries(cfg.constLabels));
    this.metricsConv = new OtlpMetricsConverter(cfg, this.store);
  }

  async start(): Promise<void> {
    const ep = parseEndpoint(this.cfg.endpoint)!;
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ep.port, ep.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.timer = setInterval(() => this.expire(), Math.min(this.cfg.metricExpirationMs, 30_000));
    this.timer.unref();
    this.ctx.health.setReady(this.ctx.id, true);
    this.ctx.logger.info({ endpoint: this.url() }, 'prometheus exporter serving');
  }

  address(): AddressInfo | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  /** http://host:port/metrics of the running endpoint */
  url(): string {
    const a = this.address();
    if (!a) return '';
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}/metrics`;
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  async export(batch: Batch): Promise<ExportResult> {
    const started = performance.now();
    const nowMs = this.now();
    const id = this.ctx.id;
    try {
      if (batch.signal === 'metrics') {
        const t = this.metricsConv.add(batch.data, nowMs);
        for (const [kind, n] of t.unsupported) this.ctx.metrics.inc('atc_exporter_prometheus_unsupported_points_total', { exporter: id, kind }, n);
      }
    } catch (e) {
      // malformed bytes cannot get better by retrying
      return { outcome: 'failure', error: e as Error };
    }
    this.report();
    const labels = { exporter: id, signal: batch.signal };
    this.ctx.metrics.inc('atc_exporter_sent_batches_total', labels);
    this.ctx.metrics.inc('atc_exporter_sent_bytes_total', labels, batch.data.length);
    this.ctx.metrics.inc(SENT_BY_SIGNAL[batch.signal], { exporter: id }, batch.items);
    this.ctx.metrics.observe('atc_exporter_send_latency_seconds', labels, (performance.now() - started) / 1000);
    return SUCCESS;
  }

  private expire(): void {
    this.store.expire(this.now());
    this.report();
  }

  private report(): void {
    const id = this.ctx.id;
    if (this.store.limited > this.reportedLimited) {
      this.ctx.metrics.inc('atc_exporter_prometheus_series_limited_total', { exporter: id }, this.store.limited - this.reportedLimited);
      if (this.reportedLimited === 0) this.ctx.logger.warn({ max_series: this.cfg.maxSeries }, 'prometheus exporter reached max_series: new series are left out (counted in atc_exporter_prometheus_series_limited_total)');
      this.reportedLimited = this.store.limited;
    }
    if (this.store.expired > this.reportedExpired) {
      this.ctx.metrics.inc('atc_exporter_prometheus_series_expired_total', { exporter: id }, this.store.expired - this.reportedExpired);
      this.reportedExpired = this.store.expired;
    }
    this.ctx.metrics.set('atc_exporter_prometheus_series', { exporter: id }, this.store.size);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics' && path !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    this.expire();
    const om = /application\/openmetrics-text/.test(req.headers.accept ?? '');
    const body = this.store.render(om);
    this.ctx.metrics.inc('atc_exporter_prometheus_scrapes_total', { exporter: this.ctx.id, format: om ? 'openmetrics' : 'text' });
    res.writeHead(200, { 'content-type': om ? OPENMETRICS_TYPE : TEXT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
