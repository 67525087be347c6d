// Reads spans out of ExportTraceServiceRequest bytes: raw bytes plus the fields fusion needs.
import { walkRequest } from '../otlp/walk.js';
import { decodeUtf8, Reader } from '../otlp/wire.js';
import { anyValue, forEachAttribute } from './attributes.js';
import { idKey, type HeldSpan, type ResourceInfo } from './model.js';

export interface ScannedSpan extends HeldSpan {
  traceKey: string;
}

const EMPTY: Uint8Array = new Uint8Array(0);

export function scanResource(buf: Uint8Array, start: number, end: number): ResourceInfo {
  const info: ResourceInfo = { raw: buf.subarray(start, end), service: '', gpuUuid: undefined, pid: undefined, node: undefined };
  let host: string | undefined;
  forEachAttribute(buf, start, end, 1, (key, vs, ve) => {
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
      out.push(scanSpan(buf, start, end, ctx.resource, scope));
    },
  );
}

function scanSpan(buf: Uint8Array, start: number, end: number, resource: ResourceInfo, scope: Uint8Array): ScannedSpan {
  const span: ScannedSpan = {
    traceKey: '', resource, scope, raw: buf.subarray(start, end), spanId: '', parentId: '', name: '',
    startNs: 0n, endNs: 0n, statusCode: 0, statusMessage: false, gpuUuid: undefined, pid: undefined, category: undefined,
  };
  const r = new Reader(buf, start, end);
  while (r.more()) {
    r.tag();
    switch (r.field) {
      case 1:
        r.lenBounds();
        span.traceKey = idKey(buf, r.start, r.stop);
        break;
      case 2:
        r.lenBounds();
        span.spanId = idKey(buf, r.start, r.stop);
        break;
      case 4:
        r.lenBounds();
        span.parentId = idKey(buf, r.start, r.stop);
        break;
      case 5:
        r.lenBounds();
        span.name = decodeUtf8(buf, r.start, r.stop);
        break;
      case 7:
        span.startNs = r.fixed64Big();
        break;
      case 8:
        span.endNs = r.fixed64Big();
        break;
      case 15: {
        r.lenBounds();
        const st = new Reader(buf, r.start, r.stop);
        while (st.more()) {
          st.tag();
          if (st.field === 3) span.statusCode = st.varint();
          else if (st.field === 2 && st.wt === 2) {
            st.lenBounds();
            span.statusMessage ||= st.stop > st.start;
          } else st.skip();
        }
        break;
      }
      default:
        r.skip();
    }
  }
  forEachAttribute(buf, start, end, 9, (key, vs, ve) => {
    if (key === 'gpu.uuid') span.gpuUuid = String(anyValue(buf, vs, ve) ?? '');
    else if (key === 'process.pid') span.pid = Number(anyValue(buf, vs, ve));
    else if (key === 'pytorch.category' || key === 'kineto.category') span.category = String(anyValue(buf, vs, ve) ?? '');
  });
  return span;
}
