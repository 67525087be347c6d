// The fusion connector: an exporter of the traces, logs and metrics pipelines whose data it
// joins, a receiver of the pipelines it feeds — enriched traces into traces pipelines, fused
// documents (and training anomalies) as log records into logs pipelines — whose ordinary
// processors and exporters deliver them.
import type { Batch, Connector, CreateContext, Signal } from '../../src/component.js';
import type { FusionConfig } from './config.js';
import { encodeFusedDocuments } from './fused-log-records.js';
import { FusionCore } from './fusion-core.js';

type Emit = (batch: Batch) => Promise<void>;

export class FusionConnector implements Connector {
  readonly core: FusionCore;
  private readonly outputs: Record<'traces' | 'logs', Emit[]> = { traces: [], logs: [] };
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    cfg: FusionConfig,
    private readonly ctx: CreateContext,
    private readonly now: () => number = Date.now,
  ) {
    this.core = new FusionCore(
      cfg,
      ctx,
      {
        traces: (data, items) => this.emit('traces', data, items),
        ...(cfg.documents ? { documents: (docs) => this.emit('logs', encodeFusedDocuments(docs, BigInt(this.now()) * 1_000_000n), docs.length) } : {}),
        anomalies: (data, items) => this.emit('logs', data, items),
      },
      now,
    );
  }

  connect(signal: Signal, emit: Emit): void {
    if (signal === 'traces' || signal === 'logs') this.outputs[signal].push(emit);
  }

  async start(): Promise<void> {
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
    switch (batch.signal) {
      case 'traces':
        if (this.stopped) return this.emitBatch('traces', batch);
        this.core.addSpans(batch.data);
        break;
      case 'logs':
        this.core.addLogs(batch.data);
        break;
      case 'metrics':
        this.core.addMetrics(batch.data);
        break;
    }
    return Promise.resolve();
  }

  /** Traces held now (tests and benchmarks). */
  get heldTraces(): number {
    return this.core.heldTraces;
  }

  private emit(signal: 'traces' | 'logs', data: Uint8Array, items: number): void {
    this.track(this.emitBatch(signal, { signal, data, items, createdAt: this.now() }));
  }

  private async emitBatch(signal: 'traces' | 'logs', batch: Batch): Promise<void> {
    await Promise.all(this.outputs[signal].map((emit) => emit(batch)));
  }

  private track(p: Promise<void>): void {
    const t = p.catch((e: Error) => this.ctx.logger.error({ err: e.message }, 'fusion output failed')).finally(() => this.inflight.delete(t));
    this.inflight.add(t);
  }
}
