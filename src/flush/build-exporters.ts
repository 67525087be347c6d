// Builds the processors, exporters and connectors the pipelines use, one instance per id,
// and wires the pipeline graph: a connector is an exporter of the pipelines that list it under
// `exporters` and feeds the pipelines that list it under `receivers`.
import { scopedHealth, type HealthKind } from '../telemetry/health.js';
import { AckSet } from '../acks/ack-set.js';
import type { Connector, CreateContext, Exporter, Health, Processor } from '../component.js';
import { SUCCESS } from '../component.js';
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
  /** in shutdown order: a connector only after every connector that feeds it */
  connectors: Map<string, Connector>;
}

/**
 * A connector on the exporter side of a pipeline: it gets its own share of the batch's
 * acknowledgements, which stay open while it holds the data (fusion) and travel with what it
 * emits; the fan-out completes its own handle as for any exporter.
 */
function connectorAsExporter(c: Connector): Exporter {
  return {
    start: async () => {},
    shutdown: async () => {},
    export: async (b) => {
      await c.consume({ ...b, acks: b.acks ? b.acks.share() : AckSet.none() });
      return SUCCESS;
    },
  };
}

export function buildPipelines(cfg: CollectorConfig, logger: Logger, metrics: MetricsSink, health: Health): BuiltPipelines {
  const ctxFor = (id: string, kind: HealthKind): CreateContext => ({ id, logger: logger.child({ [kind]: id }), metrics, health: scopedHealth(health, kind) });
  const exporters = new Map<string, Exporter>();
  const processors = new Map<string, Processor>();
  const connectors = new Map<string, Connector>();
  const connector = (id: string): Connector => {
    let c = connectors.get(id);
    if (!c) {
      const entry = cfg.connectors.get(id)!;
      c = components().connectors.get(entry.type)!.create(entry.config, ctxFor(id, 'connector'));
      connectors.set(id, c);
    }
    return c;
  };
  const pipelines: RunnablePipeline[] = cfg.pipelines.map((p) => {
    // One instance per processor id, shared by every pipeline that lists it.
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
      if (cfg.connectors.has(id)) return { id, exporter: connectorAsExporter(connector(id)) };
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
    const keepsViews = p.exporters.some((id) => cfg.connectors.has(id) && connector(id).retainsHolds !== true);
    return chainPipeline({ id: p.id, signal: p.signal, processors: procs, exporters: exps, keepsViews }, metrics, logger);
  });
  // the receiver side: a connector emits into every pipeline that lists it as a receiver; and
  // it learns which signals it will be fed
  cfg.pipelines.forEach((p, i) => {
    for (const id of p.receivers) if (cfg.connectors.has(id)) connector(id).connect(p.signal, pipelines[i]!.entry);
    for (const id of p.exporters) if (cfg.connectors.has(id)) connector(id).fedWith?.(p.signal);
  });
  return { pipelines, exporters, processors: [...processors.values()], connectors: shutdownOrder(cfg, connectors) };
}

/** Upstream connectors first: a connector's shutdown emits what it holds into pipelines that may feed another. */
function shutdownOrder(cfg: CollectorConfig, connectors: Map<string, Connector>): Map<string, Connector> {
  const feeds = (a: string, b: string): boolean => cfg.pipelines.some((p) => p.receivers.includes(a) && p.exporters.includes(b));
  const out = new Map<string, Connector>();
  const left = [...connectors.keys()];
  while (left.length > 0) {
    // the graph has no cycles (checked with the config): some connector has no pending feeder
    const i = Math.max(0, left.findIndex((id) => !left.some((o) => o !== id && feeds(o, id))));
    const [id] = left.splice(i, 1);
    out.set(id!, connectors.get(id!)!);
  }
  return out;
}
