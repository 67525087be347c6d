// Reads spans out of ExportTraceServiceRequest bytes: raw bytes plus the fields fusion needs.
import { walkRequest } from '../../src/otlp/walk.js';
import { NO } from '../../src/otlp/fields.js';
import { SpanView } from '../../src/otlp/span-view.js';
import { anyValue, forEachAttribute } from '../../src/otlp/attributes-reader.js';
import { idKey, type HeldSpan, type ResourceInfo } from './model.js';

export interface ScannedSpan extends HeldSpan {
  traceKey: string;
}

const EMPTY: Uint8Array = new Uint8Array(0);

export function scanResource(buf: Uint8Array, start: number, end: number): ResourceInfo {
  const info: ResourceInfo = { raw: buf.subarray(start, end), service: '', gpuUuid: undefined, pid: undefined, node: undefined };
  let host: string | undefined;
  forEachAttribute(buf, start, end, NO.Resource.attributes, (key, vs, ve) => {
    if (key === 'service.name') info.service = String(anyValue(buf, vs, ve) ?? '');
    else if (key === 'gpu.uuid') info.gpuUuid = String(anyValue(buf, vs, ve) ?? '');
    else if (key === 'process.pid') info.pid = Number(anyValue(buf, vs, ve));
    else if (key === 'host.name') host = String(anyValue(buf, vs, ve) ?? '');
    else if (key === 'k8s.node.name') info.node = String(anyValue(buf, vs, ve) ?? '');
  });
  info.node ??= host;
  return info;
}

export function scanSpans(buf: Uint8Array, out: ScannedSpan[]): void {
  let scope: Uint8Array | undefined;
  let scopeStart = -1;
  let scopeEnd = -1;
  const view = new SpanView();
  walkRequest(
    buf,
    (start, end) => (end > start ? scanResource(buf, start, end) : { raw: EMPTY, service: '', gpuUuid: undefined, pid: undefined, node: undefined }),
    (start, end, ctx) => {
      // one scope view per scope, shared by its spans (encodeTraces groups by identity)
      if (scopeStart !== ctx.scopeStart || scopeEnd !== ctx.scopeEnd || scope === undefined) {
        scopeStart = ctx.scopeStart;
        scopeEnd = ctx.scopeEnd;
        scope = buf.subarray(scopeStart, scopeEnd);
      }
      out.push(scanSpan(view, buf, start, end, ctx.resource, scope));
    },
  );
}

function scanSpan(view: SpanView, buf: Uint8Array, start: number, end: number, resource: ResourceInfo, scope: Uint8Array): ScannedSpan {
  const v = view.read(buf, start, end);
  const span: ScannedSpan = {
    traceKey: idKey(buf, v.traceIdStart, v.traceIdEnd), resource, scope, raw: buf.subarray(start, end),
    spanId: idKey(buf, v.spanIdStart, v.spanIdEnd), parentId: idKey(buf, v.parentStart, v.parentEnd), name: v.name(),
    startNs: v.startTimeNs(), endNs: v.endTimeNs(), statusCode: v.statusCode, statusMessage: v.statusMessageEnd > v.statusMessageStart,
    gpuUuid: undefined, pid: undefined, category: undefined,
  };
  forEachAttribute(buf, start, end, NO.Span.attributes, (key, vs, ve) => {
    if (key === 'gpu.uuid') span.gpuUuid = String(anyValue(buf, vs, ve) ?? '');
    else if (key === 'process.pid') span.pid = Number(anyValue(buf, vs, ve));
    else if (key === 'pytorch.category' || key === 'kineto.category') span.category = String(anyValue(buf, vs, ve) ?? '');
  });
  return span;
}
