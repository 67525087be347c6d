// Builds the processors and exporters the pipelines use, one exporter instance per id.
import type { CreateContext, Exporter, Health, Processor } from '../component.js';
import type { CollectorConfig } from '../config/collector-config.js';
import { components } from '../component-registry.js';
import type { Logger } from 'pino';
import type { MetricsSink } from '../telemetry/sink.js';
import { chainPipeline, type RunnablePipeline } from './pipeline-runner.js';
import { RetryingExporter } from '../exporterhelper/retrying-exporter.js';
import { SpillingExporter } from '../spill/spilling-exporter.js';

export interface BuiltPipelines {
  pipelines: RunnablePipeline[];
  exporters: Map<string, Exporter>;
  processors: Processor[];
}

export function buildPipelines(cfg: CollectorConfig, logger: Logger, metrics: MetricsSink, health: Health): BuiltPipelines {
  const ctxFor = (id: string, kind: string): CreateContext => ({ id, logger: logger.child({ [kind]: id }), metrics, health });
  const exporters = new Map<string, Exporter>();
  const processors = new Map<string, Processor>();
  const pipelines: RunnablePipeline[] = cfg.pipelines.map((p) => {
    // One instance per processor id, shared by every pipeline that lists it: a joining
    // processor (fusion) sees the traces, logs and metrics pipelines it is wired into.
    const procs = p.processors.map((id) => {
      let proc = processors.get(id);
      if (!proc) {
        const entry = cfg.processors.get(id)!;
        proc = components().processors.get(entry.type)!.create(entry.config, ctxFor(id, 'processor'));
        processors.set(id, proc);
      }
      return proc;
    });
    const exps = p.exporters.map((id) => {
      let e = exporters.get(id);
      if (!e) {
        const entry = cfg.exporters.get(id)!;
        const ctx = ctxFor(id, 'exporter');
        e = components().exporters.get(entry.type)!.create(entry.config, ctx);
        // With spill on, a retrying exporter's transport goes behind the spill queue, which
        // retries on its own from disk instead of holding the batch in memory.
        if (cfg.spill.enabled && e instanceof RetryingExporter && e.cfg.enabled) e = new SpillingExporter(e.inner, e.cfg, cfg.spill, ctx);
        exporters.set(id, e);
      }
      return { id, exporter: e };
    });
    return chainPipeline({ id: p.id, signal: p.signal, processors: procs, exporters: exps }, metrics, logger);
  });
  return { pipelines, exporters, processors: [...processors.values()] };
}
