// A Metric and its data points read in place: the one data-point reading loop.
//   for (c.begin(buf); c.nextResource(); ) for (; c.nextScope(); ) for (; c.nextItem(); ) {
//     m.read(buf, c.itemStart, c.itemEnd);
//     for (p.begin(m); p.next(); ) use(m.type, p.value, p.timeMs(), ...);
//   }
// Arrays on the point (bucketCounts, explicitBounds, quantiles) are reused for the next
// point: copy them to keep them.
import type { AttributeCursor } from './attributes-reader.js';
import { NO } from './fields.js';
import { decodeUtf8, Reader } from './wire.js';

const M = NO.Metric;
const NP = NO.NumberDataPoint;
const HP = NO.HistogramDataPoint;
const EP = NO.ExponentialHistogramDataPoint;
const SP = NO.SummaryDataPoint;
const VQ = NO['SummaryDataPoint.ValueAtQuantile'];
const X = NO.Exemplar;
const EMPTY = new Uint8Array(0);

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary' | '';

// Every data message numbers its points, temporality and monotonic flag alike.
const POINTS = NO.Gauge.dataPoints;
const TEMPORALITY = NO.Sum.aggregationTemporality;
const MONOTONIC = NO.Sum.isMonotonic;
if (
  NO.Sum.dataPoints !== POINTS || NO.Histogram.dataPoints !== POINTS || NO.ExponentialHistogram.dataPoints !== POINTS ||
  NO.Summary.dataPoints !== POINTS || NO.Histogram.aggregationTemporality !== TEMPORALITY ||
  NO.ExponentialHistogram.aggregationTemporality !== TEMPORALITY
) throw new Error('metric-view: data messages number their fields differently');

export class MetricView {
  buf: Uint8Array = EMPTY;
  name = '';
  description = '';
  unit = '';
  type: MetricType = '';
  temporality = 0;
  monotonic = false;
  /** bounds of the Gauge/Sum/... message */
  dataStart = 0;
  dataEnd = 0;
  private readonly r = new Reader(EMPTY);

  read(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.name = this.description = this.unit = '';
    this.type = '';
    this.temporality = 0;
    this.monotonic = false;
    this.dataStart = this.dataEnd = 0;
    const r = this.r.target(buf, start, end);
    while (r.more()) {
      r.tag();
      if (r.wt !== 2) {
        r.skip();
        continue;
      }
      r.lenBounds();
      const f = r.field;
      if (f === M.name) this.name = decodeUtf8(buf, r.start, r.stop);
      else if (f === M.description) this.description = decodeUtf8(buf, r.start, r.stop);
      else if (f === M.unit) this.unit = decodeUtf8(buf, r.start, r.stop);
      else {
        const t: MetricType = f === M.gauge ? 'gauge' : f === M.sum ? 'sum' : f === M.histogram ? 'histogram'
          : f === M.exponentialHistogram ? 'exponential_histogram' : f === M.summary ? 'summary' : '';
        if (t === '') continue;
        this.type = t;
        this.dataStart = r.start;
        this.dataEnd = r.stop;
      }
    }
    if (this.type !== '') {
      const d = r.reset(this.dataStart, this.dataEnd);
      while (d.more()) {
        d.tag();
        if (d.field === TEMPORALITY && d.wt === 0) this.temporality = d.varint32();
        else if (d.field === MONOTONIC && d.wt === 0) this.monotonic = d.varint() !== 0;
        else d.skip();
      }
    }
    return this;
  }
}

/** Iterates the data points of a MetricView; the fields below describe the current point. */
export class DataPointCursor {
  buf: Uint8Array = EMPTY;
  type: MetricType = '';
  start = 0;
  end = 0;
  /** nanoseconds as JS numbers (sub-µs precision lost; 0 when absent) */
  startTimeNs = 0;
  timeNs = 0;
  flags = 0;
  /** a number point's value (as_int converted), NaN when absent */
  value = NaN;
  isInt = false;
  count = 0;
  /** NaN when absent */
  sum = NaN;
  min = NaN;
  max = NaN;
  readonly bucketCounts: number[] = [];
  readonly explicitBounds: number[] = [];
  /** histogram exemplars: value, time (ns as a JS number) and hex ids */
  readonly exemplars: { value: number; timeNs: number; traceId: string; spanId: string }[] = [];
  /** summary quantiles as [quantile, value] pairs, flattened */
  readonly quantiles: number[] = [];
  /** exponential histogram scale and zero count */
  scale = 0;
  zeroCount = 0;
  private attrField = 0;
  private readonly list = new Reader(EMPTY);
  private readonly p = new Reader(EMPTY);
  private readonly q = new Reader(EMPTY);

  begin(m: MetricView): this {
    this.buf = m.buf;
    this.type = m.type;
    this.list.target(m.buf, m.dataStart, m.dataEnd);
    this.attrField = m.type === 'histogram' ? HP.attributes : m.type === 'exponential_histogram' ? EP.attributes : m.type === 'summary' ? SP.attributes : NP.attributes;
    return this;
  }

  /** time in ms, rounded to the µs (a JS number cannot hold epoch ns exactly) */
  timeMs(): number {
    return Math.round(this.timeNs / 1000) / 1000;
  }

  next(): boolean {
    const l = this.list;
    while (l.more()) {
      l.tag();
      if (l.field !== POINTS || l.wt !== 2) {
        l.skip();
        continue;
      }
      l.lenBounds();
      this.point(l.start, l.stop);
      return true;
    }
    return false;
  }

  attributes(c: AttributeCursor): AttributeCursor {
    return c.begin(this.buf, this.start, this.end, this.attrField);
  }

  private point(start: number, end: number): void {
    this.start = start;
    this.end = end;
    this.startTimeNs = this.timeNs = this.flags = this.count = this.scale = this.zeroCount = 0;
    this.value = this.sum = this.min = this.max = NaN;
    this.isInt = false;
    this.bucketCounts.length = 0;
    this.explicitBounds.length = 0;
    this.exemplars.length = 0;
    this.quantiles.length = 0;
    const p = this.p.target(this.buf, start, end);
    const type = this.type;
    while (p.more()) {
      p.tag();
      const f = p.field;
      const wt = p.wt;
      // start, time and flags number alike in every point type (checked below)
      if (f === NP.startTimeUnixNano && wt === 1) this.startTimeNs = p.fixed64();
      else if (f === NP.timeUnixNano && wt === 1) this.timeNs = p.fixed64();
      else if (type === 'gauge' || type === 'sum') {
        if (f === NP.asDouble && wt === 1) {
          this.value = p.double();
          this.isInt = false;
        } else if (f === NP.asInt && wt === 1) {
          this.value = Number(BigInt.asIntN(64, p.fixed64Big()));
          this.isInt = true;
        } else if (f === NP.flags && wt === 0) this.flags = p.varint32();
        else p.skip();
      } else if (type === 'histogram') {
        if (f === HP.count && wt === 1) this.count = p.fixed64();
        else if (f === HP.sum && wt === 1) this.sum = p.double();
        else if (f === HP.bucketCounts) readFixed64s(p, this.bucketCounts);
        else if (f === HP.explicitBounds) readDoubles(p, this.explicitBounds);
        else if (f === HP.exemplars && wt === 2) {
          p.lenBounds();
          this.exemplars.push(readExemplar(this.q.target(this.buf, p.start, p.stop)));
        }
        else if (f === HP.flags && wt === 0) this.flags = p.varint32();
        else if (f === HP.min && wt === 1) this.min = p.double();
        else if (f === HP.max && wt === 1) this.max = p.double();
        else p.skip();
      } else if (type === 'summary') {
        if (f === SP.count && wt === 1) this.count = p.fixed64();
        else if (f === SP.sum && wt === 1) this.sum = p.double();
        else if (f === SP.quantileValues && wt === 2) {
          p.lenBounds();
          let qq = 0;
          let qv = 0;
          const q = this.q.target(this.buf, p.start, p.stop);
          while (q.more()) {
            q.tag();
            if (q.field === VQ.quantile && q.wt === 1) qq = q.double();
            else if (q.field === VQ.value && q.wt === 1) qv = q.double();
            else q.skip();
          }
          this.quantiles.push(qq, qv);
        } else if (f === SP.flags && wt === 0) this.flags = p.varint32();
        else p.skip();
      } else if (type === 'exponential_histogram') {
        if (f === EP.count && wt === 1) this.count = p.fixed64();
        else if (f === EP.sum && wt === 1) this.sum = p.double();
        else if (f === EP.scale && wt === 0) {
          const z = p.varint32();
          this.scale = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        } else if (f === EP.zeroCount && wt === 1) this.zeroCount = p.fixed64();
        else if (f === EP.flags && wt === 0) this.flags = p.varint32();
        else if (f === EP.min && wt === 1) this.min = p.double();
        else if (f === EP.max && wt === 1) this.max = p.double();
        else p.skip();
      } else p.skip();
    }
  }
}

if (
  HP.startTimeUnixNano !== NP.startTimeUnixNano || EP.startTimeUnixNano !== NP.startTimeUnixNano || SP.startTimeUnixNano !== NP.startTimeUnixNano ||
  HP.timeUnixNano !== NP.timeUnixNano || EP.timeUnixNano !== NP.timeUnixNano || SP.timeUnixNano !== NP.timeUnixNano
) throw new Error('metric-view: data point types number their times differently');

/** A repeated fixed64 field, packed or not. */
function readFixed64s(p: Reader, out: number[]): void {
  if (p.wt === 2) {
    p.lenBounds();
    const after = p.pos;
    p.pos = p.start;
    while (p.pos + 8 <= p.stop) out.push(p.fixed64());
    p.pos = after;
  } else if (p.wt === 1) out.push(p.fixed64());
  else p.skip();
}

/** A repeated double field, packed or not. */
function readDoubles(p: Reader, out: number[]): void {
  if (p.wt === 2) {
    p.lenBounds();
    const after = p.pos;
    p.pos = p.start;
    while (p.pos + 8 <= p.stop) out.push(p.double());
    p.pos = after;
  } else if (p.wt === 1) out.push(p.double());
  else p.skip();
}

function readExemplar(q: Reader): { value: number; timeNs: number; traceId: string; spanId: string } {
  const e = { value: NaN, timeNs: 0, traceId: '', spanId: '' };
  while (q.more()) {
    q.tag();
    const f = q.field;
    if (f === X.timeUnixNano && q.wt === 1) e.timeNs = q.fixed64();
    else if (f === X.asDouble && q.wt === 1) e.value = q.double();
    else if (f === X.asInt && q.wt === 1) e.value = Number(BigInt.asIntN(64, q.fixed64Big()));
    else if ((f === X.traceId || f === X.spanId) && q.wt === 2) {
      q.lenBounds();
      const hex = Buffer.from(q.buf.subarray(q.start, q.stop)).toString('hex');
      if (f === X.traceId) e.traceId = hex;
      else e.spanId = hex;
    } else q.skip();
  }
  return e;
}
