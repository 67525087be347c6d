// One JSON document per fused trace, for analytics consumers (schema in docs/fusion.md).
import type { GpuSummary } from './gpu-state.js';
import { keyToHex, type HeldSpan, type HeldTrace } from './model.js';
import type { SpanExtras } from './enrich.js';
import { xidMeaning } from './xid.js';

export interface FusedDocument {
  trace_id: string;
  service: string;
  root: { span_id: string; name: string } | null;
  start_time_unix_nano: string;
  duration_ms: number;
  status: 'ok' | 'error';
  spans: {
    span_id: string;
    parent_span_id: string;
    name: string;
    service: string;
    start_time_unix_nano: string;
    duration_ms: number;
    status_code: number;
    category?: string;
    gpu?: ReturnType<typeof gpuJson>;
  }[];
  logs: { span_id: string; time_unix_nano: string; severity_number: number; severity_text: string; body: string }[];
  gpu: ReturnType<typeof gpuJson> | null;
  kernels: { span_id: string; parent_span_id: string; name: string; duration_ms: number }[];
  anomalies: { metric: string; value: number; step?: number }[];
}

function gpuJson(g: GpuSummary) {
  return {
    uuid: g.uuid,
    utilization_avg: g.utilizationAvg ?? null,
    utilization_max: g.utilizationMax ?? null,
    memory_used_max_bytes: g.memoryUsedMax ?? null,
    power_avg_watts: g.powerAvg ?? null,
    temperature_max_celsius: g.temperatureMax ?? null,
    throttle_reasons: g.throttleReasons,
    events: g.events.map((e) => ({ time_unix_nano: e.timeNs.toString(), kind: e.kind, xid: e.xid ?? null, meaning: e.xid !== undefined ? xidMeaning(e.xid) : e.message })),
  };
}

const ms = (a: bigint, b: bigint): number => Math.round(Number(b - a) / 1e3) / 1e3;

export function fusedDocument(trace: HeldTrace, extras: Map<HeldSpan, SpanExtras>, anomalies: FusedDocument['anomalies'] = []): FusedDocument {
  const spans = trace.spans;
  const root = spans.find((s) => s.parentId === '' || /^\0+$/.test(s.parentId) || !spans.some((p) => p.spanId === s.parentId));
  let start = spans[0]?.startNs ?? 0n;
  let end = spans[0]?.endNs ?? 0n;
  for (const s of spans) {
    if (s.startNs < start) start = s.startNs;
    if (s.endNs > end) end = s.endNs;
  }
  const kernelCats = /kernel|gpu_memcpy|gpu_memset/;
  const rootGpu = root ? extras.get(root)?.gpu : undefined;
  return {
    trace_id: keyToHex(trace.key),
    service: root?.resource.service ?? spans[0]?.resource.service ?? '',
    root: root ? { span_id: keyToHex(root.spanId), name: root.name } : null,
    start_time_unix_nano: start.toString(),
    duration_ms: ms(start, end),
    status: spans.some((s) => s.statusCode === 2 || extras.get(s)?.gpu?.events.some((e) => e.xid !== undefined)) ? 'error' : 'ok',
    spans: spans.map((s) => {
      const g = extras.get(s)?.gpu;
      return {
        span_id: keyToHex(s.spanId),
        parent_span_id: keyToHex(s.parentId),
        name: s.name,
        service: s.resource.service,
        start_time_unix_nano: s.startNs.toString(),
        duration_ms: ms(s.startNs, s.endNs),
        status_code: s.statusCode,
        ...(s.category ? { category: s.category } : {}),
        ...(g ? { gpu: gpuJson(g) } : {}),
      };
    }),
    logs: spans.flatMap((s) =>
      (extras.get(s)?.logs ?? []).map((l) => ({ span_id: keyToHex(s.spanId), time_unix_nano: l.timeNs.toString(), severity_number: l.severityNumber, severity_text: l.severityText, body: l.bodyText })),
    ),
    gpu: rootGpu ? gpuJson(rootGpu) : null,
    kernels: spans.filter((s) => s.category !== undefined && kernelCats.test(s.category)).map((s) => ({ span_id: keyToHex(s.spanId), parent_span_id: keyToHex(s.parentId), name: s.name, duration_ms: ms(s.startNs, s.endNs) })),
    anomalies,
  };
}
