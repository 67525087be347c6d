// The flush worker's consumer loop: drain the ring into per-pipeline batchers, cut batches
// at flush_interval or max_batch_bytes, hand them to the pipelines, and stop reading the
// ring while too many batches are in flight (the ring then fills and receivers refuse).
import type { Logger } from 'pino';
import { SIGNAL_BY_CODE, SIGNAL_CODE } from '../component.js';
import type { BufferConfig } from '../config/collector-config.js';
import type { Ring, RingRecord } from '../ring/ring.js';
import type { MetricsSink } from '../telemetry/sink.js';
import { AckSet, type AckStatus } from '../acks/ack-set.js';
import { BufferHold } from '../buffers/buffer-hold.js';
import { Batcher, type CutBatch } from './batcher.js';
import { runBatch, type RunnablePipeline } from './pipeline-runner.js';

export class FlushLoop {
  private readonly batchers: Batcher[];
  /** routes[source][signalCode] → pipeline indices */
  private readonly routes: number[][][];
  private inflight = 0;
  private inflightWaiters: (() => void)[] = [];
  private draining = false;
  private stopped: Promise<void> | undefined;
  /** when the loop last turned, and whether it waits on exporters (slow ones are no stall) */
  private lastTurnAt = Date.now();
  private waitingOnExports = false;
  batchesCut = 0;

  constructor(
    private readonly ring: Ring,
    private readonly pipelines: readonly RunnablePipeline[],
    sources: readonly string[],
    receiversOf: (pipeline: number) => readonly string[],
    private readonly buffer: BufferConfig,
    private readonly metrics: MetricsSink,
    private readonly logger: Logger,
    /** told, once a batch's acknowledgements completed, which source-side acks it held */
    private readonly onAcked: (acks: Map<number, number>, status: AckStatus) => void = () => {},
  ) {
    this.batchers = pipelines.map((p) => new Batcher(p.signal, buffer.maxBatchBytes));
    this.routes = sources.map(() => [[], [], [], []]);
    pipelines.forEach((p, pi) => {
      for (const rid of receiversOf(pi)) {
        const src = sources.indexOf(rid);
        if (src >= 0) this.routes[src]![SIGNAL_CODE[p.signal]]!.push(pi);
      }
    });
  }

  start(): Promise<void> {
    this.stopped ??= this.loop();
    return this.stopped;
  }

  /**
   * Alive: the loop turned recently or is waiting for exports to finish. A loop stuck in
   * synchronous code or on a promise that never settles is not (the worker's heartbeat stops).
   */
  alive(now: number): boolean {
    return this.waitingOnExports || now - this.lastTurnAt < 5000;
  }

  /** Finish: read what is left in the ring, cut every batch, wait for every export. */
  drain(): Promise<void> {
    this.draining = true;
    this.ring.wakeConsumer();
    return this.start();
  }

  private readonly onRecord = (rec: RingRecord): void => {
    const targets = this.routes[rec.source]?.[rec.signal];
    if (!targets || targets.length === 0) {
      this.logger.warn({ source: rec.source, signal: SIGNAL_BY_CODE[rec.signal] }, 'ring record without a pipeline, discarded');
      return;
    }
    const now = Date.now();
    for (const pi of targets) {
      const full = this.batchers[pi]!.add(rec.payload, rec.items, rec.receivedAt, now, rec.aux);
      if (full) this.dispatch(pi, full, 'size');
    }
  };

  private async loop(): Promise<void> {
    const maxDrainBytes = Math.max(this.buffer.maxBatchBytes, 1024 * 1024);
    for (;;) {
      let read = 0;
      if (this.inflight < this.buffer.maxInflightBatches) read = this.ring.drain(this.onRecord, maxDrainBytes);
      this.metrics.set('atc_ring_used_bytes', {}, this.ring.usedBytes());
      const now = Date.now();
      this.lastTurnAt = now;
      let nextDeadline = Infinity;
      let room = Infinity;
      // The drain stopped at its byte limit with more records waiting (a backlog): a batch
      // the next drain will fill is not cut for time yet, or each drain would end in a batch of
      // its last few records (which keeps a buffer for fusion's whole window); it gets one
      // window more, so a quiet pipeline beside a busy one still flushes.
      const backlog = read > 0 && this.ring.drainLimited;
      const interval = this.buffer.flushIntervalMs;
      this.batchers.forEach((b, pi) => {
        b.trimSpares(now);
        if (b.bytes === 0) return;
        const due = b.openedAt + (backlog ? 2 * interval : interval);
        if (due <= now || this.draining) this.dispatch(pi, b.cut(now), this.draining ? 'shutdown' : 'timeout');
        else {
          nextDeadline = Math.min(nextDeadline, due);
          room = Math.min(room, this.buffer.maxBatchBytes - b.bytes);
        }
      });
      if (this.draining && this.ring.usedBytes() === 0 && read === 0) break;
      if (this.inflight >= this.buffer.maxInflightBatches) {
        this.waitingOnExports = true;
        await this.inflightBelowLimit();
        this.waitingOnExports = false;
      } else if (read === 0) {
        const wait = this.draining ? 10 : Math.min(1000, nextDeadline === Infinity ? 1000 : Math.max(1, nextDeadline - Date.now()));
        // With a batch window open, records are read when it closes or once they would fill
        // the batch (capped so a small ring still drains early), not one wake-up per record:
        // a wake-up per request cost more than copying it. Idle: the first record wakes us.
        const minBytes = room === Infinity || this.draining ? 1 : Math.max(1, Math.min(room, this.ring.capacity >> 2));
        await this.ring.waitForData(minBytes, wait);
      } else {
        // Let exporter I/O callbacks run between drains.
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    this.waitingOnExports = true;
    while (this.inflight > 0) await this.inflightBelowLimit(1);
    this.waitingOnExports = false;
  }

  private dispatch(pi: number, batch: CutBatch, trigger: 'size' | 'timeout' | 'shutdown'): void {
    const p = this.pipelines[pi]!;
    this.batchesCut++;
    this.inflight++;
    this.metrics.set('atc_flush_inflight_batches', {}, this.inflight);
    this.metrics.inc('atc_flush_batches_total', { signal: p.signal, trigger });
    this.metrics.observe('atc_flush_batch_bytes', { signal: p.signal }, batch.data.length);
    const sourceAcks = batch.sourceAcks;
    // The batch's acknowledgements complete when its data reached every exporter, however
    // long a processor holds it; the chain's promise below only paces the loop.
    const acks = sourceAcks ? AckSet.of((status) => this.onAcked(sourceAcks, status)) : AckSet.none();
    // the buffer comes back to the batcher once the exporters returned and whoever kept views
    // of it (fusion's held spans) let go; a pipeline with processors pins it
    const batcher = this.batchers[pi]!;
    const hold = new BufferHold(batch.data, (data) => batcher.recycle(data));
    runBatch(p, { signal: batch.signal, data: batch.data, items: batch.items, createdAt: batch.createdAt, acks, hold })
      .catch((e: Error) => {
        this.logger.error({ pipeline: p.id, err: e.message }, 'pipeline failed on a batch');
        // not passed on by the failing processor: nothing will ever deliver it
        acks.complete('failed');
      })
      .finally(() => {
        this.metrics.observe('atc_flush_latency_seconds', { signal: p.signal }, Math.max(0, Date.now() - batch.oldestReceivedAt) / 1000);
        hold.release();
        this.inflight--;
        this.metrics.set('atc_flush_inflight_batches', {}, this.inflight);
        const w = this.inflightWaiters;
        this.inflightWaiters = [];
        for (const f of w) f();
      });
  }

  private inflightBelowLimit(limit = this.buffer.maxInflightBatches): Promise<void> {
    if (this.inflight < limit) return Promise.resolve();
    return new Promise((resolve) => this.inflightWaiters.push(resolve));
  }
}
