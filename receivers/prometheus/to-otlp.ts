// Parsed families → ExportMetricsServiceRequest bytes, written with the OTLP MetricsBuilder. Cumulative
// series (counters, histograms, summaries) get a start time: `_created` when exposed, else
// when the series was first seen, reset when its value goes down.
import { MetricsBuilder, TEMPORALITY_CUMULATIVE } from '../../src/otlp/metrics-builder.js';
import { VERSION } from '../../src/version.js';
import type { Family, ParseResult, Sample } from './parser.js';

export const SCOPE = 'ai-trace-collector/prometheus';

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

/**
 * The point's labels, then the target's, as flat attribute pairs in `out` (clashes renamed to
 * exported_* unless honor_labels); `skip` (le, quantile) left out.
 */
export function pointAttributePairs(labels: readonly string[], skip: string | undefined, t: TargetInfo, out: string[]): string[] {
  out.length = 0;
  const tl = t.labels;
  for (let i = 0; i < labels.length; i += 2) {
    const k = labels[i]!;
    if (k === skip) continue;
    let clash = false;
    for (let j = 0; j < tl.length; j += 2) if (tl[j] === k) clash = true;
    out.push(clash && !t.honorLabels ? `exported_${k}` : k, labels[i + 1]!);
  }
  for (let j = 0; j < tl.length; j += 2) {
    if (t.honorLabels) {
      let clash = false;
      for (let i = 0; i < labels.length; i += 2) if (labels[i] === tl[j]) clash = true;
      if (clash) continue;
    }
    out.push(tl[j]!, tl[j + 1]!);
  }
  return out;
}

function attributes(b: MetricsBuilder, labels: string[], skip: string | undefined, t: TargetInfo, scratch: string[]): void {
  const pairs = pointAttributePairs(labels, skip, t, scratch);
  for (let i = 0; i < pairs.length; i += 2) b.stringAttr(pairs[i]!, pairs[i + 1]!);
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

export interface Extra {
  name: string;
  value: number;
}

/** What one scrape's encoding shares: builder, target, clock, start times and scratch arrays. */
export interface Scrape {
  b: MetricsBuilder;
  t: TargetInfo;
  scrapeMs: number;
  starts: StartTimes;
  /** per-bucket counts of the histogram point being written (reused for every point) */
  counts: number[];
  bounds: number[];
  /** histogram and summary points without an OTLP form (see isCount) */
  skipped: number;
  /** attribute pairs of the point being written (reused) */
  pairs: string[];
}

const tsOf = (c: Scrape, s: Sample): number => (c.t.honorTimestamps && s.ts !== undefined ? s.ts : c.scrapeMs);
export const isCreated = (f: { name: string }, s: { name: string }): boolean => s.name.endsWith('_created') && s.name !== f.name;

export function counter(c: Scrape, f: Family): void {
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
    attributes(b, s.labels, undefined, c.t, c.pairs);
    b.startTimeMs(created.get(s.rawLabels) ?? c.starts.get(s.name + s.rawLabels, s.value, c.scrapeMs));
    b.timeMs(tsOf(c, s));
    b.doubleValue(s.value);
    b.endPoint();
  }
  b.endMetric();
}

/** A histogram or summary series: its buckets (le, cumulative count) or quantiles (q, value). */
interface SeriesGroup {
  labels: string[];
  entries: [number, number][];
  sum?: number;
  count?: number;
  created?: number;
  ts: number;
}

/** A histogram's or summary's samples grouped into series by their labels other than `label` (le, quantile). */
function groupSeries(c: Scrape, f: Family, label: string, entrySuffix: string): Map<string, SeriesGroup> {
  const groups = new Map<string, SeriesGroup>();
  for (const s of f.samples) {
    const suf = s.name.slice(f.name.length);
    const key = labelsKey(s.labels, label);
    let g = groups.get(key);
    if (!g) {
      g = { labels: s.labels, entries: [], ts: tsOf(c, s) };
      groups.set(key, g);
    }
    if (suf === entrySuffix) {
      const v = labelValue(s.labels, label);
      if (v !== undefined) g.entries.push([v === '+Inf' ? Infinity : Number(v), s.value]);
    } else if (suf === '_sum' || suf === '_gsum') g.sum = s.value;
    else if (suf === '_count' || suf === '_gcount') g.count = s.value;
    else if (suf === '_created') g.created = s.value * 1000;
  }
  return groups;
}

export function histogram(c: Scrape, f: Family): void {
  const groups = groupSeries(c, f, 'le', '_bucket');
  const b = c.b;
  b.beginMetric(f.name, f.help, f.unit);
  b.beginHistogram(TEMPORALITY_CUMULATIVE);
  for (const [key, g] of groups) {
    g.entries.sort((x, y) => x[0] - y[0]);
    const count = g.count ?? g.entries.at(-1)?.[1] ?? 0;
    if (!isCount(count) || !g.entries.every((x) => isCount(x[1]))) {
      c.skipped++;
      continue;
    }
    b.beginPoint();
    attributes(b, g.labels, 'le', c.t, c.pairs);
    b.startTimeMs(g.created ?? c.starts.get(f.name + key, count, c.scrapeMs));
    b.timeMs(g.ts);
    b.count(Math.max(0, Math.round(count)));
    if (g.sum !== undefined && !Number.isNaN(g.sum)) b.sum(g.sum);
    // cumulative buckets → per-bucket counts; +Inf is implicit in OTLP
    const { counts, bounds } = c;
    let n = 0;
    let prev = 0;
    for (const [le, v] of g.entries) {
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

export function summary(c: Scrape, f: Family): void {
  const groups = groupSeries(c, f, 'quantile', '');
  const b = c.b;
  b.beginMetric(f.name, f.help, f.unit);
  b.beginSummary();
  for (const [key, g] of groups) {
    const count = g.count ?? 0;
    if (!isCount(count)) {
      c.skipped++;
      continue;
    }
    b.beginPoint();
    attributes(b, g.labels, 'quantile', c.t, c.pairs);
    b.startTimeMs(g.created ?? c.starts.get(f.name + key, count, c.scrapeMs));
    b.timeMs(g.ts);
    b.count(Math.max(0, Math.round(count)));
    b.sum(g.sum ?? 0);
    for (const [q, v] of g.entries) b.quantile(q, v);
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
      attributes(b, s.labels, undefined, c.t, c.pairs);
      b.timeMs(tsOf(c, s));
      b.doubleValue(s.value);
      b.endPoint();
    }
    b.endMetric();
  }
}

/** Returns the request, its data point count and the points skipped (see isCount). */
export function encodeScrape(r: ParseResult | undefined, t: TargetInfo, scrapeMs: number, starts: StartTimes, extras: readonly Extra[]): { bytes: Uint8Array; points: number; skipped: number } {
  const b = new MetricsBuilder(64 * 1024);
  const c: Scrape = { b, t, scrapeMs, starts, counts: [], bounds: [], skipped: 0, pairs: [] };
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
    attributes(b, [], undefined, t, c.pairs);
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
