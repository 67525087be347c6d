// Parsed families → ExportMetricsServiceRequest bytes, written with ProtoWriter. Cumulative
// series (counters, histograms, summaries) get a start time: `_created` when exposed, else
// when the series was first seen, reset when its value goes down.
import { ProtoWriter } from '../../src/otlp/proto-writer.js';
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

/** ms → fixed64 ns, exact for any ms below 2^48 */
function fixed64Ms(w: ProtoWriter, ms: number): void {
  const msHi = Math.floor(ms / 65536);
  const msLo = ms - msHi * 65536;
  const a = msHi * 1e6;
  const b = msLo * 1e6;
  const aLo = a % 65536;
  let low = aLo * 65536 + b;
  const carry = Math.floor(low / 4294967296);
  low -= carry * 4294967296;
  const high = Math.floor(a / 65536) + carry;
  w.fixed32(low >>> 0);
  w.fixed32(high >>> 0);
}

function attr(w: ProtoWriter, field: number, k: string, v: string): void {
  w.tag(field, 2);
  w.fork();
  w.tag(1, 2);
  w.string(k);
  w.tag(2, 2);
  w.fork();
  w.tag(1, 2);
  w.string(v);
  w.join();
  w.join();
}

function attributes(w: ProtoWriter, field: number, labels: string[], skip: string | undefined, t: TargetInfo): void {
  const tl = t.labels;
  for (let i = 0; i < labels.length; i += 2) {
    const k = labels[i]!;
    if (k === skip) continue;
    let clash = false;
    for (let j = 0; j < tl.length; j += 2) if (tl[j] === k) clash = true;
    attr(w, field, clash && !t.honorLabels ? `exported_${k}` : k, labels[i + 1]!);
  }
  for (let j = 0; j < tl.length; j += 2) {
    if (t.honorLabels) {
      let clash = false;
      for (let i = 0; i < labels.length; i += 2) if (labels[i] === tl[j]) clash = true;
      if (clash) continue;
    }
    attr(w, field, tl[j]!, tl[j + 1]!);
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

function metricHeader(w: ProtoWriter, name: string, f: Family): void {
  w.tag(1, 2);
  w.string(name);
  if (f.help) {
    w.tag(2, 2);
    w.string(f.help);
  }
  if (f.unit) {
    w.tag(3, 2);
    w.string(f.unit);
  }
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

/** Returns the request and its data point count. */
export function encodeScrape(r: ParseResult | undefined, t: TargetInfo, scrapeMs: number, starts: StartTimes, extras: Extra[]): { bytes: Uint8Array; points: number; skipped: number } {
  const w = new ProtoWriter(64 * 1024);
  let points = 0;
  let skipped = 0;
  w.tag(1, 2);
  w.fork(); // ResourceMetrics
  w.tag(1, 2);
  w.bytes(t.resource);
  w.tag(2, 2);
  w.fork(); // ScopeMetrics
  w.tag(1, 2);
  w.fork();
  w.tag(1, 2);
  w.string(SCOPE);
  w.tag(2, 2);
  w.string(VERSION);
  w.join();
  const tsOf = (s: Sample): number => (t.honorTimestamps && s.ts !== undefined ? s.ts : scrapeMs);

  for (const f of r?.families ?? []) {
    if (f.samples.length === 0) continue;
    switch (f.type) {
      case 'counter': {
        const created = new Map<string, number>();
        for (const s of f.samples) if (s.name.endsWith('_created') && s.name !== f.name) created.set(s.rawLabels, s.value * 1000);
        const values = f.samples.filter((s) => !(s.name.endsWith('_created') && s.name !== f.name));
        if (values.length === 0) break;
        w.tag(2, 2);
        w.fork();
        metricHeader(w, values[0]!.name, f);
        w.tag(7, 2);
        w.fork(); // Sum
        for (const s of values) {
          w.tag(1, 2);
          w.fork();
          attributes(w, 7, s.labels, undefined, t);
          const c = created.get(s.rawLabels);
          w.tag(2, 1);
          fixed64Ms(w, c ?? starts.get(s.name + s.rawLabels, s.value, scrapeMs));
          w.tag(3, 1);
          fixed64Ms(w, tsOf(s));
          w.tag(4, 1);
          w.double(s.value);
          w.join();
          points++;
        }
        w.tag(2, 0);
        w.varint(2); // CUMULATIVE
        w.tag(3, 0);
        w.varint(1);
        w.join();
        w.join();
        break;
      }
      case 'histogram':
      case 'gaugehistogram': {
        const groups = new Map<string, { labels: string[]; buckets: [number, number][]; sum: number; count?: number; created?: number; ts: number }>();
        for (const s of f.samples) {
          const suf = s.name.slice(f.name.length);
          const key = labelsKey(s.labels, 'le');
          let g = groups.get(key);
          if (!g) {
            g = { labels: s.labels, buckets: [], sum: NaN, ts: tsOf(s) };
            groups.set(key, g);
          }
          if (suf === '_bucket') {
            const le = labelValue(s.labels, 'le');
            if (le !== undefined) g.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
          } else if (suf === '_sum' || suf === '_gsum') g.sum = s.value;
          else if (suf === '_count' || suf === '_gcount') g.count = s.value;
          else if (suf === '_created') g.created = s.value * 1000;
        }
        w.tag(2, 2);
        w.fork();
        metricHeader(w, f.name, f);
        w.tag(9, 2);
        w.fork();
        for (const [key, g] of groups) {
          g.buckets.sort((a, b) => a[0] - b[0]);
          const count = g.count ?? g.buckets.at(-1)?.[1] ?? 0;
          if (!isCount(count) || !g.buckets.every((b) => isCount(b[1]))) {
            skipped++;
            continue;
          }
          w.tag(1, 2);
          w.fork();
          attributes(w, 9, g.labels, 'le', t);
          w.tag(2, 1);
          fixed64Ms(w, g.created ?? starts.get(f.name + key, count, scrapeMs));
          w.tag(3, 1);
          fixed64Ms(w, g.ts);
          w.tag(4, 1);
          w.fixed64(BigInt(Math.max(0, Math.round(count))));
          if (!Number.isNaN(g.sum)) {
            w.tag(5, 1);
            w.double(g.sum);
          }
          // cumulative buckets → per-bucket counts; +Inf is implicit in OTLP
          const bounds = g.buckets.filter((b) => b[0] !== Infinity);
          w.tag(6, 2);
          w.varint((bounds.length + 1) * 8);
          let prev = 0;
          for (const b of bounds) {
            w.fixed64(BigInt(Math.max(0, Math.round(b[1] - prev))));
            prev = b[1];
          }
          w.fixed64(BigInt(Math.max(0, Math.round(count - prev))));
          if (bounds.length > 0) {
            w.tag(7, 2);
            w.varint(bounds.length * 8);
            for (const b of bounds) w.double(b[0]);
          }
          w.join();
          points++;
        }
        w.tag(2, 0);
        w.varint(2);
        w.join();
        w.join();
        break;
      }
      case 'summary': {
        const groups = new Map<string, { labels: string[]; q: [number, number][]; sum: number; count: number; created?: number; ts: number }>();
        for (const s of f.samples) {
          const suf = s.name.slice(f.name.length);
          const key = labelsKey(s.labels, 'quantile');
          let g = groups.get(key);
          if (!g) {
            g = { labels: s.labels, q: [], sum: 0, count: 0, ts: tsOf(s) };
            groups.set(key, g);
          }
          if (suf === '') {
            const q = labelValue(s.labels, 'quantile');
            if (q !== undefined) g.q.push([Number(q), s.value]);
          } else if (suf === '_sum') g.sum = s.value;
          else if (suf === '_count') g.count = s.value;
          else if (suf === '_created') g.created = s.value * 1000;
        }
        w.tag(2, 2);
        w.fork();
        metricHeader(w, f.name, f);
        w.tag(11, 2);
        w.fork();
        for (const [key, g] of groups) {
          if (!isCount(g.count)) {
            skipped++;
            continue;
          }
          w.tag(1, 2);
          w.fork();
          attributes(w, 7, g.labels, 'quantile', t);
          w.tag(2, 1);
          fixed64Ms(w, g.created ?? starts.get(f.name + key, g.count, scrapeMs));
          w.tag(3, 1);
          fixed64Ms(w, g.ts);
          w.tag(4, 1);
          w.fixed64(BigInt(Math.max(0, Math.round(g.count))));
          w.tag(5, 1);
          w.double(g.sum);
          for (const [q, v] of g.q) {
            w.tag(6, 2);
            w.fork();
            w.tag(1, 1);
            w.double(q);
            w.tag(2, 1);
            w.double(v);
            w.join();
          }
          w.join();
          points++;
        }
        w.join();
        w.join();
        break;
      }
      default: {
        // gauge, untyped, unknown, info, stateset: gauges (one metric per sample name)
        let i = 0;
        const ss = f.samples;
        while (i < ss.length) {
          const name = ss[i]!.name;
          w.tag(2, 2);
          w.fork();
          metricHeader(w, name, f);
          w.tag(5, 2);
          w.fork();
          for (; i < ss.length && ss[i]!.name === name; i++) {
            const s = ss[i]!;
            w.tag(1, 2);
            w.fork();
            attributes(w, 7, s.labels, undefined, t);
            w.tag(3, 1);
            fixed64Ms(w, tsOf(s));
            w.tag(4, 1);
            w.double(s.value);
            w.join();
            points++;
          }
          w.join();
          w.join();
        }
      }
    }
  }
  for (const e of extras) {
    w.tag(2, 2);
    w.fork();
    w.tag(1, 2);
    w.string(e.name);
    w.tag(5, 2);
    w.fork();
    w.tag(1, 2);
    w.fork();
    attributes(w, 7, [], undefined, t);
    w.tag(3, 1);
    fixed64Ms(w, scrapeMs);
    w.tag(4, 1);
    w.double(e.value);
    w.join();
    w.join();
    w.join();
    points++;
  }
  starts.roll();
  w.join();
  w.join();
  return { bytes: w.finish(), points, skipped };
}
