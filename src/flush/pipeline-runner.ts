// In the flush worker: runs one cut batch through its pipeline's processors and fans it out
// to every exporter. The batch is complete when each exporter has it or has failed for good.
import type { Logger } from 'pino';
import type { Batch, Exporter, Processor, Signal } from '../component.js';
import type { MetricsSink } from '../telemetry/sink.js';

export interface RunnablePipeline {
  readonly id: string;
  readonly signal: Signal;
  readonly processors: readonly Processor[];
  readonly exporters: readonly { readonly id: string; readonly exporter: Exporter }[];
}

export async function runBatch(p: RunnablePipeline, batch: Batch, metrics: MetricsSink, logger: Logger): Promise<void> {
  const fanOut = async (b: Batch): Promise<void> => {
    const results = await Promise.all(p.exporters.map(({ exporter }) => exporter.export(b).catch((e: Error) => ({ outcome: 'failure' as const, error: e }))));
    results.forEach((r, i) => {
      if (r.outcome === 'success') return;
      const id = p.exporters[i]!.id;
      metrics.inc('atc_exporter_send_failed_batches_total', { exporter: id, signal: b.signal });
      metrics.inc('atc_exporter_send_failed_items_total', { exporter: id, signal: b.signal }, b.items);
      logger.error({ exporter: id, pipeline: p.id, signal: b.signal, items: b.items, outcome: r.outcome, err: r.error.message }, 'batch not delivered');
    });
  };
  if (p.processors.length === 0) return fanOut(batch);
  let i = 0;
  const step = async (b: Batch): Promise<void> => {
    const proc = p.processors[i++];
    if (proc === undefined) return fanOut(b);
    return proc.process(b, step);
  };
  return step(batch);
}
