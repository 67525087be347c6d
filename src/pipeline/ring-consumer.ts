// A receiver's downstream on the main thread (or a receiver worker): writes each request's
// bytes into the ring. When the ring is full it waits briefly for space, then refuses
// (when_full: block) or drops and counts (when_full: drop_newest).
import type { Consumer, ConsumeResult, Signal } from '../component.js';
import { SIGNAL_CODE } from '../component.js';
import type { BufferConfig } from '../config/collector-config.js';
import type { Ring } from '../ring/ring.js';
import type { MetricsSink } from '../telemetry/sink.js';

const ACCEPTED: ConsumeResult = Object.freeze({ status: 'accepted' });

export class RingConsumer implements Consumer {
  constructor(
    private readonly ring: Ring,
    private readonly source: number,
    readonly signals: ReadonlySet<Signal>,
    private readonly buffer: BufferConfig,
    private readonly metrics: MetricsSink,
  ) {}

  async consume(signal: Signal, data: Uint8Array, items: number): Promise<ConsumeResult> {
    const deadline = Date.now() + this.buffer.blockTimeoutMs;
    for (;;) {
      const st = this.ring.write(SIGNAL_CODE[signal], this.source, items, data);
      if (st === 'ok') return ACCEPTED;
      if (st === 'too_large') return { status: 'refused', reason: 'too_large', retryAfterMs: 0 };
      if (this.buffer.whenFull === 'drop_newest') {
        this.metrics.inc('atc_ring_dropped_records_total', { signal });
        this.metrics.inc('atc_ring_dropped_items_total', { signal }, items);
        return { status: 'dropped', reason: 'ring buffer full: data dropped (buffer.when_full: drop_newest)' };
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.metrics.inc('atc_ring_full_refusals_total', { signal });
        return { status: 'refused', reason: 'ring buffer full', retryAfterMs: 1000 };
      }
      await this.ring.waitForSpace(left);
    }
  }
}
