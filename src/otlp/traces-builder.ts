// ExportTraceServiceRequest bytes: spans with their events, links and status.
//   const b = new TracesBuilder();
//   b.beginResource({ 'service.name': 'x' }); b.beginScope('my-scope', '1.0');
//   b.beginSpan(); b.traceId(t); b.spanId(s); b.name('op'); b.kind(SPAN_KIND_SERVER);
//   b.startTime(ns); b.endTime(ns); b.stringAttr('k', 'v');
//   b.beginEvent(ns, 'event'); b.intAttr('n', 1); b.endEvent();
//   b.endSpan(); b.endScope(); b.endResource(); const bytes = b.finish();
import { KEY } from './fields.js';
import { RequestBuilder } from './request-builder.js';

const S = KEY.Span;
const E = KEY['Span.Event'];
const L = KEY['Span.Link'];
const ST = KEY.Status;

export const SPAN_KIND_UNSPECIFIED = 0;
export const SPAN_KIND_INTERNAL = 1;
export const SPAN_KIND_SERVER = 2;
export const SPAN_KIND_CLIENT = 3;
export const SPAN_KIND_PRODUCER = 4;
export const SPAN_KIND_CONSUMER = 5;
export const STATUS_CODE_UNSET = 0;
export const STATUS_CODE_OK = 1;
export const STATUS_CODE_ERROR = 2;

export class TracesBuilder extends RequestBuilder {
  constructor(initialBytes = 64 * 1024) {
    super('traces', initialBytes);
  }

  beginSpan(): void {
    this.beginItem(S.attributes);
  }

  endSpan(): void {
    this.w.join();
    this.items++;
  }

  /**
   * Whole span entries copied as they are: buf[start, end) holds `count` consecutive spans of
   * a ScopeSpans, each with its key and length (RequestCursor.itemEntryStart to itemEnd), into
   * the open scope. No span is opened.
   */
  spanEntries(buf: Uint8Array, start: number, end: number, count: number): void {
    this.w.rawFrom(buf, start, end);
    this.items += count;
  }

  /** Already-encoded fields of the open span, from buf[start, end) (no view per call). */
  rawFieldsFrom(buf: Uint8Array, start: number, end: number): void {
    this.w.rawFrom(buf, start, end);
  }

  traceId(id: Uint8Array): void {
    this.w.key(S.traceId);
    this.w.bytes(id);
  }

  spanId(id: Uint8Array): void {
    this.w.key(S.spanId);
    this.w.bytes(id);
  }

  parentSpanId(id: Uint8Array): void {
    this.w.key(S.parentSpanId);
    this.w.bytes(id);
  }

  traceState(s: string): void {
    this.w.key(S.traceState);
    this.w.string(s);
  }

  name(s: string): void {
    this.w.key(S.name);
    this.w.string(s);
  }

  kind(k: number): void {
    this.w.key(S.kind);
    this.w.varint(k);
  }

  flags(f: number): void {
    this.w.key(S.flags);
    this.w.fixed32(f);
  }

  startTime(ns: bigint): void {
    this.w.key(S.startTimeUnixNano);
    this.w.fixed64(ns);
  }

  endTime(ns: bigint): void {
    this.w.key(S.endTimeUnixNano);
    this.w.fixed64(ns);
  }

  startTimeMs(ms: number): void {
    this.w.key(S.startTimeUnixNano);
    this.w.fixed64Ms(ms);
  }

  endTimeMs(ms: number): void {
    this.w.key(S.endTimeUnixNano);
    this.w.fixed64Ms(ms);
  }

  /** Span status; a later status in the same span wins (protobuf merges last-one-wins). */
  status(code: number, message = ''): void {
    const w = this.w;
    w.key(S.status);
    w.fork();
    if (message !== '') {
      w.key(ST.message);
      w.string(message);
    }
    if (code !== 0) {
      w.key(ST.code);
      w.varint(code);
    }
    w.join();
  }

  droppedAttributesCount(n: number): void {
    this.w.key(S.droppedAttributesCount);
    this.w.varint(n);
  }

  /** Opens an event; attribute methods write the event's attributes until `endEvent`. */
  beginEvent(timeNs: bigint, name: string): void {
    const w = this.w;
    w.key(S.events);
    w.fork();
    w.key(E.timeUnixNano);
    w.fixed64(timeNs);
    w.key(E.name);
    w.string(name);
    this.attrKey = E.attributes;
  }

  endEvent(): void {
    this.w.join();
    this.attrKey = S.attributes;
  }

  /** Opens a link; attribute methods write the link's attributes until `endLink`. */
  beginLink(traceId: Uint8Array, spanId: Uint8Array, traceState = ''): void {
    const w = this.w;
    w.key(S.links);
    w.fork();
    w.key(L.traceId);
    w.bytes(traceId);
    w.key(L.spanId);
    w.bytes(spanId);
    if (traceState !== '') {
      w.key(L.traceState);
      w.string(traceState);
    }
    this.attrKey = L.attributes;
  }

  linkFlags(f: number): void {
    this.w.key(L.flags);
    this.w.fixed32(f);
  }

  endLink(): void {
    this.w.join();
    this.attrKey = S.attributes;
  }
}
