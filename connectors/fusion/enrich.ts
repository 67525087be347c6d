// Writes fused traces back as OTLP: each span's original bytes plus appended fields — log
// events and GPU events, GPU summary and error attributes and, where a GPU error failed the
// work and the application set no status, a status (code only when the application wrote a
// message: protobuf merges a repeated singular message field by field, so its message stays).
// No span is decoded.
import { STATUS_CODE_ERROR, TracesBuilder } from '../../src/otlp/traces-builder.js';
import type { FusedTrace, SpanPlan } from './assemble.js';
import type { GpuSummary } from './gpu-state.js';
import { writeOutlineSpan } from './late-window.js';
import type { HeldSpan, LogEvent } from './model.js';
import { SpanGroups } from './span-groups.js';

/**
 * Encodes fused traces as one ExportTraceServiceRequest. Spans are grouped by their resource and
 * scope as scanned (object identity: no key is built per span; see span-groups.ts), across the
 * traces, so spans that arrived together go out together. A span nothing joined is copied with
 * its entry as it came, consecutive ones in one copy; a joined span is its original fields plus
 * the appended ones.
 */
export function encodeTraces(traces: readonly FusedTrace[], b: TracesBuilder = new TracesBuilder(64 * 1024)): Uint8Array {
  writeTraces(traces, b);
  return b.finish();
}

/**
 * The same, left in `b` (and with `outline`, what the late window keeps of each span, grouped
 * alike, left in `outline`): the caller takes the requests out of the builders. `groups`: the
 * grouping structures to reuse (emptied again before this returns); `count`: only traces[0, count)
 * are written (a reused list).
 */
export function writeTraces(traces: readonly FusedTrace[], b: TracesBuilder, outline?: TracesBuilder, groups: SpanGroups = new SpanGroups(), count = traces.length): void {
  let plans: Map<HeldSpan, SpanPlan> | undefined;
  for (let t = 0; t < count; t++) plans = groupTrace(traces[t]!, groups, plans);
  writeGrouped(groups, plans, b, outline);
}

/**
 * Adds a fused trace's spans to `groups`, and its plans (if any) to `plans` (made when first
 * needed): returns `plans`. A caller that already walks its traces groups them in the same pass
 * (FusionCore.emit: a pass over tens of thousands of held traces costs a cache miss per object).
 */
export function groupTrace(f: FusedTrace, groups: SpanGroups, plans: Map<HeldSpan, SpanPlan> | undefined): Map<HeldSpan, SpanPlan> | undefined {
  if (f.plans.size > 0) {
    plans ??= new Map();
    for (const [s, p] of f.plans) plans.set(s, p);
  }
  const spans = f.trace.spans;
  for (let i = 0; i < spans.length; i++) groups.add(spans[i]!);
  return plans;
}

/** Writes what `groups` holds into `b` (and `outline`), then empties `groups` (its structures are kept). */
export function writeGrouped(groups: SpanGroups, plans: ReadonlyMap<HeldSpan, SpanPlan> | undefined, b: TracesBuilder, outline?: TracesBuilder): void {
  b.reset();
  outline?.reset();
  try {
    writeGroups(groups, plans, b, outline);
  } finally {
    groups.clear();
  }
}

function writeGroups(groups: SpanGroups, plans: ReadonlyMap<HeldSpan, SpanPlan> | undefined, b: TracesBuilder, outline: TracesBuilder | undefined): void {
  for (let i = 0; i < groups.count; i++) {
    const r = groups.resources[i]!;
    b.beginResource(r.resource);
    for (let j = 0; j < r.count; j++) {
      const { scope, spans, count } = r.scopes[j]!;
      b.beginScope(scope);
      writeSpans(b, spans, count, plans);
      b.endScope();
      if (outline !== undefined) {
        outline.beginResource(r.resource);
        outline.beginScope(scope);
        for (let k = 0; k < count; k++) writeOutlineSpan(outline, spans[k]!);
        outline.endScope();
        outline.endResource();
      }
    }
    b.endResource();
  }
}

/** The spans of one scope: runs of adjacent untouched entries of one buffer go in one copy. */
function writeSpans(b: TracesBuilder, spans: readonly HeldSpan[], count: number, plans: ReadonlyMap<HeldSpan, SpanPlan> | undefined): void {
  let runBuf: Uint8Array | undefined;
  let runStart = 0;
  let runEnd = 0;
  let runCount = 0;
  for (let i = 0; i < count; i++) {
    const s = spans[i]!;
    const p = plans?.get(s);
    if (p === undefined && s.entryStart >= 0) {
      if (runBuf === s.buf && runEnd === s.entryStart) {
        runEnd = s.end;
        runCount++;
        continue;
      }
      if (runBuf !== undefined) b.spanEntries(runBuf, runStart, runEnd, runCount);
      runBuf = s.buf;
      runStart = s.entryStart;
      runEnd = s.end;
      runCount = 1;
      continue;
    }
    if (runBuf !== undefined) b.spanEntries(runBuf, runStart, runEnd, runCount);
    runBuf = undefined;
    b.beginSpan();
    b.rawFieldsFrom(s.buf, s.start, s.end);
    if (p) writePlan(b, p);
    b.endSpan();
  }
  if (runBuf !== undefined) b.spanEntries(runBuf, runStart, runEnd, runCount);
}

function writePlan(b: TracesBuilder, p: SpanPlan): void {
  for (const l of p.logs) writeLogEvent(b, l);
  for (const e of p.events) {
    b.beginEvent(e.timeNs, e.kind);
    if (e.xid !== undefined) b.intAttr('gpu.xid', e.xid);
    b.stringAttr('gpu.event.meaning', e.meaning);
    b.boolAttr('gpu.event.fatal', e.fatal);
    if (e.uuid) b.stringAttr('gpu.uuid', e.uuid);
    if (e.message) b.stringAttr('message', e.message);
    b.endEvent();
  }
  if (p.gpu) writeGpuSummary(b, p.gpu);
  if (p.gpuError) {
    b.stringAttr('gpu.error.type', p.gpuError.kind);
    if (p.gpuError.xid !== undefined) b.intAttr('gpu.error.xid', p.gpuError.xid);
    b.stringAttr('gpu.error.message', p.gpuError.meaning);
  }
  if (p.counts) {
    b.intAttr('gpu.event.count', p.counts.events);
    b.intAttr('gpu.xid.count', p.counts.xid);
    b.intAttr('gpu.error.count', p.counts.errors);
  }
  if (p.setStatus) b.status(STATUS_CODE_ERROR, p.setStatus.message ?? '');
}

function writeGpuSummary(b: TracesBuilder, g: GpuSummary): void {
  b.stringAttr('gpu.uuid', g.uuid);
  if (g.name !== undefined) b.stringAttr('gpu.name', g.name);
  if (g.index !== undefined) b.intAttr('gpu.index', g.index);
  b.intAttr('gpu.samples', g.samples);
  if (g.beforeSpan) b.boolAttr('gpu.sample_before_span', true);
  if (g.utilizationAvg !== undefined) b.doubleAttr('gpu.utilization.avg', round(g.utilizationAvg));
  if (g.utilizationMax !== undefined) b.doubleAttr('gpu.utilization.max', round(g.utilizationMax));
  if (g.memoryUsedMax !== undefined) b.intAttr('gpu.memory.used.max', g.memoryUsedMax);
  if (g.memoryTotal !== undefined) b.intAttr('gpu.memory.total', g.memoryTotal);
  if (g.memoryUsedPercent !== undefined) b.doubleAttr('gpu.memory.used.percent', round(g.memoryUsedPercent));
  if (g.powerAvg !== undefined) b.doubleAttr('gpu.power.avg', round(g.powerAvg));
  if (g.temperatureMax !== undefined) b.doubleAttr('gpu.temperature.max', round(g.temperatureMax));
  if (g.throttleReasons.length > 0) b.attr('gpu.throttle_reasons', g.throttleReasons);
}

function writeLogEvent(b: TracesBuilder, l: LogEvent): void {
  b.beginEvent(l.timeNs, 'log');
  b.intAttr('log.severity_number', l.severityNumber);
  if (l.severityText) b.stringAttr('log.severity_text', l.severityText);
  // the body's AnyValue bytes go in unchanged, whatever their type
  if (l.body) b.valueBytesAttr('log.body', l.body);
  if (l.truncated) b.boolAttr('log.body.truncated', true);
  for (const a of l.attributes) b.keyValueBytes(a);
  b.endEvent();
}

export const round = (v: number): number => Math.round(v * 100) / 100;
