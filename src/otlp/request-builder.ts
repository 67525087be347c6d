// The part every Export*ServiceRequest builder shares: resource and scope entries around the
// items, and attributes of whichever message is open. One builder (and one buffer) per batch;
// nothing is allocated per item.
import type { Signal } from '../component.js';
import {
  writeAttribute, writeAttributes, writeBoolAttribute, writeDoubleAttribute, writeIntAttribute,
  writeKeyValueBytes, writeScopeFields, writeStringAttribute, writeValueBytesAttribute,
} from './attributes-writer.js';
import { KEY } from './fields.js';
import { ProtoWriter } from './proto-writer.js';

/** Keys of the request → Resource<X> → Scope<X> → item path of one signal. */
const PATHS: Record<Signal, { entry: number; resource: number; scopeEntry: number; scope: number; item: number }> = {
  traces: {
    entry: KEY.ExportTraceServiceRequest.resourceSpans, resource: KEY.ResourceSpans.resource,
    scopeEntry: KEY.ResourceSpans.scopeSpans, scope: KEY.ScopeSpans.scope, item: KEY.ScopeSpans.spans,
  },
  logs: {
    entry: KEY.ExportLogsServiceRequest.resourceLogs, resource: KEY.ResourceLogs.resource,
    scopeEntry: KEY.ResourceLogs.scopeLogs, scope: KEY.ScopeLogs.scope, item: KEY.ScopeLogs.logRecords,
  },
  metrics: {
    entry: KEY.ExportMetricsServiceRequest.resourceMetrics, resource: KEY.ResourceMetrics.resource,
    scopeEntry: KEY.ResourceMetrics.scopeMetrics, scope: KEY.ScopeMetrics.scope, item: KEY.ScopeMetrics.metrics,
  },
};

export type Attributes = { readonly [k: string]: unknown };

export abstract class RequestBuilder {
  readonly w: ProtoWriter;
  /** spans, log records or data points written since the last reset */
  items = 0;
  /** key of the attributes field of the open message */
  protected attrKey = 0;
  private readonly path: (typeof PATHS)[Signal];
  /** where the item being written began, for abortItem (no allocation per item) */
  private itemPos = -1;
  private itemDepth = 0;

  protected constructor(signal: Signal, initialBytes: number) {
    this.w = new ProtoWriter(initialBytes);
    this.path = PATHS[signal];
  }

  /** Bytes written so far. */
  get size(): number {
    return this.w.pos;
  }

  /** Starts over in the same buffer. */
  reset(): void {
    this.w.pos = 0;
    this.items = 0;
  }

  /** Opens a Resource<X> entry: `resource` is Resource message bytes or its attributes. */
  beginResource(resource?: Uint8Array | Attributes): void {
    const w = this.w;
    w.key(this.path.entry);
    w.fork();
    if (resource === undefined) return;
    w.key(this.path.resource);
    if (resource instanceof Uint8Array) w.bytes(resource);
    else {
      w.fork();
      writeAttributes(w, KEY.Resource.attributes, resource);
      w.join();
    }
  }

  endResource(): void {
    this.w.join();
  }

  /** Opens a Scope<X> entry: `scope` is InstrumentationScope bytes or its name. */
  beginScope(scope: Uint8Array | string, version = '', attrs?: Attributes): void {
    const w = this.w;
    w.key(this.path.scopeEntry);
    w.fork();
    w.key(this.path.scope);
    if (scope instanceof Uint8Array) w.bytes(scope);
    else {
      w.fork();
      writeScopeFields(w, scope, version, attrs);
      w.join();
    }
  }

  endScope(): void {
    this.w.join();
  }

  /** Opens a span, log record or metric inside the open scope. */
  protected beginItem(attrKey: number): void {
    this.itemPos = this.w.pos;
    this.itemDepth = this.w.depth;
    this.w.key(this.path.item);
    this.w.fork();
    this.attrKey = attrKey;
  }

  /** Opens an item whose message length is known: `length` bytes follow, with no join to end it. */
  protected beginSizedItem(attrKey: number, length: number): void {
    this.itemPos = this.w.pos;
    this.itemDepth = this.w.depth;
    this.w.key(this.path.item);
    this.w.varint(length);
    this.attrKey = attrKey;
  }

  /** Forgets the span, log record or metric begun last (its conversion failed half-way). */
  abortItem(): void {
    if (this.itemPos < 0) return;
    this.w.rewind([this.itemPos, this.itemDepth]);
    this.itemPos = -1;
  }

  // Attributes of the open message (span, event, link, log record or data point).

  attr(key: string, value: unknown): void {
    writeAttribute(this.w, this.attrKey, key, value);
  }

  attrs(attrs: Attributes): void {
    writeAttributes(this.w, this.attrKey, attrs);
  }

  stringAttr(key: string, value: string): void {
    writeStringAttribute(this.w, this.attrKey, key, value);
  }

  intAttr(key: string, value: number): void {
    writeIntAttribute(this.w, this.attrKey, key, value);
  }

  doubleAttr(key: string, value: number): void {
    writeDoubleAttribute(this.w, this.attrKey, key, value);
  }

  boolAttr(key: string, value: boolean): void {
    writeBoolAttribute(this.w, this.attrKey, key, value);
  }

  /** An attribute whose value is AnyValue bytes copied from elsewhere. */
  valueBytesAttr(key: string, anyValue: Uint8Array): void {
    writeValueBytesAttribute(this.w, this.attrKey, key, anyValue);
  }

  /** A KeyValue copied from elsewhere (its message bytes). */
  keyValueBytes(keyValue: Uint8Array): void {
    writeKeyValueBytes(this.w, this.attrKey, keyValue);
  }

  /** Attributes pre-encoded by `encodeAttributes` with this message's attributes key. */
  rawAttributes(bytes: Uint8Array): void {
    this.w.raw(bytes);
  }

  /** Already-encoded fields of the open message, appended as they are. */
  rawFields(bytes: Uint8Array): void {
    this.w.raw(bytes);
  }

  /**
   * The request without a copy (a view of the builder's buffer, which the builder gives up: it
   * goes on in `next` when that is at least as large as this request, else in a new one). For a
   * builder whose every request is handed on; `next` is a buffer such a request gave back.
   */
  finishDetached(next?: Uint8Array): Uint8Array {
    if (this.w.depth !== 0) throw new Error(`OTLP builder: ${this.w.depth} message(s) still open`);
    return this.w.detach(next);
  }

  /**
   * The request as a view of the builder's buffer, not copied: valid until the builder is reset
   * or written again. For a caller that hands each request on and waits until it was taken
   * (the next request reuses the buffer).
   */
  finishView(): Uint8Array {
    if (this.w.depth !== 0) throw new Error(`OTLP builder: ${this.w.depth} message(s) still open`);
    return this.w.buf.subarray(0, this.w.pos);
  }

  /** A copy of the request; every begun message must have been ended. */
  finish(): Uint8Array {
    if (this.w.depth !== 0) throw new Error(`OTLP builder: ${this.w.depth} message(s) still open`);
    return this.w.finish();
  }
}
