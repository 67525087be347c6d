// What fusion holds per trace: raw span bytes plus the handful of fields the join needs.
import type { AckSet } from '../../src/acks/ack-set.js';
import type { BufferHold } from '../../src/buffers/buffer-hold.js';
import type { FusedTrace } from './assemble.js';
import { decodeUtf8, fixed64BigAt } from '../../src/otlp/wire.js';

export interface ResourceInfo {
  /** the Resource message bytes, written back unchanged */
  raw: Uint8Array;
  service: string;
  gpuUuid: string | undefined;
  pid: number | undefined;
  /** the node: `k8s.node.name`, else `host.name` (the same rule on the GPU side) */
  node: string | undefined;
}

export interface LogEvent {
  timeNs: bigint;
  severityNumber: number;
  severityText: string;
  /** AnyValue bytes of the body (copied; capped) */
  body: Uint8Array | undefined;
  bodyText: string;
  /** the body was cut to the cap (or dropped, when not a string) */
  truncated: boolean;
  /** KeyValue bytes of the record's own attributes that passed the filters (copied) */
  attributes: Uint8Array[];
}

const NO_BYTES: Uint8Array = new Uint8Array(0);
const NO_RESOURCE: ResourceInfo = Object.freeze({ raw: NO_BYTES, service: '', gpuUuid: undefined, pid: undefined, node: undefined });

/**
 * A held span: where its bytes are (a view into the batch it came in, which the span keeps
 * alive; nothing is copied) and the few fields the join decides on. Everything else — its id,
 * parent, name and times — is read from the bytes when something asks (a log or GPU sample
 * joins it, a document is written): a span nothing joins is never decoded.
 * Fusion reuses these objects (a pool, see SpanPool): a held span lives for the join window,
 * long enough to reach the old generation, where one new object per span would be garbage that
 * only a full collection finds. `set` gives an object its next span, `clear` lets go of it.
 */
export class HeldSpan {
  private id: string | undefined = undefined;
  private parent: string | undefined = undefined;
  /** spans from the profiler receiver (a kernel, a memcpy…) */
  category: string | undefined = undefined;
  gpuUuid: string | undefined = undefined;
  pid: number | undefined = undefined;
  /** the buffer holding the span */
  buf: Uint8Array = NO_BYTES;
  /** the span message's fields: buf[start, end) */
  start = 0;
  end = 0;
  /** where its entry in a ScopeSpans (key and length, then the fields) begins; -1: none */
  entryStart = -1;
  resource: ResourceInfo = NO_RESOURCE;
  scope: Uint8Array = NO_BYTES;
  /** where its fields' values are in buf (what the late window keeps is copied from them) */
  traceIdStart = 0;
  traceIdEnd = 0;
  idStart = 0;
  idEnd = 0;
  parentStart = 0;
  parentEnd = 0;
  nameStart = 0;
  nameEnd = 0;
  /** offsets of the fixed64 times, -1 when absent */
  startAt = -1;
  endAt = -1;
  statusCode = 0;
  /** the application set a status message (fusion never replaces it) */
  statusMessage = false;
  /** no parent (absent or all-zero parent id) */
  isRoot = false;

  set(
    buf: Uint8Array, start: number, end: number, entryStart: number, resource: ResourceInfo, scope: Uint8Array,
    idStart: number, idEnd: number, parentStart: number, parentEnd: number, nameStart: number, nameEnd: number, startAt: number, endAt: number,
    statusCode: number, statusMessage: boolean, isRoot: boolean, traceIdStart: number, traceIdEnd: number,
  ): this {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.entryStart = entryStart;
    this.resource = resource;
    this.scope = scope;
    this.idStart = idStart;
    this.idEnd = idEnd;
    this.parentStart = parentStart;
    this.parentEnd = parentEnd;
    this.nameStart = nameStart;
    this.nameEnd = nameEnd;
    this.startAt = startAt;
    this.endAt = endAt;
    this.statusCode = statusCode;
    this.statusMessage = statusMessage;
    this.isRoot = isRoot;
    this.traceIdStart = traceIdStart;
    this.traceIdEnd = traceIdEnd;
    this.id = undefined;
    this.parent = undefined;
    this.category = undefined;
    this.gpuUuid = undefined;
    this.pid = undefined;
    return this;
  }

  /** lets go of the batch, resource and strings it referred to */
  clear(): void {
    this.buf = NO_BYTES;
    this.resource = NO_RESOURCE;
    this.scope = NO_BYTES;
    this.id = undefined;
    this.parent = undefined;
    this.category = undefined;
    this.gpuUuid = undefined;
  }

  /** the span's fields as they arrived */
  get raw(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  get size(): number {
    return this.end - this.start;
  }

  /** span id bytes as a latin1 string */
  get spanId(): string {
    return (this.id ??= latin1(this.buf, this.idStart, this.idEnd));
  }

  /** parent span id bytes as a latin1 string ('' when absent) */
  get parentId(): string {
    return (this.parent ??= latin1(this.buf, this.parentStart, this.parentEnd));
  }

  get name(): string {
    return decodeUtf8(this.buf, this.nameStart, this.nameEnd);
  }

  get startNs(): bigint {
    return this.startAt < 0 ? 0n : fixed64BigAt(this.buf, this.startAt);
  }

  get endNs(): bigint {
    return this.endAt < 0 ? 0n : fixed64BigAt(this.buf, this.endAt);
  }
}

/** Logs by span id (latin1 key), including logs for spans not seen yet. */
export type LogsBySpan = Map<string, LogEvent[]>;

/**
 * A batch whose spans fusion holds: its acknowledgements stay open while any trace it fed is
 * held. Counted per batch, not shared per trace: an emission takes one share of each batch
 * its traces came in (the last emission takes the batch's own handle).
 */
export interface HeldBatch {
  acks: AckSet;
  /** the batch's buffer, retained while a held trace has spans in it (its views) */
  hold: BufferHold | undefined;
  /** held traces that hold spans of this batch */
  traces: number;
  /** the emission that last counted it (one share per emission) */
  mark: number;
}

/** A trace being held (objects are reused from trace to trace: see FusionCore). */
export class HeldTrace {
  /**
   * where its 16 trace id bytes are: in the batch its first span came in (which its spans keep
   * alive anyway), so a held trace copies nothing
   */
  idBuf: Uint8Array = NO_BYTES;
  idAt = 0;
  private idKey: string | undefined = undefined;
  spans: HeldSpan[] = [];
  /** undefined until a log joins (most traces get none) */
  logs: LogsBySpan | undefined = undefined;
  bytes = 0;
  rootEnded = false;
  /** when its first span arrived */
  firstSeen = 0;
  /** the batches whose acknowledgements it holds a part of: the first, then any others */
  batch: HeldBatch | undefined = undefined;
  batches: HeldBatch[] | undefined = undefined;
  /** what assemble() makes of it when nothing joins (reused: one object per held trace object) */
  plain: FusedTrace | undefined = undefined;

  /** @param slot its index in FusionCore's trace table (-1: not held, a late-log fragment) */
  constructor(readonly slot = -1) {}

  /** 16 id bytes as a latin1 string */
  get key(): string {
    return (this.idKey ??= latin1(this.idBuf, this.idAt, this.idAt + 16));
  }

  /** a trace not taken from the id table (late-log fragments) */
  static withKey(key: string): HeldTrace {
    const t = new HeldTrace();
    t.idKey = key;
    t.idBuf = Buffer.from(key, 'latin1');
    return t;
  }

  /** Makes it hold a new trace, id from buf[at, at + 16). */
  reset(buf: Uint8Array, at: number, now: number): void {
    this.idBuf = buf;
    this.idAt = at;
    this.idKey = undefined;
    emptyList(this.spans);
    this.logs = undefined;
    this.bytes = 0;
    this.rootEnded = false;
    this.firstSeen = now;
    this.batch = undefined;
    this.batches = undefined;
  }

  /** Lets go of its spans' batch (it left; its object waits for the next trace). */
  release(): void {
    this.idBuf = NO_BYTES;
    this.idKey = undefined;
    emptyList(this.spans);
    this.logs = undefined;
  }

  /** Adds `b` to the batches it holds a part of, unless it is there; true when added. */
  holdBatch(b: HeldBatch): boolean {
    if (this.batch === b) return false;
    if (this.batch === undefined) {
      this.batch = b;
      return true;
    }
    if (this.batches?.includes(b)) return false;
    (this.batches ??= []).push(b);
    return true;
  }
}

/**
 * Empties a list but keeps its storage: `length = 0` drops the backing store, so a reused
 * trace's next push would allocate one again (old-generation garbage once per trace).
 */
export function emptyList(list: unknown[]): void {
  while (list.length > 0) list.pop();
}

/** 16 or 8 id bytes as a compact map key. */
export function idKey(buf: Uint8Array, start: number, end: number): string {
  return latin1(buf, start, end);
}

/**
 * buf[start, end) as a latin1 string (one char per byte): ids of 8 or 16 bytes are short, so
 * building the string directly costs less than a Buffer view per id.
 */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  switch (end - start) {
    case 0:
      return '';
    case 8:
      return String.fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!);
    case 16:
      return String.fromCharCode(
        buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!,
        buf[start + 8]!, buf[start + 9]!, buf[start + 10]!, buf[start + 11]!, buf[start + 12]!, buf[start + 13]!, buf[start + 14]!, buf[start + 15]!,
      );
    default:
      return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  }
}

/** An id of no bytes or only zero bytes (no parent). */
export function isZeroId(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

export function keyToHex(key: string): string {
  return Buffer.from(key, 'latin1').toString('hex');
}

export function isRootSpan(s: HeldSpan): boolean {
  return s.isRoot;
}
