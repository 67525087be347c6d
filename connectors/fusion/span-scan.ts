// Reads spans out of ExportTraceServiceRequest bytes: where each span is plus the fields fusion
// decides on. Per span it fills one HeldSpan (from a pool when given one) and notes where its
// trace id is; attribute keys are compared as bytes and only the few fusion joins on are decoded.
import { NO } from '../../src/otlp/fields.js';
import { Reader } from '../../src/otlp/wire.js';
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

/** One per FusionCore: its cursors are re-targeted per batch and per span. */
export class SpanScanner {
  private readonly cursor = new RequestCursor();
  private readonly view = new SpanView();
  private readonly attrs = new AttributeCursor();

  private readonly reader = new Reader(EMPTY);

  /** @param pool where span objects come from (none: new ones) */
  constructor(private readonly pool?: SpanPool) {}

  private quickAttributes(buf: Uint8Array, start: number, end: number, s: HeldSpan): boolean {
    return quickAttributes(this.reader, buf, start, end, s);
  }

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
        const joinKeys = mayHoldJoinKeys(buf, c.scopeEntryStart, c.scopeEntryEnd);
        while (c.nextItem()) {
          v.read(buf, c.itemStart, c.itemEnd);
          const s = (this.pool?.take() ?? new HeldSpan()).set(
            buf, c.itemStart, c.itemEnd, c.itemEntryStart, resource, scope,
            v.spanIdStart, v.spanIdEnd, v.parentStart, v.parentEnd, v.nameStart, v.nameEnd, v.startAt, v.endAt,
            v.statusCode, v.statusMessageEnd > v.statusMessageStart, isZeroId(buf, v.parentStart, v.parentEnd),
          );
          if (joinKeys && !this.quickAttributes(buf, c.itemStart, c.itemEnd, s)) {
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

/** Byte strings every key in SPAN_KEYS contains (`category`: both profiler keys). */
const NEEDLES = ['gpu.uuid', 'process.pid', 'category'].map((k) => Buffer.from(k, 'latin1'));

/**
 * Whether buf[start, end) (a ScopeSpans) may hold an attribute fusion joins on: an attribute's
 * key bytes lie in the message as they are, so when none of the keys' bytes occur, no span in
 * it has one, and its spans' attributes need not be walked (most spans, one native search per
 * key and scope).
 */
function mayHoldJoinKeys(buf: Uint8Array, start: number, end: number): boolean {
  const scope = Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
  for (const n of NEEDLES) if (scope.indexOf(n) >= 0) return true;
  return false;
}

/**
 * The attributes fusion joins on, read from KeyValues in the form every encoder writes (key
 * first, then value, each with a one-byte length): other keys are passed over without reading
 * their values. false: a KeyValue in another form, so the caller reads them all with the
 * general cursor instead.
 */
function quickAttributes(r: Reader, buf: Uint8Array, start: number, end: number, s: HeldSpan): boolean {
  r.target(buf, start, end);
  while (r.more()) {
    r.tag();
    if (r.field !== NO.Span.attributes || r.wt !== 2) {
      r.skip();
      continue;
    }
    r.lenBounds();
    const kv = r.start;
    const kvEnd = r.stop;
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
    if (index < 0) continue;
    const v = ve > vs ? anyValue(buf, vs, ve) : undefined;
    if (index === GPU_UUID) s.gpuUuid = v === undefined ? '' : String(v);
    else if (index === PID) s.pid = Number(v);
    else s.category = v === undefined ? '' : String(v);
  }
  return true;
}

/** A span fusion wrote itself (a late-log fragment): its fields are all of `raw`. */
export function spanFromFields(raw: Uint8Array, resource: ResourceInfo, scope: Uint8Array): HeldSpan {
  const v = new SpanView().read(raw, 0, raw.length);
  return new HeldSpan().set(
    raw, 0, raw.length, -1, resource, scope, v.spanIdStart, v.spanIdEnd, v.parentStart, v.parentEnd, v.nameStart, v.nameEnd, v.startAt, v.endAt,
    v.statusCode, v.statusMessageEnd > v.statusMessageStart, isZeroId(raw, v.parentStart, v.parentEnd),
  );
}
