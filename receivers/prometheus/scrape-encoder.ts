// One target's scrapes → OTLP metrics bytes, reading the body in place. Each sample line is
// scanned as bytes; its series (`name{labels}`) is looked up in the target's SeriesCache, so a
// series seen before costs no strings or objects: its point is the cached attribute bytes, a
// start time, the time and the value. Points are grouped per metric as the general path
// (parseExposition + encodeScrape) groups them, and the output is the same data: a test decodes
// both. Histogram, summary and `_created` families go through the general path's encoders;
// OpenMetrics bodies and anything the byte scanner does not expect (leading blanks, exemplars,
// malformed lines) go through the general path as a whole, which also words the errors.
// When a scrape has the last one's families and series in the same order (a steady target),
// its request is the last request with new numbers: those are written over the old ones in the
// same buffer (RequestLayout), nothing else is written.
import { encodeNumberPointAttributes, MetricsBuilder, numberPointSize, TEMPORALITY_CUMULATIVE, writeNumberPointAttributes } from '../../src/otlp/metrics-builder.js';
import { ProtoWriter } from '../../src/otlp/proto-writer.js';
import { VERSION } from '../../src/version.js';
import { ExpositionError, familyOf, isNameChar, isNameStart, metadataLine, parseExposition, parseLabels, parseValue, type Family, type ParseLimits, type ParseResult, type Sample } from './parser.js';
import { relabel, type Labels, type RelabelRule } from './relabel.js';
import { RequestLayout } from './request-layout.js';
import { FNV_OFFSET, fnv, keyAt, SeriesCache, slot, type Series } from './series-cache.js';
import { counter, encodeScrape, histogram, pointAttributePairs, SCOPE, StartTimes, summary, type Extra, type Scrape, type TargetInfo } from './to-otlp.js';

/** A family of this scrape and its points: a chain through ScrapeEncoder.nextPoint. */
interface Fam extends Family {
  head: number;
  tail: number;
  hasCreated: boolean;
}

// Buffer's latin1Slice: toString('latin1', s, e) without the argument checks (names and values are ASCII)
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Buffer, s: number, e: number): string }).latin1Slice;
const latin1 = (b: Buffer, s: number, e: number): string => latin1Slice.call(b, s, e);

/** The byte scanner met something only the general path handles. */
class NotInPlace extends Error {}
const NOT_IN_PLACE = new NotInPlace('not in place');

const NO_POINT = -1;
const CUMULATIVE_MONOTONIC = { temporality: TEMPORALITY_CUMULATIVE, monotonic: true };
const powers10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

export class ScrapeEncoder {
  private readonly cache = new SeriesCache();
  /** start times of series written by the general path's encoders */
  private readonly starts = new StartTimes();
  private readonly b = new MetricsBuilder(64 * 1024);
  private readonly scratch = new ProtoWriter(256);
  private readonly pairs: string[] = [];
  private gen = 0;
  /** the first series of the last scrape: the guess for the first sample line */
  private first: Series | undefined;
  /** distinct cached series the last scan saw */
  private seenNow = 0;
  /** what the last scan read: this path's families (points in the arrays below) or the general parse */
  private pending: { families?: Fam[]; parsed?: ParseResult } | undefined;
  /** this scrape's points: series, value, time (NaN: none), next point of its family */
  private series: Series[] = [];
  private values = new Float64Array(4096);
  private times = new Float64Array(4096);
  private nextPoint = new Int32Array(4096);
  private readonly targetAttrs: Uint8Array;
  /** the numbers' places in the last in-place request (still in `b`'s buffer) */
  private readonly layout = new RequestLayout();
  private patched = false;

  constructor(
    private readonly target: TargetInfo,
    private readonly limits: ParseLimits,
    private readonly metricRelabel: readonly RelabelRule[],
  ) {
    this.targetAttrs = encodeNumberPointAttributes(pointAttributePairs([], undefined, target, []));
  }

  /** Series held by the cache, and their key + attribute bytes. */
  get cached(): { series: number; bytes: number } {
    return { series: this.cache.size, bytes: this.cache.bytes };
  }

  /** Whether the last encode rewrote only the numbers of the request before it (RequestLayout). */
  get lastPatched(): boolean {
    return this.patched;
  }

  /** Whether the last scan read the body in place (false: the general path did). */
  get lastInPlace(): boolean {
    return this.pending?.families !== undefined;
  }

  /**
   * Reads a scrape's body (throws ExpositionError as parseExposition does); `encode` writes it.
   * Returns the samples in the body (duplicates included) and the duplicates dropped.
   */
  scan(body: Buffer, openMetrics: boolean): { samples: number; duplicates: number } {
    this.pending = undefined;
    this.seenNow = 0;
    const gen = this.gen + 1;
    if (!openMetrics) {
      try {
        const families: Fam[] = [];
        const r = this.scanBody(body, gen, families, new Map());
        this.pending = { families };
        return r;
      } catch (e) {
        this.series.length = 0;
        if (e !== NOT_IN_PLACE && !(e instanceof ExpositionError)) throw e;
      }
    }
    const r = parseExposition(body.toString('utf8'), openMetrics, this.limits);
    if (this.metricRelabel.length > 0) applyMetricRelabel(r, this.metricRelabel);
    this.pending = { parsed: r };
    return { samples: r.samples, duplicates: r.duplicates };
  }

  /**
   * The request for the last `scan` (nothing from the body when there was none or it threw: a
   * failed scrape), then `extras` (up, scrape_duration_seconds, …). Call once per scrape. The
   * bytes are valid until the next call (the encoder reuses its buffer).
   */
  encode(scrapeMs: number, extras: readonly Extra[]): { bytes: Uint8Array; points: number; skipped: number } {
    const gen = ++this.gen;
    const p = this.pending;
    this.pending = undefined;
    this.patched = false;
    try {
      if (p?.families === undefined) {
        this.layout.valid = false;
        return encodeScrape(p?.parsed, this.target, scrapeMs, this.starts, extras);
      }
      if (this.fits(p.families, extras)) return this.patch(p.families, gen, scrapeMs, extras);
      return this.inPlace(p.families, gen, scrapeMs, extras);
    } finally {
      // kept for the next scrape (writing over it allocates nothing) unless far longer than this one's
      if (this.series.length > 2 * this.seenNow + 4096) this.series.length = 0;
      // series missing from this scrape and the one before (a sweep only when some series was missing)
      if (this.cache.size > this.seenNow) this.cache.evict(gen - 1);
      this.seenNow = 0;
    }
  }

  /** Whether this scrape's request is the last one with other numbers: same families, series and order. */
  private fits(families: Fam[], extras: readonly Extra[]): boolean {
    const l = this.layout;
    if (!l.valid || !l.sameExtras(extras)) return false;
    const series = this.series;
    const next = this.nextPoint;
    let j = 0;
    let k = 0;
    for (const f of families) {
      if (f.head === NO_POINT) continue;
      if (f.hasCreated || !l.sameFamily(j++, f.name, f.type, f.help, f.unit, f.points ?? 0)) return false;
      for (let i = f.head; i !== NO_POINT; i = next[i]!) if (!l.samePoint(k++, series[i]!)) return false;
    }
    return j === l.familyCount && k === l.pointCount;
  }

  /** The last request with this scrape's start times, times and values written over its own. */
  private patch(families: Fam[], gen: number, scrapeMs: number, extras: readonly Extra[]): { bytes: Uint8Array; points: number; skipped: number } {
    const b = this.b;
    const w = b.w;
    const l = this.layout;
    const series = this.series;
    const next = this.nextPoint;
    const values = this.values;
    let k = 0;
    for (const f of families) {
      if (f.head === NO_POINT) continue;
      const cumulative = f.type === 'counter';
      for (let i = f.head; i !== NO_POINT; i = next[i]!) {
        const end = l.end(k++);
        const v = values[i]!;
        if (cumulative) {
          const s = series[i]!;
          // as counterPoints
          if (s.startGen !== gen - 1 || v < s.last) s.start = scrapeMs;
          s.startGen = gen;
          s.last = v;
          w.fixed64MsAt(end - 26, s.start);
        }
        w.fixed64MsAt(end - 17, this.timeOf(i, scrapeMs));
        w.doubleAt(end - 8, v);
      }
    }
    for (let i = 0; i < extras.length; i++) {
      const end = l.extraEnd(i);
      w.fixed64MsAt(end - 17, scrapeMs);
      w.doubleAt(end - 8, extras[i]!.value);
    }
    this.starts.roll();
    this.patched = true;
    return { bytes: b.finishView(), points: b.items, skipped: 0 };
  }

  private inPlace(families: Fam[], gen: number, scrapeMs: number, extras: readonly Extra[]): { bytes: Uint8Array; points: number; skipped: number } {
    const b = this.b;
    const layout = this.layout;
    layout.begin();
    // a buffer grown for a much larger request than the last one is given back
    if (b.w.buf.length > 4 * b.w.pos + (1 << 20)) b.w.detach();
    b.w.rewind([0, 0]);
    b.reset();
    let whole = true;
    const c: Scrape = { b, t: this.target, scrapeMs, starts: this.starts, counts: [], bounds: [], skipped: 0, pairs: this.pairs };
    b.beginResource(this.target.resource);
    b.beginScope(SCOPE, VERSION);
    for (const f of families) {
      if (f.head === NO_POINT) continue;
      if (f.type === 'histogram' || f.type === 'gaugehistogram' || f.type === 'summary' || (f.type === 'counter' && f.hasCreated)) {
        // their points are not all NumberDataPoints of this layout: the next request is written whole too
        whole = false;
        if (f.type === 'summary') summary(c, this.samplesOf(f));
        else if (f.type === 'counter') counter(c, this.samplesOf(f));
        else histogram(c, this.samplesOf(f));
        continue;
      }
      layout.family(f.name, f.type, f.help, f.unit, f.points ?? 0);
      if (f.type === 'counter') this.counterPoints(f, scrapeMs, gen);
      else this.gaugePoints(f, scrapeMs);
    }
    for (const e of extras) {
      b.beginMetric(e.name);
      b.beginGauge();
      b.numberPoint(this.targetAttrs, 0, this.targetAttrs.length, NaN, scrapeMs, e.value);
      b.endMetric();
      layout.extra(e.name, b.w.pos);
    }
    this.starts.roll();
    // closing them inserts their length prefixes before every point
    const open = b.w.pos;
    b.endScope();
    b.endResource();
    if (whole) layout.commit(b.w.pos - open);
    // a view of the builder's buffer: the receiver waits until the pipeline took it (a copy
    // into the ring) before the next scrape writes the buffer again
    return { bytes: b.finishView(), points: b.items, skipped: c.skipped };
  }

  private timeOf(i: number, scrapeMs: number): number {
    const t = this.times[i]!;
    return this.target.honorTimestamps && !Number.isNaN(t) ? t : scrapeMs;
  }

  /** gauge, untyped, unknown, info, stateset: one gauge metric per run of one sample name */
  private gaugePoints(f: Fam, scrapeMs: number): void {
    const b = this.b;
    const series = this.series;
    const next = this.nextPoint;
    let i = f.head;
    while (i !== NO_POINT) {
      const name = series[i]!.name;
      let size = 0;
      let j = i;
      for (; j !== NO_POINT && series[j]!.name === name; j = next[j]!) size += numberPointSize(series[j]!.attrsLength, false);
      b.beginNumberMetric(name, f.help, f.unit, undefined, size);
      for (; i !== j; i = next[i]!) {
        const s = series[i]!;
        b.numberPoint(s.bytes, s.at + s.keyLength, s.attrsLength, NaN, this.timeOf(i, scrapeMs), this.values[i]!);
        this.layout.point(s, b.w.pos);
      }
      b.endMetric();
    }
  }

  /** a counter family without _created samples: one monotonic cumulative sum */
  private counterPoints(f: Fam, scrapeMs: number, gen: number): void {
    const b = this.b;
    const series = this.series;
    const next = this.nextPoint;
    let size = 0;
    for (let i = f.head; i !== NO_POINT; i = next[i]!) size += numberPointSize(series[i]!.attrsLength, true);
    b.beginNumberMetric(series[f.head]!.name, f.help, f.unit, CUMULATIVE_MONOTONIC, size);
    for (let i = f.head; i !== NO_POINT; i = next[i]!) {
      const s = series[i]!;
      const v = this.values[i]!;
      // start time as StartTimes keeps it: carried from the previous scrape unless the value went down
      if (s.startGen !== gen - 1 || v < s.last) s.start = scrapeMs;
      s.startGen = gen;
      s.last = v;
      b.numberPoint(s.bytes, s.at + s.keyLength, s.attrsLength, s.start, this.timeOf(i, scrapeMs), v);
      this.layout.point(s, b.w.pos);
    }
    b.endMetric();
  }

  /** The family's points as parser Samples, for the general path's histogram/summary/counter encoders. */
  private samplesOf(f: Fam): Family {
    const samples: Sample[] = [];
    for (let i = f.head; i !== NO_POINT; i = this.nextPoint[i]!) {
      const s = this.series[i]!;
      if (s.labels === undefined) {
        const raw = Buffer.from(s.bytes.buffer, s.bytes.byteOffset, s.bytes.length).toString('utf8', s.at + s.name.length, s.at + s.keyLength);
        s.rawLabels = raw;
        s.labels = this.labelsOf(s.name, raw, 0).labels!;
      }
      const t = this.times[i]!;
      samples.push({ name: s.name, labels: s.labels, rawLabels: s.rawLabels!, value: this.values[i]!, ts: Number.isNaN(t) ? undefined : t });
    }
    return { ...f, samples };
  }

  /** A series' labels from its raw `{…}` text, after metric relabeling (undefined: dropped). */
  private labelsOf(name: string, raw: string, line: number): { labels: string[] | undefined } {
    const labels: string[] = [];
    if (raw !== '' && parseLabels(raw, 1, raw.length, labels, line, this.limits) !== raw.length) throw NOT_IN_PLACE;
    return { labels: this.metricRelabel.length === 0 ? labels : relabelSample(name, labels, this.metricRelabel) };
  }

  private newSeries(h: number, body: Buffer, s: number, nameEnd: number, e: number, line: number, gen: number): Series {
    const name = latin1(body, s, nameEnd);
    const { labels } = this.labelsOf(name, body.toString('utf8', nameEnd, e), line);
    const w = this.scratch;
    w.pos = 0;
    if (labels !== undefined) writeNumberPointAttributes(w, pointAttributePairs(labels, undefined, this.target, this.pairs));
    return this.cache.add(h, body, s, e, name, labels === undefined ? undefined : w, gen);
  }

  private grow(): void {
    const n = this.values.length * 2;
    const v = new Float64Array(n);
    v.set(this.values);
    this.values = v;
    const t = new Float64Array(n);
    t.set(this.times);
    this.times = t;
    const x = new Int32Array(n);
    x.set(this.nextPoint);
    this.nextPoint = x;
  }

  /**
   * The body's lines: metadata into `families`, each sample's series, value and time into this
   * scrape's point arrays, chained per family. Throws NOT_IN_PLACE (or an ExpositionError) for
   * whatever the general path must handle.
   */
  private scanBody(body: Buffer, gen: number, families: Fam[], byName: Map<string, Family>): { samples: number; duplicates: number } {
    const n = body.length;
    const sampleLimit = this.limits.sampleLimit;
    let pos = 0;
    let line = 0;
    let scan = 0;
    let duplicates = 0;
    let points = 0;
    let cur: Fam | undefined;
    let prev: Series | undefined;
    const famList = families as Family[];
    let c = 0;
    while (pos < n) {
      line++;
      const start = pos;
      // The common line: the series that followed the previous one last scrape (its bytes then a
      // blank: a key is a whole `name{labels}`, so the line's series is that one), then the
      // value and the line's end. Anything else goes the long way below.
      let s = prev === undefined ? this.first : prev.follow;
      let value = 0;
      let ts = NaN;
      if (s !== undefined) {
        let p = start + s.keyLength;
        if (!s.gone && p < n && ((c = body[p]!) === 32 || c === 9) && keyAt(s, body, start)) {
          p++;
          while (p < n && ((c = body[p]!) === 32 || c === 9)) p++;
          const vs = p;
          while (p < n && (c = body[p]!) !== 32 && c !== 9 && c !== 10 && c !== 13) p++;
          if (p > vs && (p === n || c === 10)) {
            value = parseNumber(body, vs, p);
            pos = p + 1;
          } else s = undefined;
        } else s = undefined;
      }
      if (s === undefined) {
        let eol = body.indexOf(10, pos);
        if (eol < 0) eol = n;
        pos = eol + 1;
        let end = eol;
        if (end > start && body[end - 1] === 13) end--;
        if (start === end) continue;
        const c0 = body[start]!;
        if (c0 === 35 /* # */) {
          const f = metadataLine(body.toString('utf8', start, end), line, false, famList, byName);
          if (f) cur = this.asFam(f);
          continue;
        }
        s = prev === undefined ? this.first : prev.follow;
        let p = 0;
        if (s !== undefined) {
          const kl = s.keyLength;
          if (!s.gone && start + kl < end && ((c = body[start + kl]!) === 32 || c === 9) && keyAt(s, body, start)) p = start + kl;
          else s = undefined;
        }
        if (s === undefined) {
          if (!isNameStart(c0)) throw NOT_IN_PLACE; // leading blanks, garbage: the general path decides
          // series bytes [start, p), hashed as they are scanned
          let h = fnv(FNV_OFFSET, c0);
          p = start + 1;
          while (p < end && isNameChar((c = body[p]!))) {
            h = fnv(h, c);
            p++;
          }
          const nameEnd = p;
          if (p < end && body[p] === 123 /* { */) {
            let quoted = false;
            for (;;) {
              if (p >= end) throw NOT_IN_PLACE;
              c = body[p++]!;
              h = fnv(h, c);
              if (quoted) {
                if (c === 92 /* \ */) {
                  if (p >= end) throw NOT_IN_PLACE;
                  h = fnv(h, body[p++]!);
                } else if (c === 34) quoted = false;
              } else if (c === 34 /* " */) quoted = true;
              else if (c === 125 /* } */) break;
            }
          }
          const hs = slot(h);
          s = this.cache.find(hs, body, start, p) ?? this.newSeries(hs, body, start, nameEnd, p, line, gen - 1);
        }
        if (p >= end || ((c = body[p]!) !== 32 && c !== 9)) throw NOT_IN_PLACE;
        while (p < end && ((c = body[p]!) === 32 || c === 9)) p++;
        const vs = p;
        while (p < end && (c = body[p]!) !== 32 && c !== 9) p++;
        value = parseNumber(body, vs, p);
        while (p < end && ((c = body[p]!) === 32 || c === 9)) p++;
        if (p < end) {
          if (body[p] === 35) throw NOT_IN_PLACE; // an exemplar in the text format: an error, worded by the general path
          const tsStart = p;
          while (p < end && (c = body[p]!) !== 32 && c !== 9) p++;
          const t = Number(latin1(body, tsStart, p));
          if (!Number.isFinite(t)) throw NOT_IN_PLACE;
          ts = Math.trunc(t);
          while (p < end && ((c = body[p]!) === 32 || c === 9)) p++;
          if (p < end) throw NOT_IN_PLACE;
        }
      }
      if (prev === undefined) this.first = s;
      else if (prev.follow !== s) prev.follow = s;
      prev = s;

      let f: Fam;
      if (cur !== undefined && s.name === cur.name) {
        f = cur;
        cur.name = s.name; // the same text: the next === is a pointer compare
      } else f = this.asFam(familyOf(s.name, cur, false, famList, byName));
      cur = f;
      scan++;
      if (sampleLimit > 0 && scan > sampleLimit) throw new ExpositionError(line, `more than sample_limit (${sampleLimit}) samples`);
      if (s.seen === gen) {
        duplicates++;
        continue;
      }
      s.seen = gen;
      this.seenNow++;
      f.points = (f.points ?? 0) + 1;
      if (s.attrsLength < 0) continue; // dropped by metric_relabel_configs
      if (points === this.values.length) this.grow();
      this.series[points] = s;
      this.values[points] = value;
      this.times[points] = ts;
      this.nextPoint[points] = NO_POINT;
      if (f.head === NO_POINT) f.head = points;
      else this.nextPoint[f.tail] = points;
      f.tail = points;
      if (s.createdName && !f.hasCreated && s.name !== f.name) f.hasCreated = true; // isCreated(f, s)
      points++;
    }
    return { samples: scan, duplicates };
  }

  /** Families made by the parser's helpers get this path's point chain on first sight. */
  private asFam(f: Family): Fam {
    const x = f as Fam;
    if (x.head === undefined) {
      x.head = NO_POINT;
      x.tail = NO_POINT;
      x.hasCreated = false;
    }
    return x;
  }
}

/**
 * A sample value from body[s, e): plain decimals (up to 15 digits, as exact as Number() since
 * digits / 10^k is one correctly rounded division) without a string; anything else (exponents,
 * NaN, ±Inf, long mantissas) through parseValue as the general path does.
 */
function parseNumber(body: Buffer, s: number, e: number): number {
  let p = s;
  let neg = false;
  if (p < e && (body[p] === 45 || body[p] === 43)) {
    neg = body[p] === 45;
    p++;
  }
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; p < e; p++) {
    const c = body[p]!;
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else break;
  }
  if (p === e && digits > 0 && digits <= 15) {
    const v = frac > 0 ? m / powers10[frac]! : m;
    return neg ? -v : v;
  }
  const text = latin1(body, s, e);
  const v = parseValue(text);
  if (Number.isNaN(v) && text !== 'NaN' && text !== 'nan') throw NOT_IN_PLACE;
  return v;
}

/** metric_relabel_configs on parsed samples (the general path): relabeled labels, dropped series removed. */
export function applyMetricRelabel(r: ParseResult, rules: readonly RelabelRule[]): void {
  for (const f of r.families) {
    f.samples = f.samples.filter((s) => {
      const out = relabelSample(s.name, s.labels, rules);
      if (out) s.labels = out;
      return out !== undefined;
    });
  }
}

/** One sample's labels (flat pairs) through the rules, `__name__` included; undefined: dropped. */
function relabelSample(name: string, labels: readonly string[], rules: readonly RelabelRule[]): string[] | undefined {
  const m: Labels = new Map([['__name__', name]]);
  for (let i = 0; i < labels.length; i += 2) m.set(labels[i]!, labels[i + 1]!);
  const out = relabel(m, rules);
  if (!out) return undefined;
  const flat: string[] = [];
  for (const [k, v] of out) if (k !== '__name__') flat.push(k, v);
  return flat;
}
