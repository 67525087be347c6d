// Messages between the OTLP receiver on the main thread and its HTTP worker threads.
import type { RingConsumerSpec } from '../../src/pipeline/ring-consumer.js';
import type { MetricOp } from '../../src/telemetry/forwarding-sink.js';
import type { OtlpHttpConfig } from './config.js';

export interface HttpWorkerData {
  /** receiver id */
  id: string;
  /** 1..worker_threads; the main thread is 0 */
  thread: number;
  cfg: OtlpHttpConfig;
  /** the address the main thread bound (a configured port 0 is resolved by then) */
  host: string;
  port: number;
  consumer: RingConsumerSpec;
  logLevel: string;
}

export type ToHttpWorker = { type: 'shutdown' } | { type: 'force' };

export type FromHttpWorker =
  | { type: 'listening' }
  | { type: 'metrics'; ops: MetricOp[] }
  /** the server closed and every request it took was answered: the thread exits next */
  | { type: 'closed' }
  | { type: 'fatal'; message: string };

/** The label of a thread on atc_receiver_http_thread_requests_total. */
export const threadLabel = (thread: number): string => (thread === 0 ? 'main' : `worker-${thread}`);
