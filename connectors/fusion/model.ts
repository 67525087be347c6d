// What fusion holds per trace: raw span bytes plus the handful of fields the join needs.
import type { AckSet } from '../../src/acks/ack-set.js';

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

export interface HeldSpan {
  resource: ResourceInfo;
  scope: Uint8Array;
  raw: Uint8Array;
  spanId: string;
  parentId: string;
  name: string;
  startNs: bigint;
  endNs: bigint;
  statusCode: number;
  /** the application set a status message (fusion never replaces it) */
  statusMessage: boolean;
  gpuUuid: string | undefined;
  pid: number | undefined;
  /** spans from the profiler receiver (a kernel, a memcpy…) */
  category: string | undefined;
}

/** Logs by span id (latin1 key), including logs for spans not seen yet. */
export type LogsBySpan = Map<string, LogEvent[]>;

export interface HeldTrace {
  key: string;
  spans: HeldSpan[];
  logs: LogsBySpan;
  deadline: number;
  bytes: number;
  rootEnded: boolean;
  /** when its first span arrived */
  firstSeen: number;
  /** acknowledgements of the batches its spans came in: emitted with the trace */
  acks: AckSet;
}

/** 16 or 8 id bytes as a compact map key. */
export function idKey(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
}

export function keyToHex(key: string): string {
  return Buffer.from(key, 'latin1').toString('hex');
}

export function isRootSpan(s: HeldSpan): boolean {
  return s.parentId === '' || /^\0+$/.test(s.parentId);
}
