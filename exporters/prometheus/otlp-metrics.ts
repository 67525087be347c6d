// ExportMetricsServiceRequest bytes → series in the store, read with the wire scanner (no
// decode into objects). Gauges → gauges; monotonic sums → counters (delta points accumulate);
// non-monotonic sums → gauges; explicit-bucket histograms → histograms; summaries →
// summaries. Exponential histograms are counted as unsupported.
import { anyValue, forEachAttribute } from '../../src/otlp/attributes.js';
import { decodeUtf8, Reader } from '../../src/otlp/wire.js';
import type { PrometheusExporterConfig } from './config.js';
import { familyName, labelName, type PromKind } from './names.js';
import type { LabelPairs, SeriesStore } from './store.js';

export interface MetricsTally {
  points: number;
  limited: number;
  unsupported: Map<string, number>;
}

const FLAG_NO_RECORDED_VALUE = 1;
const TEMPORALITY_DELTA = 1;

export class OtlpMetricsConverter {
  private readonly resourceKeys: Set<string>;

  constructor(
    private readonly cfg: PrometheusExporterConfig,
    private readonly store: SeriesStore,
  ) {
    this.resourceKeys = new Set(cfg.resourceAttributes);
  }

  add(buf: Uint8Array, nowMs: number): MetricsTally {
    const tally: MetricsTally = { points: 0, limited: 0, unsupported: new Map() };
    const top = new Reader(buf);
    while (top.more()) {
      top.tag();
      if (top.field !== 1 || top.wt !== 2) {
        top.skip();
        continue;
      }
      top.lenBounds();
      const rm = new Reader(buf, top.start, top.stop);
      const resLabels: LabelPairs = [];
      const scopes: [number, number][] = [];
      while (rm.more()) {
        rm.tag();
        if (rm.field === 1 && rm.wt === 2) {
          rm.lenBounds();
          forEachAttribute(buf, rm.start, rm.stop, 1, (key, vs, ve) => {
            if (this.cfg.resourceToTelemetry || this.resourceKeys.has(key)) resLabels.push([labelName(key), valueText(buf, vs, ve)]);
          });
        } else if (rm.field === 2 && rm.wt === 2) {
          rm.lenBounds();
          scopes.push([rm.start, rm.stop]);
        } else rm.skip();
      }
      for (const [ss, se] of scopes) {
        const sm = new Reader(buf, ss, se);
        while (sm.more()) {
          sm.tag();
          if (sm.field === 2 && sm.wt === 2) {
            sm.lenBounds();
            const after = sm.pos;
            this.metric(buf, sm.start, sm.stop, resLabels, nowMs, tally);
            sm.pos = after;
          } else sm.skip();
        }
      }
    }
    return tally;
  }

  private metric(buf: Uint8Array, start: number, end: number, resLabels: LabelPairs, nowMs: number, tally: MetricsTally): void {
    let name = '';
    let help = '';
    let unit = '';
    let dataField = 0;
    let ds = 0;
    let de = 0;
    const r = new Reader(buf, start, end);
    while (r.more()) {
      r.tag();
      if (r.wt !== 2) {
        r.skip();
        continue;
      }
      r.lenBounds();
      if (r.field === 1) name = decodeUtf8(buf, r.start, r.stop);
      else if (r.field === 2) help = decodeUtf8(buf, r.start, r.stop);
      else if (r.field === 3) unit = decodeUtf8(buf, r.start, r.stop);
      else if (r.field === 5 || r.field === 7 || r.field === 9 || r.field === 10 || r.field === 11) {
        dataField = r.field;
        ds = r.start;
        de = r.stop;
      }
    }
    if (dataField === 0) return;
    if (dataField === 10) {
      let n = 0;
      const d = new Reader(buf, ds, de);
      while (d.more()) {
        d.tag();
        if (d.field === 1) n++;
        d.skip();
      }
      tally.unsupported.set('exponential_histogram', (tally.unsupported.get('exponential_histogram') ?? 0) + n);
      return;
    }
    // data message header: temporality, monotonic
    let temporality = 0;
    let monotonic = false;
    const points: [number, number][] = [];
    const d = new Reader(buf, ds, de);
    while (d.more()) {
      d.tag();
      if (d.field === 1 && d.wt === 2) {
        d.lenBounds();
        points.push([d.start, d.stop]);
      } else if (d.field === 2 && d.wt === 0) temporality = d.varint();
      else if (d.field === 3 && d.wt === 0) monotonic = d.varint() !== 0;
      else d.skip();
    }
    const kind: PromKind = dataField === 5 ? 'gauge' : dataField === 7 ? (monotonic ? 'counter' : 'gauge') : dataField === 9 ? 'histogram' : 'summary';
    const fam = familyName(name, unit, kind, dataField === 5, this.cfg.namespace, this.cfg.addMetricSuffixes);
    const unitWord = familyName('x', unit, 'gauge', false, '', true).slice(2);
    const delta = temporality === TEMPORALITY_DELTA;
    for (const [ps, pe] of points) {
      const attrField = kind === 'histogram' ? 9 : 7;
      const labels: LabelPairs = [...resLabels];
      forEachAttribute(buf, ps, pe, attrField, (key, vs, ve) => {
        const ln = labelName(key);
        const i = labels.findIndex(([k]) => k === ln);
        const v = valueText(buf, vs, ve);
        if (i >= 0) labels[i] = [ln, v];
        else labels.push([ln, v]);
      });
      const p = new Reader(buf, ps, pe);
      let value = NaN;
      let flags = 0;
      let count = 0;
      let sum = NaN;
      const counts: number[] = [];
      const bounds: number[] = [];
      const quantiles: [number, number][] = [];
      while (p.more()) {
        p.tag();
        const f = p.field;
        if (kind === 'histogram') {
          if (f === 4 && p.wt === 1) count = p.fixed64();
          else if (f === 5 && p.wt === 1) sum = p.double();
          else if (f === 6) readRepeated(p, counts, 'fixed64');
          else if (f === 7) readRepeated(p, bounds, 'double');
          else if (f === 10 && p.wt === 0) flags = p.varint();
          else p.skip();
        } else if (kind === 'summary') {
          if (f === 4 && p.wt === 1) count = p.fixed64();
          else if (f === 5 && p.wt === 1) sum = p.double();
          else if (f === 6 && p.wt === 2) {
            p.lenBounds();
            const q = new Reader(buf, p.start, p.stop);
            let qq = 0;
            let qv = 0;
            while (q.more()) {
              q.tag();
              if (q.field === 1 && q.wt === 1) qq = q.double();
              else if (q.field === 2 && q.wt === 1) qv = q.double();
              else q.skip();
            }
            quantiles.push([qq, qv]);
          } else if (f === 8 && p.wt === 0) flags = p.varint();
          else p.skip();
        } else {
          if (f === 4 && p.wt === 1) value = p.double();
          else if (f === 6 && p.wt === 1) value = Number(BigInt.asIntN(64, p.fixed64Big()));
          else if (f === 8 && p.wt === 0) flags = p.varint();
          else p.skip();
        }
      }
      if (flags & FLAG_NO_RECORDED_VALUE) {
        this.store.remove(fam, labels);
        continue;
      }
      const s = this.store.upsert(fam, kind, help, unitWord, labels, nowMs);
      if (s === 'limited') {
        tally.limited++;
        continue;
      }
      if (s === 'conflict') {
        tally.unsupported.set('type_conflict', (tally.unsupported.get('type_conflict') ?? 0) + 1);
        continue;
      }
      tally.points++;
      if (kind === 'counter' || kind === 'gauge') {
        if (delta && kind === 'counter') s.value += Number.isFinite(value) ? value : 0;
        else s.value = value;
      } else if (kind === 'histogram') {
        while (counts.length < bounds.length + 1) counts.push(0);
        const same = s.bounds.length === bounds.length && s.bounds.every((b, i) => b === bounds[i]);
        if (delta && same) {
          for (let i = 0; i < counts.length; i++) s.counts[i] = (s.counts[i] ?? 0) + counts[i]!;
          s.count += count;
          s.sum += Number.isFinite(sum) ? sum : 0;
        } else {
          s.bounds = bounds;
          s.counts = counts;
          s.count = count;
          s.sum = Number.isFinite(sum) ? sum : 0;
        }
      } else {
        s.quantiles = quantiles;
        s.count = count;
        s.sum = Number.isFinite(sum) ? sum : 0;
      }
    }
  }
}

function readRepeated(p: Reader, out: number[], kind: 'fixed64' | 'double'): void {
  if (p.wt === 2) {
    p.lenBounds();
    const end = p.pos;
    p.pos = p.start;
    while (p.pos < p.stop) out.push(kind === 'fixed64' ? p.fixed64() : p.double());
    p.pos = end;
  } else out.push(kind === 'fixed64' ? p.fixed64() : p.double());
}

/** An AnyValue as label text (strings as they are, numbers and bools printed, others empty). */
export function valueText(buf: Uint8Array, vs: number, ve: number): string {
  const v = anyValue(buf, vs, ve);
  return v === undefined ? '' : String(v);
}
