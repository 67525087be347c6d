// Reads log records that carry a trace context out of ExportLogsServiceRequest bytes, and GPU
// events that the NVML receiver emits as log records (kind = the record's event name).
import { walkRequest } from '../otlp/walk.js';
import { decodeUtf8, Reader } from '../otlp/wire.js';
import { anyValue, forEachAttribute } from './attributes.js';
import { eventPolicy, isGpuEventKind } from './gpu-events.js';
import { capStringBody, type LogAttributeFilter } from './log-filter.js';
import { idKey, type LogEvent, type ResourceInfo } from './model.js';
import { scanResource } from './span-scan.js';

export interface TracedLog {
  traceKey: string;
  spanKey: string;
  event: LogEvent;
  /** bytes held for it */
  size: number;
}

export interface GpuEvent {
  node: string | undefined;
  uuid: string | undefined;
  timeNs: bigint;
  /** the NVML receiver's event name: gpu.xid, gpu.ecc.double_bit, gpu.lost, … */
  kind: string;
  xid: number | undefined;
  fatal: boolean;
  meaning: string;
  message: string;
}

interface LogResource {
  info: ResourceInfo;
  keys: Set<string>;
}

export interface LogScanOptions {
  filter: LogAttributeFilter;
  maxBodyBytes: number;
}

export function scanLogs(buf: Uint8Array, traced: TracedLog[], gpuEvents: GpuEvent[], opts: LogScanOptions): void {
  walkRequest(
    buf,
    (start, end): LogResource | undefined => {
      if (end <= start) return undefined;
      const keys = new Set<string>();
      forEachAttribute(buf, start, end, 1, (key) => keys.add(key));
      return { info: scanResource(buf, start, end), keys };
    },
    (start, end, ctx) => scanRecord(buf, start, end, traced, gpuEvents, ctx.resource, opts),
  );
}

const NO_KEYS: ReadonlySet<string> = new Set();

function scanRecord(buf: Uint8Array, start: number, end: number, traced: TracedLog[], gpuEvents: GpuEvent[], res: LogResource | undefined, opts: LogScanOptions): void {
  let traceKey = '';
  let spanKey = '';
  let eventName = '';
  const event: LogEvent = { timeNs: 0n, severityNumber: 0, severityText: '', body: undefined, bodyText: '', truncated: false, attributes: [] };
  let observed = 0n;
  let size = 64;
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
        event.severityText = decodeUtf8(buf, r.start, r.stop);
        break;
      case 5: {
        r.lenBounds();
        const v = anyValue(buf, r.start, r.stop);
        const fits = r.stop - r.start <= opts.maxBodyBytes || (typeof v === 'string' && Buffer.byteLength(v) <= opts.maxBodyBytes);
        if (fits) {
          event.body = buf.slice(r.start, r.stop);
          event.bodyText = v === undefined ? '' : String(v);
        } else if (typeof v === 'string') {
          const capped = capStringBody(v, opts.maxBodyBytes);
          event.body = capped.body;
          event.bodyText = capped.text;
          event.truncated = true;
        } else event.truncated = true; // a structured body over the cap is left out
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
      case 12:
        r.lenBounds();
        eventName = decodeUtf8(buf, r.start, r.stop);
        break;
      default:
        r.skip();
    }
  }
  if (event.timeNs === 0n) event.timeNs = observed;
  let xid: number | undefined;
  let uuid = res?.info.gpuUuid;
  let nameAttr = '';
  const isTraced = traceKey !== '' && /[^\0]/.test(traceKey);
  const resourceKeys = res?.keys ?? NO_KEYS;
  forEachAttribute(buf, start, end, 6, (key, vs, ve, ks, ke) => {
    if (key === 'gpu.xid') xid = Number(anyValue(buf, vs, ve));
    else if (key === 'gpu.uuid') uuid = String(anyValue(buf, vs, ve) ?? '');
    else if (key === 'event.name') nameAttr = String(anyValue(buf, vs, ve) ?? '');
    if (isTraced && opts.filter.keep(key, resourceKeys)) {
      event.attributes.push(buf.slice(ks, ke));
      size += ke - ks;
    }
  });
  // one field, one meaning: the record's event name (the attribute is its older spelling)
  const kind = eventName || nameAttr;
  if (isGpuEventKind(kind)) {
    const policy = eventPolicy(kind, xid);
    gpuEvents.push({ node: res?.info.node, uuid: uuid || undefined, timeNs: event.timeNs, kind, xid: kind === 'gpu.xid' ? xid : undefined, fatal: policy.fatal, meaning: policy.meaning, message: event.bodyText });
  }
  if (isTraced) traced.push({ traceKey, spanKey, event, size: size + (event.body?.length ?? 0) });
}
