// Reads log records that carry a trace context out of ExportLogsServiceRequest bytes, and GPU
// events that the NVML receiver emits as log records (kind = the record's event name).
import { walkRequest } from '../../src/otlp/walk.js';
import { NO } from '../../src/otlp/fields.js';
import { LogRecordView } from '../../src/otlp/log-record-view.js';
import { anyValue, AttributeCursor, forEachAttribute, KeySet } from '../../src/otlp/attributes-reader.js';
import { FUSED_DOCUMENT_EVENT } from './fused-log-records.js';
import { eventPolicy, isGpuEventKind } from './gpu-events.js';
import { capStringBody, type LogAttributeFilter } from './log-filter.js';
import { idKey, isZeroId, type LogEvent, type ResourceInfo } from './model.js';
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

/** The record attributes a GPU event is read from, by index. */
const XID = 0;
const UUID = 1;
const EVENT_NAME = 2;
const GPU_KEYS = new KeySet(['gpu.xid', 'gpu.uuid', 'event.name']);

/** What one record's attributes say about a GPU event (reused from record to record). */
interface GpuAttrs {
  xid: number | undefined;
  uuid: string | undefined;
  nameAttr: string;
}

export function scanLogs(buf: Uint8Array, traced: TracedLog[], gpuEvents: GpuEvent[], opts: LogScanOptions): void {
  const view = new LogRecordView();
  const attrs = new AttributeCursor();
  const g: GpuAttrs = { xid: undefined, uuid: undefined, nameAttr: '' };
  walkRequest(
    buf,
    (start, end): LogResource | undefined => {
      if (end <= start) return undefined;
      const keys = new Set<string>();
      forEachAttribute(buf, start, end, NO.Resource.attributes, (key) => keys.add(key));
      return { info: scanResource(buf, start, end), keys };
    },
    (start, end, ctx) => scanRecord(view, attrs, g, buf, start, end, traced, gpuEvents, ctx.resource, opts),
  );
}

const NO_KEYS: ReadonlySet<string> = new Set();

function scanRecord(view: LogRecordView, a: AttributeCursor, g: GpuAttrs, buf: Uint8Array, start: number, end: number, traced: TracedLog[], gpuEvents: GpuEvent[], res: LogResource | undefined, opts: LogScanOptions): void {
  const v = view.read(buf, start, end);
  const isTraced = v.traceIdEnd - v.traceIdStart === 16 && !isZeroId(buf, v.traceIdStart, v.traceIdEnd);
  const eventName = v.eventNameEnd > v.eventNameStart ? v.eventName() : '';
  g.xid = undefined;
  g.uuid = res?.info.gpuUuid;
  g.nameAttr = '';
  if (!isTraced) {
    // most untraced records are neither: only the GPU event's attributes are looked at, as bytes
    for (v.attributes(a); a.nextIn(GPU_KEYS); ) readGpuAttr(a, g);
    if (!isGpuEventKind(eventName || g.nameAttr)) return;
  }
  const traceKey = isTraced ? idKey(buf, v.traceIdStart, v.traceIdEnd) : '';
  const spanKey = v.spanIdEnd - v.spanIdStart === 8 ? idKey(buf, v.spanIdStart, v.spanIdEnd) : '';
  const event: LogEvent = { timeNs: v.timeNs(), severityNumber: v.severityNumber, severityText: v.severityText(), body: undefined, bodyText: '', truncated: false, attributes: [] };
  let size = 64;
  if (v.bodyEnd > v.bodyStart) {
    const value = anyValue(buf, v.bodyStart, v.bodyEnd);
    const fits = v.bodyEnd - v.bodyStart <= opts.maxBodyBytes || (typeof value === 'string' && Buffer.byteLength(value) <= opts.maxBodyBytes);
    if (fits) {
      event.body = buf.slice(v.bodyStart, v.bodyEnd);
      event.bodyText = value === undefined ? '' : String(value);
    } else if (typeof value === 'string') {
      const capped = capStringBody(value, opts.maxBodyBytes);
      event.body = capped.body;
      event.bodyText = capped.text;
      event.truncated = true;
    } else event.truncated = true; // a structured body over the cap is left out
  }
  if (event.timeNs === 0n) event.timeNs = v.observedTimeNs();
  if (isTraced) {
    const resourceKeys = res?.keys ?? NO_KEYS;
    for (v.attributes(a); a.next(); ) {
      const k = GPU_KEYS.keys.indexOf(a.key);
      if (k >= 0) {
        a.keyIndex = k;
        readGpuAttr(a, g);
      }
      if (opts.filter.keep(a.key, resourceKeys)) {
        event.attributes.push(buf.slice(a.kvStart, a.kvEnd));
        size += a.kvEnd - a.kvStart;
      }
    }
  }
  // one field, one meaning: the record's event name (the attribute is its older spelling)
  const kind = eventName || g.nameAttr;
  if (kind === FUSED_DOCUMENT_EVENT) return; // fusion's own output coming round again
  if (isGpuEventKind(kind)) {
    const policy = eventPolicy(kind, g.xid);
    gpuEvents.push({ node: res?.info.node, uuid: g.uuid || undefined, timeNs: event.timeNs, kind, xid: kind === 'gpu.xid' ? g.xid : undefined, fatal: policy.fatal, meaning: policy.meaning, message: event.bodyText });
  }
  if (isTraced) traced.push({ traceKey, spanKey, event, size: size + (event.body?.length ?? 0) });
}

function readGpuAttr(a: AttributeCursor, g: GpuAttrs): void {
  if (a.keyIndex === XID) g.xid = Number(a.value());
  else if (a.keyIndex === UUID) g.uuid = a.text();
  else if (a.keyIndex === EVENT_NAME) g.nameAttr = a.text();
}
