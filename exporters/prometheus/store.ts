// The series the exporter serves: families of counters, gauges, histograms and summaries,
// each series stamped when last updated so that stale ones expire, with a bound on the total
// number of series. Rendered in the Prometheus text format (0.0.4) or OpenMetrics 1.0.0.
import { escapeHelp, escapeLabelValue, formatValue, type PromKind } from './names.js';

export type LabelPairs = [string, string][];

export interface Exemplar {
  traceId: string;
  spanId: string;
  value: number;
  /** seconds since the epoch */
  timestamp: number;
}

export interface Series {
  readonly labels: LabelPairs;
  updatedMs: number;
  /** counter or gauge value */
  value: number;
  /** histogram: upper bounds (without +Inf) and per-bucket (not cumulative) counts, bounds.length + 1 of them */
  bounds: number[];
  counts: number[];
  exemplars: (Exemplar | undefined)[];
  sum: number;
  count: number;
  /** summary */
  quantiles: [number, number][];
}

export interface Family {
  readonly name: string;
  readonly kind: PromKind;
  help: string;
  unit: string;
  readonly series: Map<string, Series>;
}

export type UpsertResult = Series | 'limited' | 'conflict';

export class SeriesStore {
  readonly families = new Map<string, Family>();
  private total = 0;
  /** new series refused because of maxSeries */
  limited = 0;
  expired = 0;

  constructor(
    private readonly maxSeries: number,
    private readonly expirationMs: number,
    private readonly constLabels: LabelPairs = [],
  ) {}

  get size(): number {
    return this.total;
  }

  /** The series for these labels, created when new; refused when the limit is reached or the name has another type. */
  upsert(name: string, kind: PromKind, help: string, unit: string, labels: LabelPairs, nowMs: number): UpsertResult {
    let fam = this.families.get(name);
    if (fam && fam.kind !== kind) return 'conflict';
    const all = this.constLabels.length ? mergeLabels(labels, this.constLabels) : labels;
    all.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let key = '';
    for (const [k, v] of all) key += `${k}\u0000${v}\u0001`;
    let s = fam?.series.get(key);
    if (!s) {
      if (this.total >= this.maxSeries) {
        this.limited++;
        return 'limited';
      }
      if (!fam) {
        fam = { name, kind, help, unit, series: new Map() };
        this.families.set(name, fam);
      }
      s = { labels: all, updatedMs: nowMs, value: 0, bounds: [], counts: [], exemplars: [], sum: 0, count: 0, quantiles: [] };
      fam.series.set(key, s);
      this.total++;
    }
    if (help && !fam!.help) fam!.help = help;
    s.updatedMs = nowMs;
    return s;
  }

  /** Removes one series (a point flagged "no recorded value" ends it). */
  remove(name: string, labels: LabelPairs): void {
    const fam = this.families.get(name);
    if (!fam) return;
    const all = this.constLabels.length ? mergeLabels(labels, this.constLabels) : labels;
    all.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let key = '';
    for (const [k, v] of all) key += `${k}\u0000${v}\u0001`;
    if (fam.series.delete(key)) this.total--;
    if (fam.series.size === 0) this.families.delete(name);
  }

  /** Drops series not updated within the expiration; returns how many. */
  expire(nowMs: number): number {
    const cutoff = nowMs - this.expirationMs;
    let n = 0;
    for (const [name, fam] of this.families) {
      for (const [key, s] of fam.series) {
        if (s.updatedMs < cutoff) {
          fam.series.delete(key);
          n++;
        }
      }
      if (fam.series.size === 0) this.families.delete(name);
    }
    this.total -= n;
    this.expired += n;
    return n;
  }

  render(openMetrics: boolean): string {
    const out: string[] = [];
    const names = [...this.families.keys()].sort();
    for (const name of names) {
      const fam = this.families.get(name)!;
      const sampleBase = fam.kind === 'counter' && !openMetrics ? `${name}_total` : name;
      if (fam.help) out.push(`# HELP ${sampleBase} ${escapeHelp(fam.help)}`);
      out.push(`# TYPE ${sampleBase} ${fam.kind}`);
      if (openMetrics && fam.unit && name.endsWith(`_${fam.unit}`)) out.push(`# UNIT ${name} ${fam.unit}`);
      for (const s of fam.series.values()) {
        const lbl = labelText(s.labels);
        switch (fam.kind) {
          case 'counter':
            out.push(`${name}_total${braces(lbl)} ${formatValue(s.value)}`);
            break;
          case 'gauge':
            out.push(`${name}${braces(lbl)} ${formatValue(s.value)}`);
            break;
          case 'histogram': {
            let cum = 0;
            for (let i = 0; i <= s.bounds.length; i++) {
              cum += s.counts[i] ?? 0;
              const le = i < s.bounds.length ? formatValue(s.bounds[i]!) : '+Inf';
              const ex = openMetrics ? exemplarText(s.exemplars[i]) : '';
              out.push(`${name}_bucket${braces(lbl ? `${lbl},le="${le}"` : `le="${le}"`)} ${cum}${ex}`);
            }
            out.push(`${name}_sum${braces(lbl)} ${formatValue(s.sum)}`);
            out.push(`${name}_count${braces(lbl)} ${s.count}`);
            break;
          }
          case 'summary':
            for (const [q, v] of s.quantiles) out.push(`${name}${braces(lbl ? `${lbl},quantile="${formatValue(q)}"` : `quantile="${formatValue(q)}"`)} ${formatValue(v)}`);
            out.push(`${name}_sum${braces(lbl)} ${formatValue(s.sum)}`);
            out.push(`${name}_count${braces(lbl)} ${s.count}`);
            break;
        }
      }
    }
    if (openMetrics) out.push('# EOF');
    return out.join('\n') + '\n';
  }
}

function mergeLabels(labels: LabelPairs, extra: LabelPairs): LabelPairs {
  const out = [...labels];
  for (const [k, v] of extra) if (!out.some(([lk]) => lk === k)) out.push([k, v]);
  return out;
}

function labelText(labels: LabelPairs): string {
  let s = '';
  for (const [k, v] of labels) {
    if (v === '') continue;
    s += `${s ? ',' : ''}${k}="${escapeLabelValue(v)}"`;
  }
  return s;
}

function braces(lbl: string): string {
  return lbl ? `{${lbl}}` : '';
}

function exemplarText(e: Exemplar | undefined): string {
  if (!e) return '';
  return ` # {trace_id="${e.traceId}",span_id="${e.spanId}"} ${formatValue(e.value)} ${e.timestamp.toFixed(3)}`;
}
