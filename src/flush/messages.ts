// Messages between the main thread and the flush worker.
import type { AckStatus } from '../acks/ack-set.js';
import type { MetricOp } from '../telemetry/forwarding-sink.js';
import type { FusedTraceJson } from '../telemetry/recent-fused-traces.js';

export interface FlushWorkerData {
  sab: SharedArrayBuffer;
  /** the substituted raw config; the worker re-parses it to build processors and exporters */
  raw: Record<string, unknown>;
  /** receiver ids by ring source index */
  sources: string[];
  logLevel: string;
  /** the component registry module (components.ts): the worker imports it to register the same factories */
  componentsUrl: string;
}

export type ToWorker = { type: 'drain' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'metrics'; ops: MetricOp[] }
  /** id: the health key, `kind/id` */
  | { type: 'health'; id: string; ready: boolean; reason?: string }
  | { type: 'drained'; batches: number }
  /**
   * A batch's acknowledgements completed: [ack, records] pairs, where ack is the ring
   * record's aux (a write-ahead log segment when > 0, a delivery ticket when < 0)
   */
  | { type: 'acked'; acks: [number, number][]; status: AckStatus }
  | { type: 'fatal'; message: string }
  /** status page: warn/error log lines of this thread, and recently fused traces */
  | { type: 'recent'; logs: string[]; fused: FusedTraceJson[] };
