// The spanmetrics connector: an exporter of traces pipelines, a receiver of metrics pipelines.
// Spans update cumulative series; every metrics_flush_interval (and at shutdown) the series
// go out as OTLP metrics, for the Prometheus exporter or any other metrics exporter.
import type { Batch, Connector, CreateContext, Signal } from '../../src/component.js';
import { SpanMetricsAggregator } from './aggregator.js';
import type { SpanMetricsConfig } from './config.js';

type Emit = (batch: Batch) => Promise<void>;

export class SpanMetricsConnector implements Connector {
  private readonly agg: SpanMetricsAggregator;
  private readonly outputs: Emit[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly cfg: SpanMetricsConfig,
    private readonly ctx: CreateContext,
    private readonly now: () => number = Date.now,
  ) {
    this.agg = new SpanMetricsAggregator(cfg, now());
  }

  connect(signal: Signal, emit: Emit): void {
    if (signal === 'metrics') this.outputs.push(emit);
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.flush(), this.cfg.metricsFlushIntervalMs);
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  async consume(batch: Batch): Promise<void> {
    // the metrics derived from spans are not the spans: their acknowledgements end here
    batch.acks?.complete('delivered');
    if (batch.signal !== 'traces') return;
    const r = this.agg.add(batch.data);
    const id = this.ctx.id;
    if (r.spans > 0) this.ctx.metrics.inc('atc_connector_spanmetrics_spans_total', { connector: id }, r.spans);
    if (r.limited > 0) this.ctx.metrics.inc('atc_connector_spanmetrics_series_limited_total', { connector: id }, r.limited);
  }

  /** Emits the series now (tests; the timer does it every metrics_flush_interval). */
  flush(): void {
    const out = this.agg.collect(this.now());
    if (!out) return;
    this.ctx.metrics.set('atc_connector_spanmetrics_series', { connector: this.ctx.id }, this.agg.size);
    const batch: Batch = { signal: 'metrics', data: out.data, items: out.items, createdAt: this.now() };
    const p = Promise.all(this.outputs.map((emit) => emit(batch)))
      .then(() => undefined)
      .catch((e: Error) => this.ctx.logger.error({ err: e.message }, 'span metrics output failed'))
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }
}
