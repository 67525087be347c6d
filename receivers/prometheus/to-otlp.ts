// Parsed families → ExportMetricsServiceRequest bytes, written with the OTLP MetricsBuilder. Cumulative
// series (counters, histograms, summaries) get a start time: `_created` when exposed, else
// when the series was first seen, reset when its value goes down.
import { MetricsBuilder, TEMPORALITY_CUMULATIVE } from '../../src/otlp/metrics-builder.js';
import { VERSION } from '../../src/version.js';
import type { Family, ParseResult, Sample } from './parser.js';

const SCOPE = 'ai-trace-collector/prometheus';

/** Start times of cumulative series of one target, carried from scrape to scrape. */
export class StartTimes {
  private prev = new Map<string, { start: number; last: number }>();
  private cur = new Map<string, { start: number; last: number }>();

  /** start ms for a series whose current cumulative value is `v` */
  get(key: string, v: number, nowMs: number): number {
    const p = this.prev.get(key);
    const e = p === undefined || v < p.last ? { start: nowMs, last: v } : { start: p.start, last: v };
    this.cur.set(key, e);
    return e.start;
  }

  /** forget series not seen in this scrape */
  roll(): void {
    this.prev = this.cur;
    this.cur = new Map();
  }
}

export interface TargetInfo {
  /** resource attributes, pre-encoded (Resource message body) */
  resource: Uint8Array;
  /** target labels added to every point (flat name, value) */
  labels: string[];
  honorLabels: boolean;
  honorTimestamps: boolean;
}

/** The point's labels, then the target's, as attributes (clashes renamed unless honor_labels). */
function attributes(b: MetricsBuilder, labels: string[], skip: string | undefined, t: TargetInfo): void {
  const tl = t.labels;
  for (let i = 0; i < labels.length; i += 2) {
    const k = labels[i]!;
    if (k === skip) continue;
    let clash = false;
    for (let j = 0; j < tl.length; j += 2) if (tl[j] === k) clash = true;
    b.stringAttr(clash && !t.honorLabels ? `exported_${k}` : k, labels[i + 1]!);
  }
  for (let j = 0; j < tl.length; j += 2) {
    if (t.honorLabels) {
      let clash = false;
      for (let i = 0; i < labels.length; i += 2) if (labels[i] === tl[j]) clash = true;
      if (clash) continue;
    }
    b.stringAttr(tl[j]!, tl[j + 1]!);
  }
}

function labelsKey(labels: string[], skip: string): string {
  let k = '';
  for (let i = 0; i < labels.length; i += 2) if (labels[i] !== skip) k += `${labels[i]}\u0000${labels[i + 1]}\u0001`;
  return k;
}

function labelValue(labels: string[], name: string): string | undefined {
  for (let i = 0; i < labels.length; i += 2) if (labels[i] === name) return labels[i + 1];
  return undefined;
}

/**
 * Prometheus histogram and summary counts are floats on the wire (NaN, ±Inf and 1e400 parse);
 * OTLP counts are uint64. A count converts when it is finite, ≥ 0 and < 2^64 (rounded to
 * the nearest integer); a point with any other count or bucket value is skipped and reported
 * in `skipped`, so one bad series never fails the scrape or the process.
 */
function isCount(v: number): boolean {
  return v >= 0 && v < 18446744073709551616;
}

interface Extra {
  name: string;
  value: number;
}

/** What one scrape's encoding shares: builder, target, clock, start times and scratch arrays. */
interface Scrape {
  b: MetricsBuilder;
  t: TargetInfo;
  scrapeMs: number;
  starts: StartTimes;
  /** per-bucket counts of the histogram point being written (reused for every point) */
  counts: number[];
  bounds: number[];
  /** histogram and summary points without an OTLP form (see isCount) */
  skipped: number;
}

const tsOf = (c: Scrape, s: Sample): number => (c.t.honorTimestamps && s.ts !== undefined ? s.ts : c.scrapeMs);
const isCreated = (f: Family, s: Sample): boolean => s.name.endsWith('_created') && s.name !== f.name;

function counter(c: Scrape, f: Family): void {
  const created = new Map<string, number>();
  let first: Sample | undefined;
  for (const s of f.samples) {
    if (isCreated(f, s)) created.set(s.rawLabels, s.value * 1000);
    else first ??= s;
  }
  if (first === undefined) return;
  const b = c.b;
  b.beginMetric(first.name, f.help, f.unit);
  b.beginSum(TEMPORALITY_CUMULATIVE, true);
  for (const s of f.samples) {
    if (isCreated(f, s)) continue;
    b.beginPoint();
    attributes(b, s.labels, undefined, c.t);
    b.startTimeMs(created.get(s.rawLabels) ?? c.starts.get(s.name + s.rawLabels, s.value, c.scrapeMs));
    b.timeMs(tsOf(c, s));
    b.doubleValue(s.value);
    b.endPoint();
  }
  b.endMetric();
}

interface HistogramGroup {
  labels: string[];
  buckets: [number, number][];
  sum: number;
  count?: number;
  created?: number;
  ts: number;
}

function histogram(c: Scrape, f: Family): void {
  const groups = new Map<string, HistogramGroup>();
  for (const s of f.samples) {
    const suf = s.name.slice(f.name.length);
    const key = labelsKey(s.labels, 'le');
    let g = groups.get(key);
    if (!g) {
      g = { labels: s.labels, buckets: [], sum: NaN, ts: tsOf(c, s) };
      groups.set(key, g);
    }
    if (suf === '_bucket') {
      const le = labelValue(s.labels, 'le');
      if (le !== undefined) g.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (suf === '_sum' || suf === '_gsum') g.sum = s.value;
    else if (suf === '_count' || suf === '_gcount') g.count = s.value;
    else if (suf === '_created') g.created = s.value * 1000;
  }
  const b = c.b;
  b.beginMetric(f.name, f.help, f.unit);
  b.beginHistogram(TEMPORALITY_CUMULATIVE);
  for (const [key, g] of groups) {
    g.buckets.sort((x, y) => x[0] - y[0]);
    const count = g.count ?? g.buckets.at(-1)?.[1] ?? 0;
    if (!isCount(count) || !g.buckets.every((x) => isCount(x[1]))) {
      c.skipped++;
      continue;
    }
    b.beginPoint();
    attributes(b, g.labels, 'le', c.t);
    b.startTimeMs(g.created ?? c.starts.get(f.name + key, count, c.scrapeMs));
    b.timeMs(g.ts);
    b.count(Math.max(0, Math.round(count)));
    if (!Number.isNaN(g.sum)) b.sum(g.sum);
    // cumulative buckets → per-bucket counts; +Inf is implicit in OTLP
    const { counts, bounds } = c;
    let n = 0;
    let prev = 0;
    for (const [le, v] of g.buckets) {
      if (le === Infinity) continue;
      bounds[n] = le;
      counts[n++] = Math.max(0, Math.round(v - prev));
      prev = v;
    }
    counts[n] = Math.max(0, Math.round(count - prev));
    b.bucketCounts(counts, n + 1);
    b.explicitBounds(bounds, n);
    b.endPoint();
  }
  b.endMetric();
}

interface SummaryGroup {
  labels: string[];
  q: [number, number][];
  sum: number;
  count: number;
  created?: number;
  ts: number;
}

function summary(c: Scrape, f: Family): void {
  const groups = new Map<string, SummaryGroup>();
  for (const s of f.samples) {
    const suf = s.name.slice(f.name.length);
    const key = labelsKey(s.labels, 'quantile');
    let g = groups.get(key);
    if (!g) {
      g = { labels: s.labels, q: [], sum: 0, count: 0, ts: tsOf(c, s) };
      groups.set(key, g);
    }
    if (suf === '') {
      const q = labelValue(s.labels, 'quantile');
      if (q !== undefined) g.q.push([Number(q), s.value]);
    } else if (suf === '_sum') g.sum = s.value;
    else if (suf === '_count') g.count = s.value;
    else if (suf === '_created') g.created = s.value * 1000;
  }
  const b = c.b;
  b.beginMetric(f.name, f.help, f.unit);
  b.beginSummary();
  for (const [key, g] of groups) {
    if (!isCount(g.count)) {
      c.skipped++;
      continue;
    }
    b.beginPoint();
    attributes(b, g.labels, 'quantile', c.t);
    b.startTimeMs(g.created ?? c.starts.get(f.name + key, g.count, c.scrapeMs));
    b.timeMs(g.ts);
    b.count(Math.max(0, Math.round(g.count)));
    b.sum(g.sum);
    for (const [q, v] of g.q) b.quantile(q, v);
    b.endPoint();
  }
  b.endMetric();
}

/** gauge, untyped, unknown, info, stateset: gauges, one metric per sample name */
function gauges(c: Scrape, f: Family): void {
  const b = c.b;
  const ss = f.samples;
  let i = 0;
  while (i < ss.length) {
    const name = ss[i]!.name;
    b.beginMetric(name, f.help, f.unit);
    b.beginGauge();
    for (; i < ss.length && ss[i]!.name === name; i++) {
      const s = ss[i]!;
      b.beginPoint();
      attributes(b, s.labels, undefined, c.t);
      b.timeMs(tsOf(c, s));
      b.doubleValue(s.value);
      b.endPoint();
    }
    b.endMetric();
  }
}

/** Returns the request, its data point count and the points skipped (see isCount). */
export function encodeScrape(r: ParseResult | undefined, t: TargetInfo, scrapeMs: number, starts: StartTimes, extras: Extra[]): { bytes: Uint8Array; points: number; skipped: number } {
  const b = new MetricsBuilder(64 * 1024);
  const c: Scrape = { b, t, scrapeMs, starts, counts: [], bounds: [], skipped: 0 };
  b.beginResource(t.resource);
  b.beginScope(SCOPE, VERSION);
  for (const f of r?.families ?? []) {
    if (f.samples.length === 0) continue;
    if (f.type === 'counter') counter(c, f);
    else if (f.type === 'histogram' || f.type === 'gaugehistogram') histogram(c, f);
    else if (f.type === 'summary') summary(c, f);
    else gauges(c, f);
  }
  for (const e of extras) {
    b.beginMetric(e.name);
    b.beginGauge();
    b.beginPoint();
    attributes(b, [], undefined, t);
    b.timeMs(scrapeMs);
    b.doubleValue(e.value);
    b.endPoint();
    b.endMetric();
  }
  starts.roll();
  b.endScope();
  b.endResource();
  return { bytes: b.finish(), points: b.items, skipped: c.skipped };
}
