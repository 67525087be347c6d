// ExportMetricsServiceRequest bytes → series in the store, read with the OTLP metric views (no
// decode into objects). Gauges → gauges; monotonic sums → counters (delta points accumulate);
// non-monotonic sums → gauges; explicit-bucket histograms → histograms; summaries →
// summaries. Exponential histograms are counted as unsupported.
import { anyValue, AttributeCursor } from '../../src/otlp/attributes-reader.js';
import { FLAG_NO_RECORDED_VALUE, TEMPORALITY_DELTA } from '../../src/otlp/metrics-builder.js';
import { NO } from '../../src/otlp/fields.js';
import { DataPointCursor, MetricView } from '../../src/otlp/metric-view.js';
import { RequestCursor } from '../../src/otlp/request-cursor.js';
import type { PrometheusExporterConfig } from './config.js';
import { familyName, labelName, type PromKind } from './names.js';
import type { LabelPairs, SeriesStore } from './store.js';

export interface MetricsTally {
  points: number;
  limited: number;
  unsupported: Map<string, number>;
}

const RESOURCE_ATTRIBUTES = NO.Resource.attributes;

export class OtlpMetricsConverter {
  private readonly resourceKeys: Set<string>;
  // readers reused for every request (one set per exporter)
  private readonly req = new RequestCursor();
  private readonly metric = new MetricView();
  private readonly point = new DataPointCursor();
  private readonly attrs = new AttributeCursor();

  constructor(
    private readonly cfg: PrometheusExporterConfig,
    private readonly store: SeriesStore,
  ) {
    this.resourceKeys = new Set(cfg.resourceAttributes);
  }

  add(buf: Uint8Array, nowMs: number): MetricsTally {
    const tally: MetricsTally = { points: 0, limited: 0, unsupported: new Map() };
    const c = this.req.begin(buf);
    const a = this.attrs;
    while (c.nextResource()) {
      const resLabels: LabelPairs = [];
      for (a.begin(buf, c.resourceStart, c.resourceEnd, RESOURCE_ATTRIBUTES); a.next();) {
        if (this.cfg.resourceToTelemetry || this.resourceKeys.has(a.key)) resLabels.push([labelName(a.key), valueText(buf, a.valueStart, a.valueEnd)]);
      }
      while (c.nextScope()) while (c.nextItem()) this.addMetric(this.metric.read(buf, c.itemStart, c.itemEnd), resLabels, nowMs, tally);
    }
    return tally;
  }

  private addMetric(m: MetricView, resLabels: LabelPairs, nowMs: number, tally: MetricsTally): void {
    if (m.type === '') return;
    const p = this.point.begin(m);
    if (m.type === 'exponential_histogram') {
      let n = 0;
      while (p.next()) n++;
      tally.unsupported.set('exponential_histogram', (tally.unsupported.get('exponential_histogram') ?? 0) + n);
      return;
    }
    const kind: PromKind = m.type === 'gauge' ? 'gauge' : m.type === 'sum' ? (m.monotonic ? 'counter' : 'gauge') : m.type === 'histogram' ? 'histogram' : 'summary';
    const fam = familyName(m.name, m.unit, kind, m.type === 'gauge', this.cfg.namespace, this.cfg.addMetricSuffixes);
    const unitWord = familyName('x', m.unit, 'gauge', false, '', true).slice(2);
    const delta = m.temporality === TEMPORALITY_DELTA;
    const a = this.attrs;
    while (p.next()) {
      const labels: LabelPairs = [...resLabels];
      for (p.attributes(a); a.next();) {
        const ln = labelName(a.key);
        const i = labels.findIndex(([k]) => k === ln);
        const v = valueText(a.buf, a.valueStart, a.valueEnd);
        if (i >= 0) labels[i] = [ln, v];
        else labels.push([ln, v]);
      }
      if (p.flags & FLAG_NO_RECORDED_VALUE) {
        this.store.remove(fam, labels);
        continue;
      }
      const s = this.store.upsert(fam, kind, m.description, unitWord, labels, nowMs);
      if (s === 'limited') {
        tally.limited++;
        continue;
      }
      if (s === 'conflict') {
        tally.unsupported.set('type_conflict', (tally.unsupported.get('type_conflict') ?? 0) + 1);
        continue;
      }
      tally.points++;
      const sum = Number.isFinite(p.sum) ? p.sum : 0;
      if (kind === 'counter' || kind === 'gauge') {
        if (delta && kind === 'counter') s.value += Number.isFinite(p.value) ? p.value : 0;
        else s.value = p.value;
      } else if (kind === 'histogram') {
        const bounds = p.explicitBounds.slice();
        const counts = p.bucketCounts.slice();
        while (counts.length < bounds.length + 1) counts.push(0);
        const same = s.bounds.length === bounds.length && s.bounds.every((b, i) => b === bounds[i]);
        if (delta && same) {
          for (let i = 0; i < counts.length; i++) s.counts[i] = (s.counts[i] ?? 0) + counts[i]!;
          s.count += p.count;
          s.sum += sum;
        } else {
          s.bounds = bounds;
          s.counts = counts;
          s.count = p.count;
          s.sum = sum;
        }
        // exemplars go to the bucket their value falls in (the newest wins)
        if (s.exemplars.length !== counts.length) s.exemplars = new Array<undefined>(counts.length).fill(undefined);
        for (const e of p.exemplars) {
          if (!Number.isFinite(e.value) || e.traceId === '') continue;
          let i = 0;
          while (i < bounds.length && e.value > bounds[i]!) i++;
          s.exemplars[i] = { traceId: e.traceId, spanId: e.spanId, value: e.value, timestamp: Math.round(e.timeNs / 1e6) / 1000 };
        }
      } else {
        const quantiles: [number, number][] = [];
        for (let i = 0; i < p.quantiles.length; i += 2) quantiles.push([p.quantiles[i]!, p.quantiles[i + 1]!]);
        s.quantiles = quantiles;
        s.count = p.count;
        s.sum = sum;
      }
    }
  }
}

/** An AnyValue as label text (strings as they are, numbers and bools printed, others empty). */
export function valueText(buf: Uint8Array, vs: number, ve: number): string {
  const v = anyValue(buf, vs, ve);
  return v === undefined ? '' : String(v);
}
