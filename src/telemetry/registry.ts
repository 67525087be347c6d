// Main-thread metrics: every declared metric registered with prom-client, behind MetricsSink.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { METRICS, type CounterName, type GaugeName, type HistogramName, type MetricName } from './metrics.js';
import type { Labels, MetricsSink } from './sink.js';

export class PromMetrics implements MetricsSink {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();

  constructor(opts: { processMetrics?: boolean } = {}) {
    for (const [name, def] of Object.entries(METRICS) as [MetricName, (typeof METRICS)[MetricName]][]) {
      const base = { name, help: def.help, labelNames: [...def.labels], registers: [this.registry] };
      if (def.type === 'counter') this.counters.set(name, new Counter(base));
      else if (def.type === 'gauge') this.gauges.set(name, new Gauge(base));
      else this.histograms.set(name, new Histogram({ ...base, buckets: [...('buckets' in def ? def.buckets : [])] }));
    }
    // prom-client samples event-loop delay with a libuv timer at this resolution; its default
    // (10 ms) alone woke an idle collector 100 times a second. 500 ms still catches stalls.
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'atc_', eventLoopMonitoringPrecision: 500 });
  }

  inc(name: CounterName, labels: Labels, value = 1): void {
    this.counters.get(name)!.inc(labels, value);
  }

  set(name: GaugeName, labels: Labels, value: number): void {
    this.gauges.get(name)!.set(labels, value);
  }

  observe(name: HistogramName, labels: Labels, value: number): void {
    this.histograms.get(name)!.observe(labels, value);
  }

  /** Current value of one counter or gauge series (tests and the shutdown summary use it). */
  async value(name: MetricName, labels: Labels = {}): Promise<number> {
    const m = this.registry.getSingleMetric(name);
    if (!m) return 0;
    const data = await m.get();
    let sum = 0;
    for (const v of data.values) {
      const series = (v as { metricName?: string }).metricName;
      if (series !== undefined && series !== name) continue; // histogram buckets, sums, counts
      if (Object.entries(labels).every(([k, lv]) => v.labels[k] === lv)) sum += v.value;
    }
    return sum;
  }
}
