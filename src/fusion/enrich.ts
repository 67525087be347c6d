// Writes fused traces back as OTLP: each span's original bytes plus appended fields — log
// events and GPU events (field 11), GPU summary and error attributes (field 9) and, where a
// GPU error failed the work and the application set no status, a status (field 15; protobuf
// merges a repeated singular message field by field, so an application's message stays).
// No span is decoded.
import { ProtoWriter } from '../otlp/proto-writer.js';
import type { FusedTrace, SpanPlan } from './assemble.js';
import { STATUS_ERROR } from './assemble.js';
import { writeBoolAttr, writeDoubleAttr, writeIntAttr, writeStringArrayAttr, writeStringAttr } from './attributes.js';
import type { GpuSummary } from './gpu-state.js';
import type { HeldSpan, LogEvent } from './model.js';

/** Encodes one or more fused traces as one ExportTraceServiceRequest. */
export function encodeTraces(traces: readonly FusedTrace[]): Uint8Array {
  const w = new ProtoWriter(64 * 1024);
  for (const { trace, plans } of traces) {
    // group spans by their resource and scope as scanned (object identity: no key is built per
    // span; spans that arrived in different requests get their own, equally valid, entries)
    const groups = new Map<Uint8Array, Map<Uint8Array, HeldSpan[]>>();
    for (const s of trace.spans) {
      let byScope = groups.get(s.resource.raw);
      if (!byScope) groups.set(s.resource.raw, (byScope = new Map()));
      const list = byScope.get(s.scope);
      if (list) list.push(s);
      else byScope.set(s.scope, [s]);
    }
    for (const [resource, byScope] of groups) for (const [scope, spans] of byScope) {
      w.tag(1, 2);
      w.fork();
      w.tag(1, 2);
      w.bytes(resource);
      w.tag(2, 2);
      w.fork();
      w.tag(1, 2);
      w.bytes(scope);
      for (const s of spans) {
        w.tag(2, 2);
        w.fork();
        w.raw(s.raw);
        const p = plans.get(s);
        if (p) writePlan(w, p);
        w.join();
      }
      w.join();
      w.join();
    }
  }
  return w.finish();
}

function writePlan(w: ProtoWriter, p: SpanPlan): void {
  for (const l of p.logs) writeLogEvent(w, l);
  if (p.gpu) writeGpuSummary(w, p.gpu);
  for (const e of p.events) {
    w.tag(11, 2);
    w.fork();
    w.tag(1, 1);
    w.fixed64(e.timeNs);
    w.tag(2, 2);
    w.string(e.kind);
    if (e.xid !== undefined) writeIntAttr(w, 3, 'gpu.xid', e.xid);
    writeStringAttr(w, 3, 'gpu.event.meaning', e.meaning);
    writeBoolAttr(w, 3, 'gpu.event.fatal', e.fatal);
    if (e.uuid) writeStringAttr(w, 3, 'gpu.uuid', e.uuid);
    if (e.message) writeStringAttr(w, 3, 'message', e.message);
    w.join();
  }
  if (p.gpuError) {
    writeStringAttr(w, 9, 'gpu.error.type', p.gpuError.kind);
    if (p.gpuError.xid !== undefined) writeIntAttr(w, 9, 'gpu.error.xid', p.gpuError.xid);
    writeStringAttr(w, 9, 'gpu.error.message', p.gpuError.meaning);
  }
  if (p.counts) {
    writeIntAttr(w, 9, 'gpu.event.count', p.counts.events);
    writeIntAttr(w, 9, 'gpu.xid.count', p.counts.xid);
    writeIntAttr(w, 9, 'gpu.error.count', p.counts.errors);
  }
  if (p.setStatus) {
    w.tag(15, 2);
    w.fork();
    if (p.setStatus.message !== undefined) {
      w.tag(2, 2);
      w.string(p.setStatus.message);
    }
    w.tag(3, 0);
    w.varint(STATUS_ERROR);
    w.join();
  }
}

function writeGpuSummary(w: ProtoWriter, g: GpuSummary): void {
  writeStringAttr(w, 9, 'gpu.uuid', g.uuid);
  if (g.name !== undefined) writeStringAttr(w, 9, 'gpu.name', g.name);
  if (g.index !== undefined) writeIntAttr(w, 9, 'gpu.index', g.index);
  writeIntAttr(w, 9, 'gpu.samples', g.samples);
  if (g.beforeSpan) writeBoolAttr(w, 9, 'gpu.sample_before_span', true);
  if (g.utilizationAvg !== undefined) writeDoubleAttr(w, 9, 'gpu.utilization.avg', round(g.utilizationAvg));
  if (g.utilizationMax !== undefined) writeDoubleAttr(w, 9, 'gpu.utilization.max', round(g.utilizationMax));
  if (g.memoryUsedMax !== undefined) writeIntAttr(w, 9, 'gpu.memory.used.max', g.memoryUsedMax);
  if (g.memoryTotal !== undefined) writeIntAttr(w, 9, 'gpu.memory.total', g.memoryTotal);
  if (g.memoryUsedPercent !== undefined) writeDoubleAttr(w, 9, 'gpu.memory.used.percent', round(g.memoryUsedPercent));
  if (g.powerAvg !== undefined) writeDoubleAttr(w, 9, 'gpu.power.avg', round(g.powerAvg));
  if (g.temperatureMax !== undefined) writeDoubleAttr(w, 9, 'gpu.temperature.max', round(g.temperatureMax));
  if (g.throttleReasons.length > 0) writeStringArrayAttr(w, 9, 'gpu.throttle_reasons', g.throttleReasons);
}

function writeLogEvent(w: ProtoWriter, l: LogEvent): void {
  w.tag(11, 2);
  w.fork();
  w.tag(1, 1);
  w.fixed64(l.timeNs);
  w.tag(2, 2);
  w.string('log');
  writeIntAttr(w, 3, 'log.severity_number', l.severityNumber);
  if (l.severityText) writeStringAttr(w, 3, 'log.severity_text', l.severityText);
  if (l.body) {
    // the body's AnyValue bytes go in unchanged, whatever their type
    w.tag(3, 2);
    w.fork();
    w.tag(1, 2);
    w.string('log.body');
    w.tag(2, 2);
    w.bytes(l.body);
    w.join();
  }
  if (l.truncated) writeBoolAttr(w, 3, 'log.body.truncated', true);
  for (const a of l.attributes) {
    w.tag(3, 2);
    w.bytes(a);
  }
  w.join();
}

export const round = (v: number): number => Math.round(v * 100) / 100;
