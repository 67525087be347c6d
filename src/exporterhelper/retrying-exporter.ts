// Wraps a transport exporter with retries: exponential backoff with jitter, honouring the
// sink's Retry-After hint, bounded by max_elapsed_time and cut short by shutdown.
import type { Batch, CreateContext, Exporter, ExportResult } from '../component.js';
import { backoffDelay, type RetryConfig } from './retry-config.js';
import { Sleeper } from '../time/sleep.js';

export class RetryingExporter implements Exporter {
  private stopping = false;
  private readonly sleeper = new Sleeper();

  constructor(
    /** the wrapped transport: the spill queue wraps it directly and retries on its own */
    readonly inner: Exporter,
    readonly cfg: RetryConfig,
    private readonly ctx: CreateContext,
  ) {}

  start(): Promise<void> {
    return this.inner.start();
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    this.sleeper.wake();
    await this.inner.shutdown();
  }

  /** Stop waiting between attempts (used when draining on shutdown hands work to the spill). */
  interrupt(): void {
    this.stopping = true;
    this.sleeper.wake();
  }

  async export(batch: Batch): Promise<ExportResult> {
    const started = Date.now();
    let attempt = 0;
    for (;;) {
      const res = await this.inner.export(batch);
      if (res.outcome !== 'retryable' || !this.cfg.enabled || this.stopping) return res;
      attempt++;
      let delay = backoffDelay(this.cfg, attempt);
      if (res.retryAfterMs !== undefined) delay = Math.max(delay, res.retryAfterMs);
      if (this.cfg.maxElapsedMs > 0 && Date.now() - started + delay > this.cfg.maxElapsedMs) return res;
      this.ctx.metrics.inc('atc_exporter_retries_total', { exporter: this.ctx.id, signal: batch.signal });
      this.ctx.logger.warn({ signal: batch.signal, attempt, delayMs: Math.round(delay), err: res.error.message }, 'export failed, retrying');
      await this.sleeper.sleep(delay);
      if (this.stopping) return res;
    }
  }

}
