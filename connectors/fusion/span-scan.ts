// Reads spans out of ExportTraceServiceRequest bytes: where each span is plus the fields fusion
// decides on. Per span it fills one HeldSpan (from a pool when given one) and notes where its
// trace id is; attribute keys are compared as bytes and only the few fusion joins on are decoded.
import { KEY, NO } from '../../src/otlp/fields.js';
import { RequestCursor } from '../../src/otlp/request-cursor.js';
import { SpanView } from '../../src/otlp/span-view.js';
import { anyValue, AttributeCursor, KeySet } from '../../src/otlp/attributes-reader.js';
import { HeldSpan, isZeroId, type ResourceInfo } from './model.js';
import type { SpanPool } from './span-pool.js';

const EMPTY: Uint8Array = new Uint8Array(0);

/** The resource attributes fusion reads, by index in RESOURCE_KEYS (compared as bytes, not decoded). */
const R_SERVICE = 0;
const R_GPU_UUID = 1;
const R_PID = 2;
const R_HOST = 3;
const R_NODE = 4;
const RESOURCE_KEYS = new KeySet(['service.name', 'gpu.uuid', 'process.pid', 'host.name', 'k8s.node.name']);
/** one per thread (scanResource calls nothing that could re-enter it); let go of its buffer after each use */
const resourceCursor = new AttributeCursor();

export function scanResource(buf: Uint8Array, start: number, end: number): ResourceInfo {
  const info: ResourceInfo = { raw: buf.subarray(start, end), service: '', gpuUuid: undefined, pid: undefined, node: undefined };
  let host: string | undefined;
  // a later attribute of the same key wins, as in a map built from the list
  const a = resourceCursor;
  for (a.begin(buf, start, end, NO.Resource.attributes); a.nextIn(RESOURCE_KEYS); ) {
    switch (a.keyIndex) {
      case R_SERVICE:
        info.service = a.text();
        break;
      case R_GPU_UUID:
        info.gpuUuid = a.text();
        break;
      case R_PID:
        info.pid = Number(a.value());
        break;
      case R_HOST:
        host = a.text();
        break;
      case R_NODE:
        info.node = a.text();
        break;
    }
  }
  a.begin(EMPTY, 0, 0, NO.Resource.attributes);
  info.node ??= host;
  return info;
}

/** The span attributes fusion joins on, by index in SPAN_KEYS. */
const GPU_UUID = 0;
const PID = 1;
const SPAN_KEYS = new KeySet(['gpu.uuid', 'process.pid', 'pytorch.category', 'kineto.category']);
/** KeyValue.key and KeyValue.value tags (length-delimited) */
const KEY_TAG = KEY.KeyValue.key;
const VALUE_TAG = KEY.KeyValue.value;
/** Span field numbers, as constants the one-pass reader's switch compares with */
const F_TRACE_ID = NO.Span.traceId;
const F_SPAN_ID = NO.Span.spanId;
const F_PARENT = NO.Span.parentSpanId;
const F_NAME = NO.Span.name;
const F_ATTRIBUTES = NO.Span.attributes;
const F_STATUS = NO.Span.status;
const F_START = NO.Span.startTimeUnixNano;
const F_END = NO.Span.endTimeUnixNano;
/** Status.code (varint) and Status.message (length-delimited) tags */
const STATUS_CODE_TAG = KEY.Status.code;
const STATUS_MESSAGE_TAG = KEY.Status.message;

/** One per FusionCore: its cursors are re-targeted per batch and per span. */
export class SpanScanner {
  private readonly cursor = new RequestCursor();
  private readonly view = new SpanView();
  private readonly attrs = new AttributeCursor();
  private readonly quick = new QuickSpan();

  /**
   * @param pool where span objects come from (none: new ones)
   * @param onePass read spans in one pass where they are in the usual form (false: tests, the general readers only)
   */
  constructor(
    private readonly pool?: SpanPool,
    private readonly onePass = true,
  ) {}

  /**
   * Writes the spans of `buf` to `spans` and where their trace ids are in `buf` to `traceIdAt`
   * from index 0 (same index; -1: the span has no 16-byte trace id), and returns how many.
   * Entries past that are left as they were: a caller reusing the lists keeps their capacity
   * (emptying a JS array gives its backing store up, and refilling it allocates again).
   */
  scan(buf: Uint8Array, spans: HeldSpan[], traceIdAt: number[]): number {
    let n = 0;
    const c = this.cursor.begin(buf);
    const v = this.view;
    const a = this.attrs;
    while (c.nextResource()) {
      const resource = c.resourceEnd > c.resourceStart ? scanResource(buf, c.resourceStart, c.resourceEnd) : { raw: EMPTY, service: '', gpuUuid: undefined, pid: undefined, node: undefined };
      while (c.nextScope()) {
        // one scope view per scope, shared by its spans (encodeTraces groups by identity)
        const scope = buf.subarray(c.scopeStart, c.scopeEnd);
        while (c.nextItem()) {
          const s = this.pool?.take() ?? new HeldSpan();
          const q = this.quick;
          if (this.onePass && q.read(buf, c.itemStart, c.itemEnd)) {
            s.set(
              buf, c.itemStart, c.itemEnd, c.itemEntryStart, resource, scope,
              q.idStart, q.idEnd, q.parentStart, q.parentEnd, q.nameStart, q.nameEnd, q.startAt, q.endAt,
              q.statusCode, q.statusMessage, isZeroId(buf, q.parentStart, q.parentEnd), q.traceIdStart, q.traceIdEnd,
            );
            s.gpuUuid = q.gpuUuid;
            s.pid = q.pid;
            s.category = q.category;
            spans[n] = s;
            traceIdAt[n++] = q.traceIdEnd - q.traceIdStart === 16 ? q.traceIdStart : -1;
            continue;
          }
          // another form: the general readers (a field view, then the attribute cursor)
          v.read(buf, c.itemStart, c.itemEnd);
          s.set(
            buf, c.itemStart, c.itemEnd, c.itemEntryStart, resource, scope,
            v.spanIdStart, v.spanIdEnd, v.parentStart, v.parentEnd, v.nameStart, v.nameEnd, v.startAt, v.endAt,
            v.statusCode, v.statusMessageEnd > v.statusMessageStart, isZeroId(buf, v.parentStart, v.parentEnd), v.traceIdStart, v.traceIdEnd,
          );
          for (a.begin(buf, c.itemStart, c.itemEnd, NO.Span.attributes); a.nextIn(SPAN_KEYS); ) {
            if (a.keyIndex === GPU_UUID) s.gpuUuid = a.text();
            else if (a.keyIndex === PID) s.pid = Number(a.value());
            else s.category = a.text(); // pytorch.category, kineto.category
          }
          spans[n] = s;
          traceIdAt[n++] = v.traceIdEnd - v.traceIdStart === 16 ? v.traceIdStart : -1;
        }
      }
    }
    return n;
  }
}

/**
 * What fusion keeps of a span — where its ids, name and times are, its status, the attributes
 * fusion joins on — in one pass over its bytes, for tags of one or two bytes and KeyValues in
 * the form every encoder writes (key first, then value): other fields and other keys' values are
 * stepped over, not read. Later fields win, as in SpanView. `read` false: something in another
 * form (a longer tag, a KeyValue or Status laid out otherwise, bytes that do not add up), so the
 * caller reads the span with the general readers instead.
 */
export class QuickSpan {
  traceIdStart = 0;
  traceIdEnd = 0;
  idStart = 0;
  idEnd = 0;
  parentStart = 0;
  parentEnd = 0;
  nameStart = 0;
  nameEnd = 0;
  startAt = -1;
  endAt = -1;
  statusCode = 0;
  statusMessage = false;
  gpuUuid: string | undefined = undefined;
  pid: number | undefined = undefined;
  category: string | undefined = undefined;

  read(buf: Uint8Array, start: number, end: number): boolean {
    this.traceIdStart = this.traceIdEnd = this.idStart = this.idEnd = 0;
    this.parentStart = this.parentEnd = this.nameStart = this.nameEnd = 0;
    this.startAt = this.endAt = -1;
    this.statusCode = 0;
    this.statusMessage = false;
    this.gpuUuid = this.pid = this.category = undefined;
    let p = start;
    while (p < end) {
      let tag = buf[p++]!;
      if (tag >= 0x80) {
        if (p >= end || buf[p]! >= 0x80) return false;
        tag = (tag & 0x7f) | (buf[p++]! << 7);
      }
      const wt = tag & 7;
      if (wt === 2) {
        // lengths of one or two bytes (under 16 KiB): every field of a span but a huge attribute
        // value; longer ones go to the general readers. Bit operations, not `2 ** shift`: a
        // power per field was ~40 % of this function's time.
        if (p >= end) return false;
        let len = buf[p++]!;
        if (len >= 0x80) {
          if (p >= end || buf[p]! >= 0x80) return false;
          len = (len & 0x7f) | (buf[p++]! << 7);
        }
        const stop = p + len;
        if (stop > end) return false;
        switch (tag >>> 3) {
          case F_TRACE_ID:
            this.traceIdStart = p;
            this.traceIdEnd = stop;
            break;
          case F_SPAN_ID:
            this.idStart = p;
            this.idEnd = stop;
            break;
          case F_PARENT:
            this.parentStart = p;
            this.parentEnd = stop;
            break;
          case F_NAME:
            this.nameStart = p;
            this.nameEnd = stop;
            break;
          case F_ATTRIBUTES:
            if (!this.keyValue(buf, p, stop)) return false;
            break;
          case F_STATUS:
            if (!this.status(buf, p, stop)) return false;
            break;
        }
        p = stop;
      } else if (wt === 0) {
        while (p < end && buf[p]! >= 0x80) p++;
        p++;
      } else if (wt === 1) {
        const field = tag >>> 3;
        if (field === F_START) this.startAt = p;
        else if (field === F_END) this.endAt = p;
        p += 8;
      } else if (wt === 5) p += 4;
      else return false;
    }
    return p === end;
  }

  /** One Status in [p, stop): code (a one-byte varint) and whether a message is set; false when in another form. */
  private status(buf: Uint8Array, p: number, stop: number): boolean {
    while (p < stop) {
      const tag = buf[p++]!;
      if (tag >= 0x80 || p >= stop) return false;
      const wt = tag & 7;
      if (tag === STATUS_CODE_TAG) {
        const b = buf[p++]!;
        if (b >= 0x80) return false;
        this.statusCode = b;
      } else if (wt === 2) {
        const len = buf[p++]!;
        if (len >= 0x80) return false;
        if (tag === STATUS_MESSAGE_TAG) this.statusMessage = len > 0;
        p += len;
      } else if (wt === 0) {
        while (p < stop && buf[p]! >= 0x80) p++;
        p++;
      } else if (wt === 1) p += 8;
      else if (wt === 5) p += 4;
      else return false;
    }
    return p === stop;
  }

  /** One KeyValue in [kv, kvEnd): false when not in the usual form. */
  private keyValue(buf: Uint8Array, kv: number, kvEnd: number): boolean {
    if (kvEnd - kv < 2 || buf[kv] !== KEY_TAG || buf[kv + 1]! >= 0x80) return false;
    const keyEnd = kv + 2 + buf[kv + 1]!;
    if (keyEnd > kvEnd) return false;
    // nothing after the value either (a second key field would replace the first)
    let vs = 0;
    let ve = 0;
    if (keyEnd < kvEnd) {
      if (kvEnd - keyEnd < 2 || buf[keyEnd] !== VALUE_TAG) return false;
      // a value's length in one or two bytes (a long prompt in an attribute stays on this path)
      let len = buf[keyEnd + 1]!;
      vs = keyEnd + 2;
      if (len >= 0x80) {
        if (vs >= kvEnd || buf[vs]! >= 0x80) return false;
        len = (len & 0x7f) | (buf[vs++]! << 7);
      }
      ve = vs + len;
      if (ve !== kvEnd) return false;
    }
    const index = SPAN_KEYS.find(buf, kv + 2, keyEnd);
    if (index < 0) return true;
    const v = ve > vs ? anyValue(buf, vs, ve) : undefined;
    if (index === GPU_UUID) this.gpuUuid = v === undefined ? '' : String(v);
    else if (index === PID) this.pid = Number(v);
    else this.category = v === undefined ? '' : String(v);
    return true;
  }
}

/** A span fusion wrote itself (a late-log fragment): its fields are all of `raw`. */
export function spanFromFields(raw: Uint8Array, resource: ResourceInfo, scope: Uint8Array): HeldSpan {
  const v = new SpanView().read(raw, 0, raw.length);
  return new HeldSpan().set(
    raw, 0, raw.length, -1, resource, scope, v.spanIdStart, v.spanIdEnd, v.parentStart, v.parentEnd, v.nameStart, v.nameEnd, v.startAt, v.endAt,
    v.statusCode, v.statusMessageEnd > v.statusMessageStart, isZeroId(raw, v.parentStart, v.parentEnd), v.traceIdStart, v.traceIdEnd,
  );
}
