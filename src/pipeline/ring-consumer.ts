// A receiver's downstream on the main thread (or a receiver worker): writes each request's
// bytes into the ring. When the ring is full it waits briefly for space, then refuses
// (when_full: block) or drops and counts (when_full: drop_newest).
import type { Consumer, ConsumeOptions, ConsumeResult, Signal } from '../component.js';
import type { DeliveryTracker } from './delivery-tracker.js';
import { SIGNAL_CODE } from '../component.js';
import type { BufferConfig } from '../config/collector-config.js';
import { Ring } from '../ring/ring.js';
import type { MetricsSink } from '../telemetry/sink.js';
import type { IngestWal } from '../wal/ingest-wal.js';
import { IntakeState } from './intake-state.js';

/**
 * What a receiver worker thread needs to write into the same ring as this consumer (structured
 * clonable: the SharedArrayBuffers are shared, not copied).
 */
export interface RingConsumerSpec {
  readonly ring: SharedArrayBuffer;
  readonly intake: SharedArrayBuffer;
  readonly source: number;
  readonly signals: readonly Signal[];
  readonly buffer: BufferConfig;
}

const ACCEPTED: ConsumeResult = Object.freeze({ status: 'accepted' });
const SHUTTING_DOWN: ConsumeResult = Object.freeze({ status: 'refused', code: 'shutting_down', reason: 'the collector is shutting down', retryAfterMs: 1000 });

export class RingConsumer implements Consumer {
  constructor(
    private readonly ring: Ring,
    private readonly source: number,
    readonly signals: ReadonlySet<Signal>,
    private readonly buffer: BufferConfig,
    private readonly metrics: MetricsSink,
    private readonly memory?: { readonly overLimit: boolean },
    private readonly acks: {
      /** how many pipelines each signal's records from this source feed */
      deliveries?: Partial<Record<Signal, number>>;
      /** completion tickets for sources that ask for them */
      tracker?: DeliveryTracker;
      /** durability: disk — the write-ahead log */
      wal?: IngestWal;
      /** closed by the service when the ring's drain begins; shared with receiver workers */
      gate?: IntakeState;
      /** told whether requests are taken, for /readyz */
      pressure?: { accepted(): void; refused(now: number): void };
    } = {},
  ) {}

  /** A consumer in a receiver worker thread, writing into the ring `spec` describes. */
  static attach(spec: RingConsumerSpec, metrics: MetricsSink): RingConsumer {
    const intake = new IntakeState(spec.intake);
    return new RingConsumer(new Ring(spec.ring), spec.source, new Set(spec.signals), spec.buffer, metrics, intake, { gate: intake, pressure: intake });
  }

  /**
   * What a receiver worker thread needs to produce into the same ring, or why it cannot: the
   * write-ahead log and delivery tickets live on the main thread.
   */
  share(): RingConsumerSpec | string {
    if (this.acks.wal) return 'buffer.durability: disk writes the write-ahead log on the main thread only';
    if (!this.acks.gate) return 'this consumer has no shared intake state';
    return { ring: this.ring.sab, intake: this.acks.gate.sab, source: this.source, signals: [...this.signals], buffer: this.buffer };
  }

  async consume(signal: Signal, data: Uint8Array, items: number, opts?: ConsumeOptions): Promise<ConsumeResult> {
    const r = await this.intake(signal, data, items, opts);
    const pressure = this.acks.pressure;
    if (pressure) {
      if (r.status === 'accepted') pressure.accepted();
      // no room (ring, memory, log): the intake is stuck; too large or shutting down is not that
      else if (r.status === 'dropped' || r.code === 'ring_full' || r.code === 'memory_limit' || r.code === 'wal_error') pressure.refused(Date.now());
    }
    return r;
  }

  private async intake(signal: Signal, data: Uint8Array, items: number, opts?: ConsumeOptions): Promise<ConsumeResult> {
    // after the receivers' shutdown stage nothing may enter the ring: its drain has begun
    if (this.acks.gate?.closed) return SHUTTING_DOWN;
    if (this.memory?.overLimit) return { status: 'refused', code: 'memory_limit', reason: 'memory limit reached', retryAfterMs: 1000 };
    let segment = 0;
    const { wal, tracker } = this.acks;
    const deliveries = this.acks.deliveries?.[signal] ?? 0;
    if (wal) {
      try {
        segment = await wal.append(this.source, SIGNAL_CODE[signal], items, data, deliveries);
      } catch (e) {
        return { status: 'refused', code: 'wal_error', reason: `write-ahead log: ${(e as Error).message}`, retryAfterMs: 1000 };
      }
    }
    // A source that asks is told when every pipeline finished with the record (a ticket in
    // the ring header, which then also names the log segment); others need only the segment.
    const ticket = opts?.track && tracker ? tracker.issue(deliveries, segment) : undefined;
    const r = await this.toRing(signal, data, items, ticket ? ticket.ticket : segment);
    if (r.status !== 'accepted') {
      if (ticket) tracker!.cancel(ticket.ticket);
      // refused or dropped after logging: owe nothing for it (the client was not told 200)
      if (segment !== 0) await wal!.abandon(segment, deliveries);
      return r;
    }
    return ticket ? { status: 'accepted', delivered: ticket.delivered } : r;
  }

  private async toRing(signal: Signal, data: Uint8Array, items: number, ack: number): Promise<ConsumeResult> {
    const deadline = Date.now() + this.buffer.blockTimeoutMs;
    const gate = this.acks.gate;
    for (;;) {
      // inside the gate for the write only: the drain waits for writers in other threads
      if (gate && !gate.enter()) return SHUTTING_DOWN;
      const st = this.ring.write(SIGNAL_CODE[signal], this.source, items, data, 0, Date.now(), ack);
      gate?.leave();
      if (st === 'ok') return ACCEPTED;
      if (st === 'too_large') return { status: 'refused', code: 'too_large', reason: 'request is larger than the ring buffer can hold', retryAfterMs: 0 };
      if (this.buffer.whenFull === 'drop_newest') {
        this.metrics.inc('atc_ring_dropped_records_total', { signal });
        this.metrics.inc('atc_ring_dropped_items_total', { signal }, items);
        return { status: 'dropped', reason: 'ring buffer full: data dropped (buffer.when_full: drop_newest)' };
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.metrics.inc('atc_ring_full_refusals_total', { signal });
        return { status: 'refused', code: 'ring_full', reason: 'ring buffer full', retryAfterMs: 1000 };
      }
      await this.ring.waitForSpace(left);
    }
  }
}
