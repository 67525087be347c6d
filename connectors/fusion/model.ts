// What fusion holds per trace: raw span bytes plus the handful of fields the join needs.
import type { AckSet } from '../../src/acks/ack-set.js';
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

/**
 * A held span: where its bytes are (a view into the batch it came in, which the span keeps
 * alive; nothing is copied) and the few fields the join decides on. Everything else — its id,
 * parent, name and times — is read from the bytes when something asks (a log or GPU sample
 * joins it, a document is written): a span nothing joins is never decoded.
 */
export class HeldSpan {
  private id: string | undefined = undefined;
  private parent: string | undefined = undefined;
  /** spans from the profiler receiver (a kernel, a memcpy…) */
  category: string | undefined = undefined;
  gpuUuid: string | undefined = undefined;
  pid: number | undefined = undefined;

  constructor(
    /** the buffer holding the span */
    readonly buf: Uint8Array,
    /** the span message's fields: buf[start, end) */
    readonly start: number,
    readonly end: number,
    /** where its entry in a ScopeSpans (key and length, then the fields) begins; -1: none */
    readonly entryStart: number,
    readonly resource: ResourceInfo,
    readonly scope: Uint8Array,
    private readonly idStart: number,
    private readonly idEnd: number,
    private readonly parentStart: number,
    private readonly parentEnd: number,
    private readonly nameStart: number,
    private readonly nameEnd: number,
    private readonly startAt: number,
    private readonly endAt: number,
    readonly statusCode: number,
    /** the application set a status message (fusion never replaces it) */
    readonly statusMessage: boolean,
    /** no parent (absent or all-zero parent id) */
    readonly isRoot: boolean,
  ) {}

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

export interface HeldTrace {
  key: string;
  spans: HeldSpan[];
  /** undefined until a log joins (most traces get none) */
  logs: LogsBySpan | undefined;
  deadline: number;
  bytes: number;
  rootEnded: boolean;
  /** when its first span arrived */
  firstSeen: number;
  /** acknowledgements of the batches its spans came in: emitted with the trace (undefined: none) */
  acks: AckSet | undefined;
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
