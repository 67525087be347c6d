// One JSON document per fused trace, for analytics consumers (schema in docs/fusion.md). Built
// from the same plan as the OTLP output, so its status and GPU events agree with the spans.
import { STATUS_ERROR, type FusedTrace } from './assemble.js';
import { round } from './enrich.js';
import type { GpuSummary } from './gpu-state.js';
import type { GpuEvent } from './log-scan.js';
import { keyToHex } from './model.js';

function gpuJson(g: GpuSummary) {
  return {
    uuid: g.uuid,
    node: g.node === '' ? null : g.node,
    name: g.name ?? null,
    index: g.index ?? null,
    samples: g.samples,
    sample_before_span: g.beforeSpan,
    utilization_avg: g.utilizationAvg !== undefined ? round(g.utilizationAvg) : null,
    utilization_max: g.utilizationMax !== undefined ? round(g.utilizationMax) : null,
    memory_used_max_bytes: g.memoryUsedMax ?? null,
    memory_total_bytes: g.memoryTotal ?? null,
    memory_used_percent: g.memoryUsedPercent !== undefined ? round(g.memoryUsedPercent) : null,
    power_avg_watts: g.powerAvg !== undefined ? round(g.powerAvg) : null,
    temperature_max_celsius: g.temperatureMax ?? null,
    throttle_reasons: g.throttleReasons,
  };
}

const eventJson = (e: GpuEvent) => ({ time_unix_nano: e.timeNs.toString(), kind: e.kind, xid: e.xid ?? null, fatal: e.fatal, meaning: e.meaning, gpu_uuid: e.uuid ?? null });

const ms = (a: bigint, b: bigint): number => Math.round(Number(b - a) / 1e3) / 1e3;

export function fusedDocument(f: FusedTrace) {
  const { trace, plans, root } = f;
  const spans = trace.spans;
  let start = spans[0]?.startNs ?? 0n;
  let end = spans[0]?.endNs ?? 0n;
  for (const s of spans) {
    if (s.startNs < start) start = s.startNs;
    if (s.endNs > end) end = s.endNs;
  }
  const kernelCats = /kernel|gpu_memcpy|gpu_memset/;
  const rootGpu = root ? plans.get(root)?.gpu : undefined;
  return {
    trace_id: keyToHex(trace.key),
    service: root?.resource.service ?? spans[0]?.resource.service ?? '',
    root: root ? { span_id: keyToHex(root.spanId), name: root.name } : null,
    start_time_unix_nano: start.toString(),
    duration_ms: ms(start, end),
    status: f.status,
    gpu_event_counts: { events: f.counts.events, xid: f.counts.xid, errors: f.counts.errors },
    spans: spans.map((s) => {
      const p = plans.get(s);
      return {
        span_id: keyToHex(s.spanId),
        parent_span_id: keyToHex(s.parentId),
        name: s.name,
        service: s.resource.service,
        start_time_unix_nano: s.startNs.toString(),
        duration_ms: ms(s.startNs, s.endNs),
        status_code: p?.setStatus ? STATUS_ERROR : s.statusCode,
        ...(s.category ? { category: s.category } : {}),
        ...(p?.gpu ? { gpu: gpuJson(p.gpu) } : {}),
        ...(p && p.events.length > 0 ? { gpu_events: p.events.map(eventJson) } : {}),
      };
    }),
    logs: spans.flatMap((s) =>
      (plans.get(s)?.logs ?? []).map((l) => ({ span_id: keyToHex(s.spanId), time_unix_nano: l.timeNs.toString(), severity_number: l.severityNumber, severity_text: l.severityText, body: l.bodyText, ...(l.truncated ? { body_truncated: true } : {}) })),
    ),
    gpu: rootGpu ? gpuJson(rootGpu) : null,
    kernels: spans.filter((s) => s.category !== undefined && kernelCats.test(s.category)).map((s) => ({ span_id: keyToHex(s.spanId), parent_span_id: keyToHex(s.parentId), name: s.name, duration_ms: ms(s.startNs, s.endNs) })),
    anomalies: [] as { metric: string; value: number; step?: number }[],
  };
}

export type FusedDocument = ReturnType<typeof fusedDocument>;
