// RED metrics from ExportTraceServiceRequest bytes: per service, span name, kind, status and
// the configured dimensions (http.route, gen_ai.request.model, …) a call counter, an error
// counter, a duration histogram with trace-id exemplars, GenAI token counters and, for spans
// fusion gave a GPU summary, a histogram of the GPU utilization while they ran. Only the needed
// fields are read from the bytes, with fusion's scanner.
import { anyValue, forEachAttribute } from '../../src/otlp/attributes-reader.js';
import { NO } from '../../src/otlp/fields.js';
import { SpanView } from '../../src/otlp/span-view.js';
import { keyToHex } from '../../src/fusion/model.js';
import { scanSpans, type ScannedSpan } from '../../src/fusion/span-scan.js';
import type { SpanMetricsConfig } from './config.js';
import { labelName } from './names.js';
import type { LabelPairs, Series, SeriesStore, UpsertResult } from './store.js';

const KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUSES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
export const GPU_UTIL_BUCKETS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

export interface SpanTally {
  spans: number;
  limited: number;
  conflicts: number;
}

export class SpanMetrics {
  private readonly dims: Map<string, string>;
  private readonly view = new SpanView();
  private readonly names: { calls: string; errors: string; duration: string; tokens: string; gpu: string };

  constructor(
    private readonly cfg: SpanMetricsConfig,
    private readonly store: SeriesStore,
  ) {
    this.dims = new Map(cfg.dimensions.map((d) => [d, labelName(d)]));
    const ns = cfg.namespace;
    this.names = { calls: `${ns}_calls`, errors: `${ns}_errors`, duration: `${ns}_duration_seconds`, tokens: `${ns}_tokens`, gpu: `${ns}_gpu_utilization_percent` };
  }

  add(buf: Uint8Array, nowMs: number): SpanTally {
    const spans: ScannedSpan[] = [];
    scanSpans(buf, spans);
    const tally: SpanTally = { spans: 0, limited: 0, conflicts: 0 };
    for (const span of spans) this.span(span, nowMs, tally);
    return tally;
  }

  private span(span: ScannedSpan, nowMs: number, tally: SpanTally): void {
    const raw = span.raw;
    let fragment = false;
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    let gpuUtil: number | undefined;
    const dimLabels: LabelPairs = [];
    forEachAttribute(raw, 0, raw.length, NO.Span.attributes, (key, vs, ve) => {
      const dim = this.dims.get(key);
      if (dim !== undefined) {
        const v = anyValue(raw, vs, ve);
        if (v !== undefined && !dimLabels.some(([k]) => k === dim)) dimLabels.push([dim, String(v)]);
      } else if (key === 'fusion.fragment') fragment = anyValue(raw, vs, ve) === true;
      else if (key === 'gen_ai.usage.input_tokens') inputTokens = Number(anyValue(raw, vs, ve));
      else if (key === 'gen_ai.usage.output_tokens') outputTokens = Number(anyValue(raw, vs, ve));
      else if (key === 'gpu.utilization.avg') gpuUtil = Number(anyValue(raw, vs, ve));
    });
    // a fusion follow-up fragment repeats a span already counted
    if (fragment) return;
    tally.spans++;
    const kind = this.view.read(raw, 0, raw.length).kind;
    const base: LabelPairs = [
      ['service_name', span.resource.service],
      ['span_name', span.name],
      ['span_kind', KINDS[kind] ?? 'SPAN_KIND_UNSPECIFIED'],
      ...dimLabels,
    ];
    const status = STATUSES[span.statusCode] ?? 'STATUS_CODE_UNSET';
    const seconds = span.endNs > span.startNs ? Number(span.endNs - span.startNs) / 1e9 : 0;
    const withStatus: LabelPairs = [...base, ['status_code', status]];
    const ok = (s: UpsertResult): s is Series => {
      if (s === 'limited') tally.limited++;
      else if (s === 'conflict') tally.conflicts++;
      else return true;
      return false;
    };
    const calls = this.store.upsert(this.names.calls, 'counter', 'Spans, by service, name, kind, status and dimensions.', '', [...withStatus], nowMs);
    if (ok(calls)) calls.value++;
    const errors = this.store.upsert(this.names.errors, 'counter', 'Spans with status ERROR.', '', [...base], nowMs);
    if (ok(errors) && span.statusCode === 2) errors.value++;
    const dur = this.store.upsert(this.names.duration, 'histogram', 'Span duration.', 'seconds', [...withStatus], nowMs);
    if (ok(dur)) {
      const i = observe(dur, this.cfg.buckets, seconds);
      if (this.cfg.exemplars && span.traceKey.length === 16) {
        dur.exemplars[i] = { traceId: keyToHex(span.traceKey), spanId: keyToHex(span.spanId), value: seconds, timestamp: Number(span.endNs / 1_000_000n) / 1000 };
      }
    }
    const tokens = (type: string, n: number | undefined): void => {
      if (n === undefined || !Number.isFinite(n) || n < 0) return;
      const s = this.store.upsert(this.names.tokens, 'counter', 'GenAI tokens (gen_ai.usage.*_tokens), by gen_ai.token.type.', '', [...base, ['gen_ai_token_type', type]], nowMs);
      if (ok(s)) s.value += n;
    };
    tokens('input', inputTokens);
    tokens('output', outputTokens);
    if (gpuUtil !== undefined && Number.isFinite(gpuUtil)) {
      const s = this.store.upsert(this.names.gpu, 'histogram', 'Average GPU utilization while a span ran (fusion gpu.utilization.avg).', 'percent', [...base], nowMs);
      if (ok(s)) observe(s, GPU_UTIL_BUCKETS, gpuUtil);
    }
  }
}

/** Adds one observation; returns the index of its bucket. */
function observe(s: { bounds: number[]; counts: number[]; sum: number; count: number }, bounds: number[], v: number): number {
  if (s.bounds !== bounds) {
    s.bounds = bounds;
    s.counts = new Array<number>(bounds.length + 1).fill(0);
  }
  let i = 0;
  while (i < bounds.length && v > bounds[i]!) i++;
  s.counts[i]!++;
  s.sum += v;
  s.count++;
  return i;
}
