// Reads spans out of ExportTraceServiceRequest bytes: where each span is plus the fields fusion
// decides on. Per span it fills one HeldSpan (from a pool when given one) and notes where its
// trace id is; attribute keys are compared as bytes and only the few fusion joins on are decoded.
import { NO } from '../../src/otlp/fields.js';
import { RequestCursor } from '../../src/otlp/request-cursor.js';
import { SpanView } from '../../src/otlp/span-view.js';
import { anyValue, AttributeCursor, forEachAttribute, KeySet } from '../../src/otlp/attributes-reader.js';
import { HeldSpan, isZeroId, type ResourceInfo } from './model.js';
import type { SpanPool } from './span-pool.js';

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

/** The span attributes fusion joins on, by index in SPAN_KEYS. */
const GPU_UUID = 0;
const PID = 1;
const SPAN_KEYS = new KeySet(['gpu.uuid', 'process.pid', 'pytorch.category', 'kineto.category']);
/** KeyValue.key and KeyValue.value tags (length-delimited) */
const KEY_TAG = (NO.KeyValue.key << 3) | 2;
const VALUE_TAG = (NO.KeyValue.value << 3) | 2;
const ATTRIBUTES_TAG = (NO.Span.attributes << 3) | 2;

/** One per FusionCore: its cursors are re-targeted per batch and per span. */
export class SpanScanner {
  private readonly cursor = new RequestCursor();
  private readonly view = new SpanView();
  private readonly attrs = new AttributeCursor();

  /** @param pool where span objects come from (none: new ones) */
  constructor(private readonly pool?: SpanPool) {}

  /**
   * Appends the spans of `buf` to `spans` and where their trace ids are in `buf` to `traceIdAt`
   * (same index; -1: the span has no 16-byte trace id).
   */
  scan(buf: Uint8Array, spans: HeldSpan[], traceIdAt: number[]): void {
    const c = this.cursor.begin(buf);
    const v = this.view;
    const a = this.attrs;
    while (c.nextResource()) {
      const resource = c.resourceEnd > c.resourceStart ? scanResource(buf, c.resourceStart, c.resourceEnd) : { raw: EMPTY, service: '', gpuUuid: undefined, pid: undefined, node: undefined };
      while (c.nextScope()) {
        // one scope view per scope, shared by its spans (encodeTraces groups by identity)
        const scope = buf.subarray(c.scopeStart, c.scopeEnd);
        while (c.nextItem()) {
          v.read(buf, c.itemStart, c.itemEnd);
          const s = (this.pool?.take() ?? new HeldSpan()).set(
            buf, c.itemStart, c.itemEnd, c.itemEntryStart, resource, scope,
            v.spanIdStart, v.spanIdEnd, v.parentStart, v.parentEnd, v.nameStart, v.nameEnd, v.startAt, v.endAt,
            v.statusCode, v.statusMessageEnd > v.statusMessageStart, isZeroId(buf, v.parentStart, v.parentEnd), v.traceIdStart, v.traceIdEnd,
          );
          if (!quickAttributes(buf, c.itemStart, c.itemEnd, s)) {
            s.gpuUuid = s.pid = s.category = undefined;
            for (a.begin(buf, c.itemStart, c.itemEnd, NO.Span.attributes); a.nextIn(SPAN_KEYS); ) {
              if (a.keyIndex === GPU_UUID) s.gpuUuid = a.text();
              else if (a.keyIndex === PID) s.pid = Number(a.value());
              else s.category = a.text(); // pytorch.category, kineto.category
            }
          }
          spans.push(s);
          traceIdAt.push(v.traceIdEnd - v.traceIdStart === 16 ? v.traceIdStart : -1);
        }
      }
    }
  }
}

/**
 * The attributes fusion joins on, read in one pass over the span's bytes with one-byte tags and
 * KeyValues in the form every encoder writes (key first, then value): other fields and other
 * keys' values are stepped over, not read. false: something in another form (a longer tag, a
 * KeyValue laid out otherwise, bytes that do not add up), so the caller reads the attributes
 * with the general cursor instead.
 */
function quickAttributes(buf: Uint8Array, start: number, end: number, s: HeldSpan): boolean {
  let p = start;
  while (p < end) {
    const tag = buf[p++]!;
    if (tag >= 0x80) return false;
    const wt = tag & 7;
    if (wt === 2) {
      let len = 0;
      for (let shift = 0; ; shift += 7) {
        if (p >= end || shift > 28) return false;
        const b = buf[p++]!;
        len += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) break;
      }
      const stop = p + len;
      if (stop > end) return false;
      if (tag === ATTRIBUTES_TAG && !quickKeyValue(buf, p, stop, s)) return false;
      p = stop;
    } else if (wt === 0) {
      while (p < end && buf[p]! >= 0x80) p++;
      p++;
    } else if (wt === 1) p += 8;
    else if (wt === 5) p += 4;
    else return false;
  }
  return p === end;
}

/** One KeyValue in [kv, kvEnd): false when not in the usual form. */
function quickKeyValue(buf: Uint8Array, kv: number, kvEnd: number, s: HeldSpan): boolean {
  if (kvEnd - kv < 2 || buf[kv] !== KEY_TAG || buf[kv + 1]! >= 0x80) return false;
  const keyEnd = kv + 2 + buf[kv + 1]!;
  if (keyEnd > kvEnd) return false;
  // nothing after the value either (a second key field would replace the first)
  let vs = 0;
  let ve = 0;
  if (keyEnd < kvEnd) {
    if (kvEnd - keyEnd < 2 || buf[keyEnd] !== VALUE_TAG || buf[keyEnd + 1]! >= 0x80) return false;
    vs = keyEnd + 2;
    ve = vs + buf[keyEnd + 1]!;
    if (ve !== kvEnd) return false;
  }
  const index = SPAN_KEYS.find(buf, kv + 2, keyEnd);
  if (index < 0) return true;
  const v = ve > vs ? anyValue(buf, vs, ve) : undefined;
  if (index === GPU_UUID) s.gpuUuid = v === undefined ? '' : String(v);
  else if (index === PID) s.pid = Number(v);
  else s.category = v === undefined ? '' : String(v);
  return true;
}

/** A span fusion wrote itself (a late-log fragment): its fields are all of `raw`. */
export function spanFromFields(raw: Uint8Array, resource: ResourceInfo, scope: Uint8Array): HeldSpan {
  const v = new SpanView().read(raw, 0, raw.length);
  return new HeldSpan().set(
    raw, 0, raw.length, -1, resource, scope, v.spanIdStart, v.spanIdEnd, v.parentStart, v.parentEnd, v.nameStart, v.nameEnd, v.startAt, v.endAt,
    v.statusCode, v.statusMessageEnd > v.statusMessageStart, isZeroId(raw, v.parentStart, v.parentEnd), v.traceIdStart, v.traceIdEnd,
  );
}
