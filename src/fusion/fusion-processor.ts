// The fusion processor: the join (fusion-core.ts) wired into the pipelines that list it. One
// instance serves the traces, logs and metrics pipelines: traces are taken over and emitted
// enriched later; logs and metrics are read and passed on unchanged. Held spans hold their
// batches' acknowledgements (fusion-core.ts): a write-ahead log segment, a Kafka offset or a
// file checkpoint stays open until the trace is emitted and every exporter has it.
import { AckSet } from '../acks/ack-set.js';
import type { Batch, CreateContext, Processor } from '../component.js';
import type { FusionConfig } from './config.js';
import { createFusedSinks, writeFused, type FusedSink } from './fused-sinks.js';
import { FusionCore } from './fusion-core.js';

type Next = (b: Batch) => Promise<void>;

export class FusionProcessor implements Processor {
  readonly core: FusionCore;
  private tracesNext: Next | undefined;
  private logsNext: Next | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;
  private sinks: FusedSink[] = [];

  constructor(
    private readonly cfg: FusionConfig,
    private readonly ctx: CreateContext,
    private readonly now: () => number = Date.now,
  ) {
    this.core = new FusionCore(cfg, ctx, {
      traces: (data, items, acks) => {
        if (this.tracesNext) return this.track(this.tracesNext({ signal: 'traces', data, items, createdAt: this.now(), acks }));
        // not wired to a traces pipeline (the config never does this): dropped on purpose, counted
        this.ctx.metrics.inc('atc_fusion_dropped_spans_total', {}, items);
        acks.complete('dropped');
      },
      documents: (docs) => {
        if (this.sinks.length === 0) return;
        this.track(writeFused(this.sinks, docs, this.now(), this.ctx.logger, (sink) => this.ctx.metrics.inc('atc_fusion_documents_failed_total', { sink }, docs.length)));
      },
      anomalies: (data, items) => {
        if (this.logsNext) this.track(this.logsNext({ signal: 'logs', data, items, createdAt: this.now() }));
      },
    }, now);
  }

  async start(): Promise<void> {
    this.sinks = createFusedSinks(this.cfg.fusedOutput);
    this.timer = setInterval(() => this.core.tick(), this.core.tickMs);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.core.flushAll();
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    for (const s of this.sinks) await s.close();
  }

  connect(signal: Batch['signal'], next: Next): void {
    if (signal === 'traces') this.tracesNext ??= next;
    else if (signal === 'logs') this.logsNext ??= next;
  }

  /** Traces are taken over (emitted later, enriched); logs and metrics are read and passed on. */
  process(batch: Batch, next: Next): Promise<void> {
    switch (batch.signal) {
      case 'traces':
        this.tracesNext = next;
        if (this.stopped) return next(batch);
        this.core.addSpans(batch.data, batch.acks ?? AckSet.none());
        return Promise.resolve();
      case 'logs':
        this.logsNext = next;
        this.core.addLogs(batch.data);
        return next(batch);
      case 'metrics':
        this.core.addMetrics(batch.data);
        return next(batch);
    }
  }

  /** Traces held now (tests and benchmarks). */
  get heldTraces(): number {
    return this.core.heldTraces;
  }

  get heldByteCount(): number {
    return this.core.heldByteCount;
  }

  private track(p: Promise<void>): void {
    const t = p.catch((e: Error) => this.ctx.logger.error({ err: e.message }, 'fusion output failed')).finally(() => this.inflight.delete(t));
    this.inflight.add(t);
  }
}
