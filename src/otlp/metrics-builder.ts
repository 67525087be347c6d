// ExportMetricsServiceRequest bytes: metrics and their data points of every type.
//   const b = new MetricsBuilder();
//   b.beginResource(resourceBytes); b.beginScope('my-scope', '1.0');
//   b.beginMetric('requests', 'Requests served.', '1'); b.beginSum(TEMPORALITY_CUMULATIVE, true);
//   b.beginNumberPoint(); b.stringAttr('route', '/'); b.startTimeMs(t0); b.timeMs(t); b.doubleValue(42);
//   b.endPoint(); b.endMetric(); b.endScope(); b.endResource(); const bytes = b.finish();
// Point fields written by a method the point's type lacks (a value on a histogram point) throw.
import { writeStringAttribute } from './attributes-writer.js';
import { KEY } from './fields.js';
import { ProtoWriter } from './proto-writer.js';
import { RequestBuilder } from './request-builder.js';
import { varintSize } from './wire.js';

const M = KEY.Metric;
const NP = KEY.NumberDataPoint;
const HP = KEY.HistogramDataPoint;
const EP = KEY.ExponentialHistogramDataPoint;
const SP = KEY.SummaryDataPoint;
const EB = KEY['ExponentialHistogramDataPoint.Buckets'];
const VQ = KEY['SummaryDataPoint.ValueAtQuantile'];

export const TEMPORALITY_UNSPECIFIED = 0;
export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;
/** DataPointFlags.FLAG_NO_RECORDED_VALUE */
export const FLAG_NO_RECORDED_VALUE = 1;

const NONE = -1;

/** Gauge and Sum data points have one field number, so one key size. */
const POINT_KEY_SIZE = varintSize(KEY.Gauge.dataPoints);
if (KEY.Sum.dataPoints !== KEY.Gauge.dataPoints) throw new Error('OTLP schema: Gauge and Sum data points differ');

/** Bytes a NumberDataPoint written by `numberPoint` takes in its Gauge or Sum, key and length included. */
export function numberPointSize(attrsLength: number, hasStart: boolean): number {
  const len = attrsLength + (hasStart ? 27 : 18);
  return POINT_KEY_SIZE + varintSize(len) + len;
}

/** Bytes of a string field (none when empty and `optional`). */
function stringFieldSize(key: number, s: string, optional: boolean): number {
  if (optional && s === '') return 0;
  const n = Buffer.byteLength(s, 'utf8');
  return varintSize(key) + varintSize(n) + n;
}

/** Keys of the fields a point type has (NONE where it has not). */
interface PointKeys {
  attributes: number;
  start: number;
  time: number;
  flags: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

const NUMBER: PointKeys = { attributes: NP.attributes, start: NP.startTimeUnixNano, time: NP.timeUnixNano, flags: NP.flags, count: NONE, sum: NONE, min: NONE, max: NONE };
const HISTOGRAM: PointKeys = { attributes: HP.attributes, start: HP.startTimeUnixNano, time: HP.timeUnixNano, flags: HP.flags, count: HP.count, sum: HP.sum, min: HP.min, max: HP.max };
const EXPONENTIAL: PointKeys = { attributes: EP.attributes, start: EP.startTimeUnixNano, time: EP.timeUnixNano, flags: EP.flags, count: EP.count, sum: EP.sum, min: EP.min, max: EP.max };
const SUMMARY: PointKeys = { attributes: SP.attributes, start: SP.startTimeUnixNano, time: SP.timeUnixNano, flags: SP.flags, count: SP.count, sum: SP.sum, min: NONE, max: NONE };

export class MetricsBuilder extends RequestBuilder {
  private point: PointKeys = NUMBER;
  private dataOpen = false;
  /** key of the data points field of the open Gauge/Sum/Histogram/... */
  private pointsKey = 0;
  /** where the open sized metric (beginNumberMetric) must end; -1: none open */
  private sizedEnd = -1;

  constructor(initialBytes = 64 * 1024) {
    super('metrics', initialBytes);
  }

  override reset(): void {
    super.reset();
    this.sizedEnd = -1;
    this.dataOpen = false;
  }

  /** Opens a Metric; then one of beginGauge/beginSum/beginHistogram/beginExponentialHistogram/beginSummary. */
  beginMetric(name: string, description = '', unit = ''): void {
    this.beginItem(M.metadata);
    this.metricFields(name, description, unit);
  }

  /** Metric name, description and unit (the last two when not empty). */
  private metricFields(name: string, description: string, unit: string): void {
    const w = this.w;
    w.key(M.name);
    w.string(name);
    if (description !== '') {
      w.key(M.description);
      w.string(description);
    }
    if (unit !== '') {
      w.key(M.unit);
      w.string(unit);
    }
  }

  /** Sum's temporality and monotonicity. */
  private sumFields(temporality: number, monotonic: boolean): void {
    const w = this.w;
    w.key(KEY.Sum.aggregationTemporality);
    w.varint(temporality);
    if (monotonic) {
      w.key(KEY.Sum.isMonotonic);
      w.varint(1);
    }
  }

  /**
   * Opens a Gauge (`sum` undefined) or Sum metric whose NumberDataPoints, written with
   * `numberPoint`, take `pointsLength` bytes (numberPointSize each). Every length is written up
   * front, so the metric's bytes are never moved. endMetric checks the points add up.
   */
  beginNumberMetric(name: string, description: string, unit: string, sum: { temporality: number; monotonic: boolean } | undefined, pointsLength: number): void {
    let dataLength = pointsLength;
    if (sum) dataLength += varintSize(KEY.Sum.aggregationTemporality) + varintSize(sum.temporality) + (sum.monotonic ? varintSize(KEY.Sum.isMonotonic) + 1 : 0);
    const dataKey = sum ? M.sum : M.gauge;
    const length = stringFieldSize(M.name, name, false) + stringFieldSize(M.description, description, true) + stringFieldSize(M.unit, unit, true) + varintSize(dataKey) + varintSize(dataLength) + dataLength;
    this.beginSizedItem(M.metadata, length);
    this.metricFields(name, description, unit);
    const w = this.w;
    w.key(dataKey);
    w.varint(dataLength);
    if (sum) this.sumFields(sum.temporality, sum.monotonic);
    this.dataOpen = false;
    this.point = NUMBER;
    this.pointsKey = sum ? KEY.Sum.dataPoints : KEY.Gauge.dataPoints;
    this.sizedEnd = w.pos + pointsLength;
  }

  /** Closes the metric (and its data). */
  endMetric(): void {
    if (this.sizedEnd >= 0) {
      const end = this.sizedEnd;
      this.sizedEnd = -1;
      if (this.w.pos !== end) throw new Error(`OTLP builder: the metric's points took ${this.w.pos - end} bytes more than announced`);
      return;
    }
    if (this.dataOpen) this.w.join();
    this.dataOpen = false;
    this.w.join();
  }

  private beginData(key: number, pointsKey: number, point: PointKeys): void {
    this.w.key(key);
    this.w.fork();
    this.dataOpen = true;
    this.pointsKey = pointsKey;
    this.point = point;
  }

  beginGauge(): void {
    this.beginData(M.gauge, KEY.Gauge.dataPoints, NUMBER);
  }

  beginSum(temporality: number, monotonic: boolean): void {
    this.beginData(M.sum, KEY.Sum.dataPoints, NUMBER);
    this.sumFields(temporality, monotonic);
  }

  beginHistogram(temporality: number): void {
    this.beginData(M.histogram, KEY.Histogram.dataPoints, HISTOGRAM);
    this.w.key(KEY.Histogram.aggregationTemporality);
    this.w.varint(temporality);
  }

  beginExponentialHistogram(temporality: number): void {
    this.beginData(M.exponentialHistogram, KEY.ExponentialHistogram.dataPoints, EXPONENTIAL);
    this.w.key(KEY.ExponentialHistogram.aggregationTemporality);
    this.w.varint(temporality);
  }

  beginSummary(): void {
    this.beginData(M.summary, KEY.Summary.dataPoints, SUMMARY);
  }

  /**
   * A whole NumberDataPoint of the open Gauge or Sum: attributes are src[at, at + length), as
   * writeNumberPointAttributes wrote them; start time (NaN: none), time and double value. Its
   * length is known up front, so no nested-message bookkeeping (fork/join moves the point's
   * bytes) per point.
   */
  numberPoint(src: Uint8Array, at: number, length: number, startMs: number, timeMs: number, value: number): void {
    if (this.point !== NUMBER) this.has(NONE, 'as_double');
    const hasStart = !Number.isNaN(startMs);
    const w = this.w;
    w.key(this.pointsKey);
    w.varint(length + (hasStart ? 27 : 18)); // fixed64 and double fields: 1-byte key + 8
    w.rawFrom(src, at, at + length);
    if (hasStart) {
      w.key(NP.startTimeUnixNano);
      w.fixed64Ms(startMs);
    }
    w.key(NP.timeUnixNano);
    w.fixed64Ms(timeMs);
    w.key(NP.asDouble);
    w.double(value);
    this.items++;
  }

  /** Opens a data point of the open metric's type. */
  beginPoint(): void {
    this.w.key(this.pointsKey);
    this.w.fork();
    this.attrKey = this.point.attributes;
  }

  endPoint(): void {
    this.w.join();
    this.attrKey = M.metadata;
    this.items++;
  }

  startTime(ns: bigint): void {
    this.w.key(this.point.start);
    this.w.fixed64(ns);
  }

  startTimeMs(ms: number): void {
    this.w.key(this.point.start);
    this.w.fixed64Ms(ms);
  }

  time(ns: bigint): void {
    this.w.key(this.point.time);
    this.w.fixed64(ns);
  }

  timeMs(ms: number): void {
    this.w.key(this.point.time);
    this.w.fixed64Ms(ms);
  }

  flags(f: number): void {
    this.w.key(this.point.flags);
    this.w.varint(f);
  }

  private has(key: number, what: string): number {
    if (key === NONE) throw new Error(`OTLP builder: this data point type has no ${what}`);
    return key;
  }

  /** NumberDataPoint.as_double */
  doubleValue(v: number): void {
    if (this.point !== NUMBER) this.has(NONE, 'as_double');
    this.w.key(NP.asDouble);
    this.w.double(v);
  }

  /** NumberDataPoint.as_int */
  intValue(v: number | bigint): void {
    if (this.point !== NUMBER) this.has(NONE, 'as_int');
    this.w.key(NP.asInt);
    this.w.fixed64(BigInt(v));
  }

  /** count of a histogram, exponential histogram or summary point (a non-negative integer) */
  count(n: number): void {
    this.w.key(this.has(this.point.count, 'count'));
    this.w.fixed64Number(n);
  }

  sum(v: number): void {
    this.w.key(this.has(this.point.sum, 'sum'));
    this.w.double(v);
  }

  min(v: number): void {
    this.w.key(this.has(this.point.min, 'min'));
    this.w.double(v);
  }

  max(v: number): void {
    this.w.key(this.has(this.point.max, 'max'));
    this.w.double(v);
  }

  /** HistogramDataPoint.bucket_counts (packed): `n` counts from `counts`, each a non-negative integer. */
  bucketCounts(counts: ArrayLike<number>, n = counts.length): void {
    if (this.point !== HISTOGRAM) this.has(NONE, 'bucket_counts');
    const w = this.w;
    w.key(HP.bucketCounts);
    w.varint(n * 8);
    for (let i = 0; i < n; i++) w.fixed64Number(counts[i]!);
  }

  /** One HistogramDataPoint exemplar: a measured value with the span it came from. */
  exemplar(timeNs: bigint, value: number, traceId: Uint8Array, spanId: Uint8Array): void {
    if (this.point !== HISTOGRAM) this.has(NONE, 'exemplars');
    const w = this.w;
    w.key(HP.exemplars);
    w.fork();
    w.key(KEY.Exemplar.timeUnixNano);
    w.fixed64(timeNs);
    w.key(KEY.Exemplar.asDouble);
    w.double(value);
    w.key(KEY.Exemplar.spanId);
    w.bytes(spanId);
    w.key(KEY.Exemplar.traceId);
    w.bytes(traceId);
    w.join();
  }

  /** HistogramDataPoint.explicit_bounds (packed); nothing is written for none. */
  explicitBounds(bounds: ArrayLike<number>, n = bounds.length): void {
    if (this.point !== HISTOGRAM) this.has(NONE, 'explicit_bounds');
    if (n === 0) return;
    const w = this.w;
    w.key(HP.explicitBounds);
    w.varint(n * 8);
    for (let i = 0; i < n; i++) w.double(bounds[i]!);
  }

  /** SummaryDataPoint.quantile_values entry */
  quantile(q: number, value: number): void {
    if (this.point !== SUMMARY) this.has(NONE, 'quantile_values');
    const w = this.w;
    w.key(SP.quantileValues);
    w.fork();
    w.key(VQ.quantile);
    w.double(q);
    w.key(VQ.value);
    w.double(value);
    w.join();
  }

  /** ExponentialHistogramDataPoint scale, zero count and zero threshold */
  exponentialScale(scale: number, zeroCount: number, zeroThreshold = 0): void {
    if (this.point !== EXPONENTIAL) this.has(NONE, 'scale');
    const w = this.w;
    w.key(EP.scale);
    w.varint(scale >= 0 ? scale * 2 : -scale * 2 - 1); // sint32 zigzag
    w.key(EP.zeroCount);
    w.fixed64Number(zeroCount);
    if (zeroThreshold !== 0) {
      w.key(EP.zeroThreshold);
      w.double(zeroThreshold);
    }
  }

  /** ExponentialHistogramDataPoint positive (or negative) buckets */
  exponentialBuckets(negative: boolean, offset: number, counts: ArrayLike<number>): void {
    if (this.point !== EXPONENTIAL) this.has(NONE, 'buckets');
    const w = this.w;
    w.key(negative ? EP.negative : EP.positive);
    w.fork();
    w.key(EB.offset);
    w.varint(offset >= 0 ? offset * 2 : -offset * 2 - 1);
    if (counts.length > 0) {
      w.key(EB.bucketCounts);
      w.fork();
      for (let i = 0; i < counts.length; i++) w.varint(counts[i]!);
      w.join();
    }
    w.join();
  }
}

/** NumberDataPoint attributes (flat [key, value, …] strings) written to `w`, as `numberPoint` takes them. */
export function writeNumberPointAttributes(w: ProtoWriter, pairs: readonly string[]): void {
  for (let i = 0; i < pairs.length; i += 2) writeStringAttribute(w, NP.attributes, pairs[i]!, pairs[i + 1]!);
}

/** NumberDataPoint attributes (flat [key, value, …] strings) as bytes for `numberPoint`. */
export function encodeNumberPointAttributes(pairs: readonly string[]): Uint8Array {
  const w = new ProtoWriter(256);
  writeNumberPointAttributes(w, pairs);
  return w.finish();
}
