// The fusion connector: an exporter of the traces, logs and metrics pipelines whose data it
// joins, a receiver of the pipelines it feeds — enriched traces into traces pipelines, fused
// documents (and training anomalies) as log records into logs pipelines — whose ordinary
// processors and exporters deliver them. Held spans hold their batches' acknowledgements, which
// go out with the enriched traces (so a WAL segment, Kafka offset or file checkpoint stays open
// until the trace reached every exporter of the pipelines fusion feeds).
import { AckSet } from '../../src/acks/ack-set.js';
import type { Batch, Connector, CreateContext, Signal } from '../../src/component.js';
import type { BufferHold } from '../../src/buffers/buffer-hold.js';
import type { FusionConfig } from './config.js';
import { encodeFusedDocuments } from './fused-log-records.js';
import { FusionCore } from './fusion-core.js';

type Emit = (batch: Batch) => Promise<void>;

export class FusionConnector implements Connector {
  /** held spans are views of their batch only while its hold is retained */
  readonly retainsHolds = true;
  readonly core: FusionCore;
  private readonly outputs: Record<'traces' | 'logs', Emit[]> = { traces: [], logs: [] };
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;
  /** signals the pipelines it exports for carry (empty: not told, any may come) */
  private readonly fed = new Set<Signal>();

  constructor(
    cfg: FusionConfig,
    private readonly ctx: CreateContext,
    private readonly now: () => number = Date.now,
  ) {
    this.core = new FusionCore(
      cfg,
      ctx,
      {
        traces: (data, items, acks, hold) => this.emit('traces', data, items, acks, hold),
        ...(cfg.documents ? { documents: (docs) => this.emit('logs', encodeFusedDocuments(docs, BigInt(this.now()) * 1_000_000n), docs.length, AckSet.none()) } : {}),
        anomalies: (data, items) => this.emit('logs', data, items, AckSet.none()),
      },
      now,
    );
  }

  connect(signal: Signal, emit: Emit): void {
    if (signal === 'traces' || signal === 'logs') this.outputs[signal].push(emit);
  }

  fedWith(signal: Signal): void {
    this.fed.add(signal);
  }

  async start(): Promise<void> {
    // no logs pipeline feeds it: no late log can come, so nothing is remembered for one
    if (this.fed.size > 0 && !this.fed.has('logs')) this.core.keepLateWindow(false);
    this.timer = setInterval(() => this.core.tick(), this.core.tickMs);
  }

  /** Emits every held trace, then waits until the pipelines it feeds took everything. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.core.flushAll();
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  consume(batch: Batch): Promise<void> {
    const acks = batch.acks ?? AckSet.none();
    switch (batch.signal) {
      case 'traces':
        if (this.stopped) return this.emitBatch('traces', batch);
        this.core.addSpans(batch.data, acks, batch.hold); // held traces take shares (and the buffer)
        return Promise.resolve();
      case 'logs':
        // logs are read, not held for delivery: the logs pipeline's exporters deliver them
        this.core.keepLateWindow(true);
        this.core.addLogs(batch.data);
        break;
      case 'metrics':
        this.core.addMetrics(batch.data);
        break;
    }
    acks.complete('delivered');
    return Promise.resolve();
  }

  /** Traces held now (tests and benchmarks). */
  get heldTraces(): number {
    return this.core.heldTraces;
  }

  private emit(signal: 'traces' | 'logs', data: Uint8Array, items: number, acks: AckSet, hold?: BufferHold): void {
    const sent = this.emitBatch(signal, { signal, data, items, createdAt: this.now(), acks, hold });
    // the request's buffer goes back to fusion once every pipeline fed returned
    this.track(hold ? sent.finally(() => hold.release()) : sent);
  }

  /** Into every pipeline fed with `signal`, each with a share of the acknowledgements. */
  private async emitBatch(signal: 'traces' | 'logs', batch: Batch): Promise<void> {
    const acks = batch.acks ?? AckSet.none();
    const outs = this.outputs[signal];
    if (outs.length === 0) {
      // not wired to such a pipeline (the config check prevents it for traces): dropped, counted
      if (signal === 'traces') this.ctx.metrics.inc('atc_fusion_dropped_spans_total', {}, batch.items);
      acks.complete('dropped');
      return;
    }
    const sends = outs.map((emit) => emit({ ...batch, acks: acks.share() }));
    acks.complete('delivered'); // the shares keep the acknowledgements open
    await Promise.all(sends);
  }

  private track(p: Promise<void>): void {
    const t = p.catch((e: Error) => this.ctx.logger.error({ err: e.message }, 'fusion output failed')).finally(() => this.inflight.delete(t));
    this.inflight.add(t);
  }
}
