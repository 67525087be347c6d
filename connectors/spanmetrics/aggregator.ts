// Aggregates spans into cumulative RED series with the contrib spanmetricsconnector's names:
// `<namespace>.calls` (sum) and `<namespace>.duration` (histogram), by service.name,
// span.name, span.kind, status.code and the configured dimensions, per resource. Two series
// of our own ride along: GenAI tokens (`<namespace>.tokens`, by gen_ai.token.type) and, for
// spans fusion gave a GPU summary, `<namespace>.gpu.utilization` (histogram, %). Fusion's
// late-log fragments repeat a span already counted and are skipped.
import { anyValue, forEachAttribute } from '../../src/otlp/attributes-reader.js';
import { NO } from '../../src/otlp/fields.js';
import { MetricsBuilder, TEMPORALITY_CUMULATIVE } from '../../src/otlp/metrics-builder.js';
import { SpanView } from '../../src/otlp/span-view.js';
import { walkRequest } from '../../src/otlp/walk.js';
import type { SpanMetricsConfig } from './config.js';

const KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUSES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
export const GPU_UTIL_BUCKETS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

type Kind = 'calls' | 'duration' | 'tokens' | 'gpu';

interface Series {
  kind: Kind;
  resource: Uint8Array;
  attrs: [string, string][];
  /** calls and tokens: the running total */
  value: number;
  counts: number[];
  sum: number;
  count: number;
  /** duration: the latest span per bucket since the last flush (the link from a bucket to a trace) */
  exemplars: ({ timeNs: bigint; value: number; traceId: Uint8Array; spanId: Uint8Array } | undefined)[];
}

interface Res {
  raw: Uint8Array;
  key: string;
  service: string;
  attrs: Map<string, string>;
}

export interface AddResult {
  spans: number;
  limited: number;
}

export class SpanMetricsAggregator {
  private readonly series = new Map<string, Series>();
  private readonly view = new SpanView();
  private readonly bounds: number[];
  private readonly startNs: bigint;
  private dirty = false;

  constructor(private readonly cfg: SpanMetricsConfig, nowMs: number) {
    this.bounds = cfg.histogram.unit === 's' ? cfg.histogram.bucketsMs.map((b) => b / 1000) : cfg.histogram.bucketsMs;
    this.startNs = BigInt(nowMs) * 1_000_000n;
  }

  get size(): number {
    return this.series.size;
  }

  add(buf: Uint8Array): AddResult {
    const out: AddResult = { spans: 0, limited: 0 };
    walkRequest(
      buf,
      (start, end): Res => {
        const attrs = new Map<string, string>();
        forEachAttribute(buf, start, end, NO.Resource.attributes, (k, vs, ve) => attrs.set(k, String(anyValue(buf, vs, ve) ?? '')));
        const raw = buf.slice(start, end);
        return { raw, key: Buffer.from(raw).toString('latin1'), service: attrs.get('service.name') ?? '', attrs };
      },
      (start, end, ctx) => this.span(buf, start, end, ctx.resource, out),
    );
    if (out.spans > 0) this.dirty = true;
    return out;
  }

  private span(buf: Uint8Array, start: number, end: number, res: Res, out: AddResult): void {
    const v = this.view.read(buf, start, end);
    const spanAttrs = new Map<string, string>();
    let fragment = false;
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    let gpuUtil: number | undefined;
    forEachAttribute(buf, start, end, NO.Span.attributes, (key, vs, ve) => {
      const val = anyValue(buf, vs, ve);
      if (key === 'fusion.fragment') fragment = val === true;
      else if (key === 'gen_ai.usage.input_tokens') inputTokens = Number(val);
      else if (key === 'gen_ai.usage.output_tokens') outputTokens = Number(val);
      else if (key === 'gpu.utilization.avg') gpuUtil = Number(val);
      if (val !== undefined) spanAttrs.set(key, String(val));
    });
    if (fragment) return;
    out.spans++;
    const base: [string, string][] = [
      ['service.name', res.service],
      ['span.name', v.name()],
      ['span.kind', KINDS[v.kind] ?? 'SPAN_KIND_UNSPECIFIED'],
    ];
    for (const d of this.cfg.dimensions) {
      const val = spanAttrs.get(d.name) ?? res.attrs.get(d.name) ?? d.default;
      if (val !== undefined) base.push([d.name, val]);
    }
    const withStatus: [string, string][] = [...base, ['status.code', STATUSES[v.statusCode] ?? 'STATUS_CODE_UNSET']];
    const startNs = v.startTimeNs();
    const endNs = v.endTimeNs();
    const ms = endNs > startNs ? Number(endNs - startNs) / 1e6 : 0;
    const calls = this.get('calls', res, withStatus, out);
    if (calls) calls.value++;
    const dur = this.get('duration', res, withStatus, out);
    if (dur) {
      const value = this.cfg.histogram.unit === 's' ? ms / 1000 : ms;
      const i = observe(dur, this.bounds, value);
      if (v.traceIdEnd - v.traceIdStart === 16) dur.exemplars[i] = { timeNs: endNs, value, traceId: v.traceId().slice(), spanId: v.spanId().slice() };
    }
    for (const [type, n] of [['input', inputTokens], ['output', outputTokens]] as const) {
      if (n === undefined || !Number.isFinite(n) || n < 0) continue;
      const s = this.get('tokens', res, [...base, ['gen_ai.token.type', type]], out);
      if (s) s.value += n;
    }
    if (gpuUtil !== undefined && Number.isFinite(gpuUtil)) {
      const s = this.get('gpu', res, base, out);
      if (s) observe(s, GPU_UTIL_BUCKETS, gpuUtil);
    }
  }

  private get(kind: Kind, res: Res, attrs: [string, string][], out: AddResult): Series | undefined {
    const key = `${kind}\u0000${res.key}\u0000${attrs.map(([k, v]) => `${k}=${v}`).join('\u0001')}`;
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= this.cfg.cardinalityLimit) {
        out.limited++;
        return undefined;
      }
      const n = kind === 'duration' ? this.bounds.length + 1 : kind === 'gpu' ? GPU_UTIL_BUCKETS.length + 1 : 0;
      s = { kind, resource: res.raw, attrs, value: 0, counts: new Array<number>(n).fill(0), sum: 0, count: 0, exemplars: [] };
      this.series.set(key, s);
    }
    return s;
  }

  /** Every series, cumulative since start, as one ExportMetricsServiceRequest; undefined when nothing changed. */
  collect(nowMs: number): { data: Uint8Array; items: number } | undefined {
    if (!this.dirty) return undefined;
    this.dirty = false;
    const ns = this.cfg.namespace;
    const nowNs = BigInt(nowMs) * 1_000_000n;
    const byResource = new Map<Uint8Array, Series[]>();
    for (const s of this.series.values()) {
      const list = byResource.get(s.resource);
      if (list) list.push(s);
      else byResource.set(s.resource, [s]);
    }
    const b = new MetricsBuilder(64 * 1024);
    let items = 0;
    const metric = (list: Series[], kind: Kind, write: () => void): void => {
      const mine = list.filter((s) => s.kind === kind);
      if (mine.length === 0) return;
      write();
      for (const s of mine) {
        b.beginPoint();
        b.startTime(this.startNs);
        b.time(nowNs);
        for (const [k, v] of s.attrs) b.stringAttr(k, v);
        if (kind === 'calls' || kind === 'tokens') b.intValue(s.value);
        else {
          b.count(s.count);
          b.sum(s.sum);
          b.bucketCounts(s.counts);
          b.explicitBounds(kind === 'gpu' ? GPU_UTIL_BUCKETS : this.bounds);
          for (const e of s.exemplars) if (e) b.exemplar(e.timeNs, e.value, e.traceId, e.spanId);
          s.exemplars = [];
        }
        b.endPoint();
        items++;
      }
      b.endMetric();
    };
    // resources keep their identity (one entry each, as the spans had them)
    const seen = new Map<string, Series[]>();
    for (const [raw, list] of byResource) {
      const k = Buffer.from(raw).toString('latin1');
      seen.set(k, [...(seen.get(k) ?? []), ...list]);
    }
    for (const list of seen.values()) {
      b.beginResource(list[0]!.resource);
      b.beginScope('ai-trace-collector/spanmetrics');
      metric(list, 'calls', () => {
        b.beginMetric(`${ns}.calls`, 'Spans, by service, name, kind, status and dimensions.', '');
        b.beginSum(TEMPORALITY_CUMULATIVE, true);
      });
      metric(list, 'duration', () => {
        b.beginMetric(`${ns}.duration`, 'Span duration.', this.cfg.histogram.unit);
        b.beginHistogram(TEMPORALITY_CUMULATIVE);
      });
      metric(list, 'tokens', () => {
        b.beginMetric(`${ns}.tokens`, 'GenAI tokens (gen_ai.usage.*_tokens), by gen_ai.token.type.', '{token}');
        b.beginSum(TEMPORALITY_CUMULATIVE, true);
      });
      metric(list, 'gpu', () => {
        b.beginMetric(`${ns}.gpu.utilization`, 'Average GPU utilization while a span ran (fusion gpu.utilization.avg).', '%');
        b.beginHistogram(TEMPORALITY_CUMULATIVE);
      });
      b.endScope();
      b.endResource();
    }
    return { data: b.finish(), items };
  }
}

/** Adds one observation; returns its bucket. */
function observe(s: Series, bounds: readonly number[], v: number): number {
  let i = 0;
  while (i < bounds.length && v > bounds[i]!) i++;
  s.counts[i]!++;
  s.sum += v;
  s.count++;
  return i;
}
