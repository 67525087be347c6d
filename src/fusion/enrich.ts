// Writes a fused trace back as OTLP: each span's original bytes plus appended fields — log
// events (field 11), GPU summary attributes (field 9) and, on an XID/ECC error, a status
// (field 15, merged over the original by protobuf's last-one-wins rule). No span is decoded.
import { ProtoWriter } from '../otlp/proto-writer.js';
import { writeDoubleAttr, writeIntAttr, writeStringArrayAttr, writeStringAttr } from './attributes.js';
import type { GpuSummary } from './gpu-state.js';
import type { HeldSpan, HeldTrace, LogEvent } from './model.js';
import { xidMeaning } from './xid.js';

export interface SpanExtras {
  logs: LogEvent[];
  gpu: GpuSummary | undefined;
}

/** Encodes one or more fused traces as one ExportTraceServiceRequest. */
export function encodeTraces(traces: readonly { trace: HeldTrace; extras: Map<HeldSpan, SpanExtras> }[]): Uint8Array {
  const w = new ProtoWriter(64 * 1024);
  for (const { trace, extras } of traces) {
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
        const x = extras.get(s);
        if (x) writeExtras(w, x);
        w.join();
      }
      w.join();
      w.join();
    }
  }
  return w.finish();
}

function writeExtras(w: ProtoWriter, x: SpanExtras): void {
  for (const l of x.logs) writeLogEvent(w, l);
  const g = x.gpu;
  if (g) {
    writeStringAttr(w, 9, 'gpu.uuid', g.uuid);
    if (g.utilizationAvg !== undefined) writeDoubleAttr(w, 9, 'gpu.utilization.avg', round(g.utilizationAvg));
    if (g.utilizationMax !== undefined) writeDoubleAttr(w, 9, 'gpu.utilization.max', round(g.utilizationMax));
    if (g.memoryUsedMax !== undefined) writeIntAttr(w, 9, 'gpu.memory.used.max', g.memoryUsedMax);
    if (g.powerAvg !== undefined) writeDoubleAttr(w, 9, 'gpu.power.avg', round(g.powerAvg));
    if (g.temperatureMax !== undefined) writeDoubleAttr(w, 9, 'gpu.temperature.max', round(g.temperatureMax));
    if (g.throttleReasons.length > 0) writeStringArrayAttr(w, 9, 'gpu.throttle_reasons', g.throttleReasons);
    let errorMessage: string | undefined;
    for (const e of g.events) {
      w.tag(11, 2);
      w.fork();
      w.tag(1, 1);
      w.fixed64(e.timeNs);
      w.tag(2, 2);
      w.string(e.xid !== undefined ? 'gpu.xid' : `gpu.${e.kind}`);
      if (e.xid !== undefined) {
        writeIntAttr(w, 3, 'gpu.xid', e.xid);
        writeStringAttr(w, 3, 'gpu.xid.meaning', xidMeaning(e.xid));
      }
      writeStringAttr(w, 3, 'gpu.uuid', g.uuid);
      if (e.message) writeStringAttr(w, 3, 'message', e.message);
      w.join();
      const isError = e.xid !== undefined || /double|dbe|unavailable|lost/i.test(e.kind);
      if (isError && errorMessage === undefined) errorMessage = e.xid !== undefined ? `GPU XID ${e.xid}: ${xidMeaning(e.xid)}` : `GPU ${e.kind}: ${e.message}`;
    }
    if (errorMessage !== undefined) {
      w.tag(15, 2);
      w.fork();
      w.tag(2, 2);
      w.string(errorMessage);
      w.tag(3, 0);
      w.varint(2); // STATUS_CODE_ERROR
      w.join();
    }
  }
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
  for (const a of l.attributes) {
    w.tag(3, 2);
    w.bytes(a);
  }
  w.join();
}

const round = (v: number): number => Math.round(v * 100) / 100;
