// Contracts every receiver, processor and exporter follows: a factory that knows its
// defaults and validates its config with key paths, and a component with start/shutdown.
import type { PipelineRefusal } from './errors/refusals.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ConfigErrors } from './config/errors.js';
import type { AckSet, AckStatus } from './acks/ack-set.js';
import type { BufferHold } from './buffers/buffer-hold.js';
import type { FieldTable } from './config/field-table.js';
import type { MetricsSink } from './telemetry/sink.js';
import type { RingConsumerSpec } from './pipeline/ring-consumer.js';

export type Signal = 'traces' | 'logs' | 'metrics';
export const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

/** Numeric ids used in ring record headers. */
export const SIGNAL_CODE: Record<Signal, number> = { traces: 1, logs: 2, metrics: 3 };
export const SIGNAL_BY_CODE: readonly (Signal | undefined)[] = [undefined, 'traces', 'logs', 'metrics'];

/**
 * One batch of one signal: the concatenation of Export<Signal>ServiceRequest bytes, which is
 * itself one valid request. Exporters must not mutate `data`: fan-out shares it.
 */
export interface Batch {
  readonly signal: Signal;
  readonly data: Uint8Array;
  /** spans, log records or data points in the batch */
  readonly items: number;
  /** wall-clock ms when the batch was cut (object keys and partitions use it) */
  readonly createdAt: number;
  /**
   * The source-side acknowledgements of the records in the batch (docs/delivery-guarantees.md).
   * Exporters ignore it: the fan-out completes it once every exporter answered. A processor
   * passes it on with what it emits, or completes it when it drops data on purpose.
   */
  readonly acks?: AckSet;
  /**
   * Present when `data`'s buffer goes back to its owner for reuse (src/buffers/buffer-hold.ts):
   * a consumer that reads `data` after its returned promise settled must retain() it and
   * release() it when done; processors and connectors that do not are pinned by the pipeline.
   */
  readonly hold?: BufferHold;
}

/** What an exporter tells the caller, who decides whether to retry, spill or give up. */
export type ExportResult =
  | { readonly outcome: 'success' }
  | { readonly outcome: 'retryable'; readonly error: Error; readonly retryAfterMs?: number }
  | { readonly outcome: 'failure'; readonly error: Error };

export const SUCCESS: ExportResult = Object.freeze({ outcome: 'success' });

/** What a receiver's downstream answers for one request. */
export type ConsumeResult =
  /**
   * `delivered` (asked for with `track`) resolves once every pipeline's exporters have the
   * data (delivered, spilled, or failed for good), including data a processor held for a
   * while (fusion): a source that can re-read (a tailed file, a Kafka partition) advances its
   * checkpoint or offset only then. It resolves with the worst status of those pipelines.
   */
  | { readonly status: 'accepted'; readonly delivered?: Promise<AckStatus> }
  /** ring full and `when_full: drop_newest`: the data was dropped and counted */
  | { readonly status: 'dropped'; readonly reason: string }
  /**
   * refused (ring full, memory limit, too large, shutting down): `code` names the entry of
   * the refusal catalogue (src/errors/refusals.ts) a receiver answers with; retryable codes
   * come with a hint
   */
  | { readonly status: 'refused'; readonly code: PipelineRefusal; readonly reason: string; readonly retryAfterMs: number };

export interface ConsumeOptions {
  /** ask for `delivered` on the accepted result */
  readonly track?: boolean;
}

/** Downstream of a receiver: takes one OTLP export request's bytes. */
export interface Consumer {
  /** the signals this receiver feeds a pipeline with; others are answered as not found */
  readonly signals: ReadonlySet<Signal>;
  /**
   * `data` is the caller's again once the returned promise settles (the ring copies it): a
   * receiver may reuse its buffer for its next request, so a consumer that keeps the bytes
   * longer copies them.
   */
  consume(signal: Signal, data: Uint8Array, items: number, opts?: ConsumeOptions): Promise<ConsumeResult>;
  /**
   * For a receiver that serves on worker threads: what a worker needs to write into the same
   * ring (`RingConsumer.attach`), or why that is not possible with this pipeline.
   */
  share?(): RingConsumerSpec | string;
}

export interface Health {
  /** false until the component can do its job (bound its port, reached its sink) */
  setReady(id: string, ready: boolean, reason?: string): void;
}

export type HttpRouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * Extra paths on the OTLP/HTTP port, offered by other receivers (the profiler's
 * `POST /v1/profiler`). The handler gets the request with its body unread.
 */
export interface HttpRoutes {
  register(path: string, handler: HttpRouteHandler): void;
  get(path: string): HttpRouteHandler | undefined;
}

export interface CreateContext {
  /** component id as written in the config: `type` or `type/name` */
  readonly id: string;
  readonly logger: Logger;
  readonly metrics: MetricsSink;
  readonly health: Health;
  /** shared by the receivers of one collector; absent where no OTLP port serves them */
  readonly httpRoutes?: HttpRoutes;
}

export interface Component {
  start(): Promise<void>;
  /** Stop taking work and release resources; pending work is finished or handed back. */
  shutdown(): Promise<void>;
}

export interface Receiver extends Component {
  /**
   * The shutdown deadline came while shutdown() is still waiting: cut what keeps the receiver
   * open (slow or stalled clients: 408 or connection close). shutdown() then settles soon.
   */
  forceClose?(): void;
}

export interface Exporter extends Component {
  export(batch: Batch): Promise<ExportResult>;
}

/**
 * Processors see whole batches and pass (possibly rewritten) batches on. Delivery is told by
 * the batch's `acks`, never by returning: a processor that holds data (fusion) holds its
 * acks and emits them later with the data, merged (`AckSet.merge`); one that drops data on
 * purpose completes them with 'dropped' and counts it. The returned promise only paces the
 * flush loop (how many batches are in flight).
 */
export interface Processor extends Component {
  process(batch: Batch, next: (batch: Batch) => Promise<void>): Promise<void>;
  /**
   * Told once per pipeline that lists it, before start: the rest of that pipeline. A processor
   * that emits data of its own (fusion's anomaly records) sends it there.
   */
  connect?(signal: Signal, next: (batch: Batch) => Promise<void>): void;
}

interface FactoryBase<C> {
  readonly type: string;
  readonly signals: readonly Signal[];
  createDefaultConfig(): C;
  /**
   * Merge `raw` over the defaults and validate it. Every problem is added to `errors` under
   * `path` (for example `exporters.kafka/a`); the returned config is only used when none were.
   */
  parseConfig(raw: unknown, path: string, errors: ConfigErrors): C;
  /** every key parseConfig accepts: docs/configuration.md is generated from it */
  readonly configFields: FieldTable;
}

export interface ReceiverFactory<C = unknown> extends FactoryBase<C> {
  create(config: C, next: Consumer, ctx: CreateContext): Receiver;
}

export interface ExporterFactory<C = unknown> extends FactoryBase<C> {
  create(config: C, ctx: CreateContext): Exporter;
}

export interface ProcessorFactory<C = unknown> extends FactoryBase<C> {
  create(config: C, ctx: CreateContext): Processor;
}

/**
 * A connector joins pipelines, as in the OpenTelemetry Collector: listed as an exporter of
 * some pipelines it consumes their data; listed as a receiver of others it emits into them.
 */
export interface Connector extends Component {
  /**
   * Told before start, once per pipeline that lists it as a receiver: where to emit data of
   * `signal`. Emitting resolves when that pipeline's processors and exporters took the batch.
   */
  connect(signal: Signal, emit: (batch: Batch) => Promise<void>): void;
  /**
   * A batch of a pipeline that lists the connector as an exporter. The connector owns
   * `batch.acks` (its share): it completes them, or passes them on with what it emits.
   */
  consume(batch: Batch): Promise<void>;
  /**
   * Told before start, once per pipeline that lists it as an exporter: that batches of `signal`
   * will come. A connector told nothing assumes any signal may.
   */
  fedWith?(signal: Signal): void;
  /**
   * True when the connector keeps views of a consumed batch only under `batch.hold` (retained
   * while it reads them): the batch's buffer can then be reused once it let go.
   */
  readonly retainsHolds?: boolean;
}

export interface ConnectorFactory<C = unknown> extends FactoryBase<C> {
  /** `signals` are what it consumes (as an exporter); `emits`, what it produces (as a receiver) */
  readonly emits: readonly Signal[];
  /**
   * It holds seconds of data as objects in the flush worker's heap (fusion's join window): the
   * collector then lets the heap grow further between full collections (src/flush/heap-growth.ts).
   */
  readonly largeLiveHeap?: boolean;
  create(config: C, ctx: CreateContext): Connector;
}
