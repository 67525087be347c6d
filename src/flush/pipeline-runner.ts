// In the flush worker: runs one cut batch through its pipeline's processors and fans it out
// to every exporter. The fan-out completes the batch's acknowledgements once each exporter
// has it (delivered or durably spilled) or has failed for good.
import type { Logger } from 'pino';
import type { Batch, Exporter, Processor, Signal } from '../component.js';
import type { MetricsSink } from '../telemetry/sink.js';

export interface RunnablePipeline {
  readonly id: string;
  readonly signal: Signal;
  readonly processors: readonly Processor[];
  readonly exporters: readonly { readonly id: string; readonly exporter: Exporter }[];
  /** a connector among the exporters may keep views of the batch without saying when it let go */
  readonly keepsViews?: boolean;
  /** the pipeline as one function: processors in order, then the fan-out (built once) */
  readonly entry: (batch: Batch) => Promise<void>;
}

/**
 * Builds the pipeline's chain once. Each processor gets a stable `next` for the rest of its
 * pipeline, so a processor that holds data (fusion) can emit later through the same function.
 */
export function chainPipeline(
  p: Omit<RunnablePipeline, 'entry'>,
  metrics: MetricsSink,
  logger: Logger,
): RunnablePipeline {
  const fanOut = async (b: Batch): Promise<void> => {
    const results = await Promise.all(p.exporters.map(({ exporter }) => exporter.export(b).catch((e: Error) => ({ outcome: 'failure' as const, error: e }))));
    let failed = false;
    results.forEach((r, i) => {
      if (r.outcome === 'success') return;
      failed = true;
      const id = p.exporters[i]!.id;
      metrics.inc('atc_exporter_send_failed_batches_total', { exporter: id, signal: b.signal });
      metrics.inc('atc_exporter_send_failed_items_total', { exporter: id, signal: b.signal }, b.items);
      logger.error({ exporter: id, pipeline: p.id, signal: b.signal, items: b.items, outcome: r.outcome, err: r.error.message }, 'batch not delivered');
    });
    b.acks?.complete(failed ? 'failed' : 'delivered');
  };
  let next: (b: Batch) => Promise<void> = fanOut;
  for (let i = p.processors.length - 1; i >= 0; i--) {
    const proc = p.processors[i]!;
    const after = next;
    proc.connect?.(p.signal, after);
    next = (b) => proc.process(b, after);
  }
  // processors (and connectors that do not retain holds) may read the batch later: pinned
  if (p.processors.length > 0 || p.keepsViews) {
    const inner = next;
    next = (b) => {
      b.hold?.pin();
      return inner(b);
    };
  }
  return { ...p, entry: next };
}

export function runBatch(p: RunnablePipeline, batch: Batch): Promise<void> {
  return p.entry(batch);
}
