// Reads spans out of ExportTraceServiceRequest bytes: raw bytes plus the fields fusion needs.
import { decodeUtf8, Reader } from '../otlp/wire.js';
import { anyValue, forEachAttribute } from './attributes.js';
import { idKey, type HeldSpan, type ResourceInfo } from './model.js';

export interface ScannedSpan extends HeldSpan {
  traceKey: string;
}

const EMPTY: Uint8Array = new Uint8Array(0);

export function scanResource(buf: Uint8Array, start: number, end: number): ResourceInfo {
  const info: ResourceInfo = { raw: buf.subarray(start, end), service: '', gpuUuid: undefined, pid: undefined, host: undefined };
  forEachAttribute(buf, start, end, 1, (key, vs, ve) => {
    if (key === 'service.name') info.service = String(anyValue(buf, vs, ve) ?? '');
    else if (key === 'gpu.uuid') info.gpuUuid = String(anyValue(buf, vs, ve) ?? '');
    else if (key === 'process.pid') info.pid = Number(anyValue(buf, vs, ve));
    else if (key === 'host.name' && info.host === undefined) info.host = String(anyValue(buf, vs, ve) ?? '');
    else if (key === 'k8s.node.name') info.host = String(anyValue(buf, vs, ve) ?? '');
  });
  return info;
}

export function scanSpans(buf: Uint8Array, out: ScannedSpan[]): void {
  const top = new Reader(buf);
  while (top.more()) {
    top.tag();
    if (top.field !== 1 || top.wt !== 2) {
      top.skip();
      continue;
    }
    top.lenBounds();
    const rsEnd = top.stop;
    const rs = new Reader(buf, top.start, rsEnd);
    let resource: ResourceInfo = { raw: EMPTY, service: '', gpuUuid: undefined, pid: undefined, host: undefined };
    const scopes: [number, number][] = [];
    while (rs.more()) {
      rs.tag();
      if (rs.field === 1 && rs.wt === 2) {
        rs.lenBounds();
        resource = scanResource(buf, rs.start, rs.stop);
      } else if (rs.field === 2 && rs.wt === 2) {
        rs.lenBounds();
        scopes.push([rs.start, rs.stop]);
      } else rs.skip();
    }
    for (const [ss, se] of scopes) {
      const sr = new Reader(buf, ss, se);
      let scope = EMPTY;
      const spans: [number, number][] = [];
      while (sr.more()) {
        sr.tag();
        if (sr.field === 1 && sr.wt === 2) {
          sr.lenBounds();
          scope = buf.subarray(sr.start, sr.stop);
        } else if (sr.field === 2 && sr.wt === 2) {
          sr.lenBounds();
          spans.push([sr.start, sr.stop]);
        } else sr.skip();
      }
      for (const [s, e] of spans) out.push(scanSpan(buf, s, e, resource, scope));
    }
  }
}

function scanSpan(buf: Uint8Array, start: number, end: number, resource: ResourceInfo, scope: Uint8Array): ScannedSpan {
  const span: ScannedSpan = {
    traceKey: '', resource, scope, raw: buf.subarray(start, end), spanId: '', parentId: '', name: '',
    startNs: 0n, endNs: 0n, statusCode: 0, gpuUuid: undefined, pid: undefined, category: undefined,
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
          else st.skip();
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
    else if (key === 'kineto.category' || key === 'profiler.category') span.category = String(anyValue(buf, vs, ve) ?? '');
  });
  return span;
}
