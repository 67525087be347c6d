// Wraps an exporter's transport with the on-disk spill queue. A batch the sink cannot take
// now (a retryable result) is spilled and counts as handled; while anything is spilled, new
// batches queue behind it so the sink receives them in order. A replayer drains the queue
// with backoff when the sink returns, deleting each batch only after the sink acknowledged it.
// When the queue is full too, export() waits: the flush worker stops reading the ring, the
// ring fills and the receivers refuse with 503 — backpressure instead of loss.
import { join } from 'node:path';
import type { Batch, CreateContext, Exporter, ExportResult } from '../component.js';
import { SUCCESS } from '../component.js';
import { backoffDelay, type RetryConfig } from '../exporterhelper/retry-config.js';
import { DiskFullError } from './disk-log.js';
import type { SpillConfig } from './spill-config.js';
import { SpillQueue } from './spill-queue.js';
import { Sleeper } from '../time/sleep.js';

export class SpillingExporter implements Exporter {
  private queue: SpillQueue | undefined;
  private stopping = false;
  private replaying: Promise<void> | undefined;
  private readonly sleeper = new Sleeper();
  private readonly labels: { exporter: string };

  constructor(
    private readonly transport: Exporter,
    private readonly retry: RetryConfig,
    private readonly spill: SpillConfig,
    private readonly ctx: CreateContext,
  ) {
    this.labels = { exporter: ctx.id };
  }

  private get dir(): string {
    return join(this.spill.directory, this.ctx.id.replace(/[^A-Za-z0-9_.-]/g, '_'));
  }

  async start(): Promise<void> {
    const { queue, report } = await SpillQueue.open({
      directory: this.dir,
      maxBytes: this.spill.maxSizeBytes,
      segmentBytes: this.spill.segmentBytes,
      fsync: this.spill.fsync,
      fsyncIntervalMs: this.spill.fsyncIntervalMs,
    });
    this.queue = queue;
    if (report.quarantinedBytes > 0) {
      this.ctx.metrics.inc('atc_spill_quarantined_bytes_total', this.labels, report.quarantinedBytes);
      this.ctx.logger.error({ problems: report.problems, quarantinedBytes: report.quarantinedBytes }, 'spill queue had a damaged tail; the valid records are kept and the rest is in quarantine/');
    }
    if (report.records > 0) this.ctx.logger.info({ batches: report.records, bytes: report.bytes }, 'spilled batches found at start: replaying them');
    this.gauges();
    await this.transport.start();
    this.replaying = this.replayLoop();
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    this.sleeper.wake();
    await this.replaying;
    await this.transport.shutdown();
    await this.queue?.close();
  }

  async export(batch: Batch): Promise<ExportResult> {
    const q = this.queue!;
    if (q.empty && !this.stopping) {
      const r = await this.transport.export(batch);
      if (r.outcome !== 'retryable') return r;
      this.ctx.logger.warn({ signal: batch.signal, items: batch.items, err: r.error.message }, 'sink unavailable: spilling to disk');
    }
    // Spill (behind whatever is queued already), waiting for space when the queue is full.
    for (let attempt = 1; ; attempt++) {
      try {
        await q.enqueue(batch);
        this.ctx.metrics.inc('atc_spill_enqueued_batches_total', this.labels);
        this.gauges();
        this.sleeper.wake();
        return SUCCESS;
      } catch (e) {
        if (!(e instanceof DiskFullError)) return { outcome: 'retryable', error: e as Error };
        this.ctx.metrics.inc('atc_spill_full_total', this.labels);
        if (attempt === 1) this.ctx.logger.error({ err: e.message }, 'spill queue full: holding batches (receivers will refuse new data)');
        if (this.stopping) return { outcome: 'retryable', error: e };
        await this.sleeper.sleep(Math.min(1000, 50 * attempt));
        // the sink may be back, and the queue drained meanwhile
        if (q.empty) {
          const r = await this.transport.export(batch);
          if (r.outcome !== 'retryable') return r;
        }
      }
    }
  }

  private async replayLoop(): Promise<void> {
    const q = this.queue!;
    let attempt = 0;
    while (!this.stopping) {
      let next;
      try {
        next = q.empty ? undefined : await q.peek();
      } catch (e) {
        // never take the worker down: log, back off, try again
        this.ctx.logger.error({ err: (e as Error).message }, 'reading the spill queue failed');
        await this.sleeper.sleep(1000);
        continue;
      }
      if (!next) {
        await this.sleeper.sleep(60_000);
        continue;
      }
      const r = await this.transport.export(next.batch);
      if (r.outcome === 'retryable') {
        attempt++;
        this.ctx.metrics.inc('atc_exporter_retries_total', { exporter: this.ctx.id, signal: next.batch.signal });
        const delay = Math.max(backoffDelay(this.retry, attempt), r.retryAfterMs ?? 0);
        if (attempt === 1 || attempt % 10 === 0) this.ctx.logger.warn({ attempt, delayMs: Math.round(delay), queued: q.batches, err: r.error.message }, 'replay of spilled batches failed, retrying');
        await this.sleeper.sleep(delay);
        continue;
      }
      if (r.outcome === 'failure') {
        this.ctx.metrics.inc('atc_exporter_send_failed_batches_total', { exporter: this.ctx.id, signal: next.batch.signal });
        this.ctx.metrics.inc('atc_exporter_send_failed_items_total', { exporter: this.ctx.id, signal: next.batch.signal }, next.batch.items);
        this.ctx.logger.error({ err: r.error.message, items: next.batch.items }, 'spilled batch refused permanently by the sink; dropped');
      } else {
        this.ctx.metrics.inc('atc_spill_replayed_batches_total', this.labels);
        if (attempt > 0) this.ctx.logger.info({ queued: q.batches - 1 }, 'sink is back: replaying spilled batches');
      }
      attempt = 0;
      await q.ack(next);
      this.gauges();
    }
  }

  private gauges(): void {
    const q = this.queue!;
    this.ctx.metrics.set('atc_spill_queue_bytes', this.labels, q.bytes);
    this.ctx.metrics.set('atc_spill_queue_batches', this.labels, q.batches);
  }


}
