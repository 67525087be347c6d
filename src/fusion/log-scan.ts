// Reads log records that carry a trace context out of ExportLogsServiceRequest bytes, and GPU
// events (XID, ECC) that the NVML receiver emits as log records.
import { walkRequest } from '../otlp/walk.js';
import { Reader } from '../otlp/wire.js';
import { anyValue, forEachAttribute } from './attributes.js';
import { idKey, type LogEvent } from './model.js';
import { scanResource } from './span-scan.js';

export interface TracedLog {
  traceKey: string;
  spanKey: string;
  event: LogEvent;
}

export interface GpuEvent {
  uuid: string | undefined;
  host: string | undefined;
  timeNs: bigint;
  xid: number | undefined;
  kind: string;
  message: string;
}

export function scanLogs(buf: Uint8Array, traced: TracedLog[], gpuEvents: GpuEvent[]): void {
  walkRequest(
    buf,
    (start, end) => (end > start ? scanResource(buf, start, end) : undefined),
    (start, end, ctx) => scanRecord(buf, start, end, traced, gpuEvents, ctx.resource?.gpuUuid, ctx.resource?.host),
  );
}

function scanRecord(buf: Uint8Array, start: number, end: number, traced: TracedLog[], gpuEvents: GpuEvent[], resUuid: string | undefined, host: string | undefined): void {
  let traceKey = '';
  let spanKey = '';
  const event: LogEvent = { timeNs: 0n, severityNumber: 0, severityText: '', body: undefined, bodyText: '', attributes: [] };
  let observed = 0n;
  const r = new Reader(buf, start, end);
  while (r.more()) {
    r.tag();
    switch (r.field) {
      case 1:
        event.timeNs = r.fixed64Big();
        break;
      case 11:
        observed = r.fixed64Big();
        break;
      case 2:
        event.severityNumber = r.varint();
        break;
      case 3:
        r.lenBounds();
        event.severityText = Buffer.from(buf.buffer, buf.byteOffset + r.start, r.stop - r.start).toString('utf8');
        break;
      case 5: {
        r.lenBounds();
        event.body = buf.slice(r.start, r.stop);
        const v = anyValue(buf, r.start, r.stop);
        event.bodyText = v === undefined ? '' : String(v);
        break;
      }
      case 9:
        r.lenBounds();
        if (r.stop - r.start === 16) traceKey = idKey(buf, r.start, r.stop);
        break;
      case 10:
        r.lenBounds();
        if (r.stop - r.start === 8) spanKey = idKey(buf, r.start, r.stop);
        break;
      default:
        r.skip();
    }
  }
  if (event.timeNs === 0n) event.timeNs = observed;
  let xid: number | undefined;
  let uuid = resUuid;
  let kind = '';
  forEachAttribute(buf, start, end, 6, (key, vs, ve, ks, ke) => {
    if (key === 'gpu.xid' || key === 'nvml.xid') xid = Number(anyValue(buf, vs, ve));
    else if (key === 'gpu.uuid') uuid = String(anyValue(buf, vs, ve) ?? '');
    else if (key === 'event.name' || key === 'nvml.event.type' || key === 'gpu.event') kind = String(anyValue(buf, vs, ve) ?? '');
    if (traceKey !== '') event.attributes.push(buf.slice(ks, ke));
  });
  if (xid !== undefined || /xid|ecc|gpu\.unavailable|gpu_lost/i.test(kind)) {
    gpuEvents.push({ uuid, host, timeNs: event.timeNs, xid, kind: kind || (xid !== undefined ? 'xid' : 'gpu'), message: event.bodyText });
  }
  if (traceKey !== '' && /[^\0]/.test(traceKey)) traced.push({ traceKey, spanKey, event });
}
