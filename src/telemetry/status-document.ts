// The JSON /status document: the service's state, readiness with its reason, and every
// configured component with the pipelines it serves and its health. Read by the status page
// and by operators (curl); the shape is documented in docs/deployment.md.
import type { CollectorConfig, ComponentEntry } from '../config/collector-config.js';
import type { HealthRegistry } from './health.js';
import { isOptional, type ProbeResult } from './probes.js';

export type ComponentKind = 'receiver' | 'processor' | 'connector' | 'exporter';
export type ComponentState = 'starting' | 'running' | 'degraded' | 'failed' | 'stopping' | 'stopped';

export interface ComponentStatus {
  id: string;
  kind: ComponentKind;
  pipelines: string[];
  state: ComponentState;
  reason: string | null;
  /** false: its health never blocks readiness (an optional NVML receiver on a GPU-less node) */
  required: boolean;
}

export interface StatusDocument {
  state: string;
  since: string;
  version: string;
  ready: boolean;
  ready_reason: string | null;
  components: ComponentStatus[];
  pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
}

export interface StatusInput {
  state: 'created' | 'starting' | 'running' | 'stopping' | 'stopped';
  since: Date;
  version: string;
  cfg: CollectorConfig;
  health: HealthRegistry;
  /** the readiness probe's answer (src/telemetry/probes.ts) */
  readiness: ProbeResult;
}

export function statusDocument(input: StatusInput): StatusDocument {
  const { cfg, health, state } = input;
  const components: ComponentStatus[] = [];
  const add = (kind: ComponentKind, entries: ReadonlyMap<string, ComponentEntry>, member: (p: CollectorConfig['pipelines'][number], id: string) => boolean): void => {
    for (const [id, entry] of entries) {
      const h = health.get(kind, id);
      let st: ComponentState;
      if (state === 'stopping' || state === 'stopped') st = state;
      else if (!h) st = state === 'running' ? 'running' : 'starting';
      else if (h.ready) st = 'running';
      else st = state === 'running' ? 'degraded' : 'starting';
      components.push({
        id,
        kind,
        pipelines: cfg.pipelines.filter((p) => member(p, id)).map((p) => p.id),
        state: st,
        reason: h?.reason ?? null,
        required: !isOptional(entry),
      });
    }
  };
  add('receiver', cfg.receivers, (p, id) => p.receivers.includes(id));
  add('processor', cfg.processors, (p, id) => p.processors.includes(id));
  add('connector', cfg.connectors, (p, id) => p.receivers.includes(id) || p.exporters.includes(id));
  add('exporter', cfg.exporters, (p, id) => p.exporters.includes(id));
  const pipelines: StatusDocument['pipelines'] = {};
  for (const p of cfg.pipelines) pipelines[p.id] = { receivers: [...p.receivers], processors: [...p.processors], exporters: [...p.exporters] };
  return { state, since: input.since.toISOString(), version: input.version, ready: input.readiness.ok, ready_reason: input.readiness.reason, components, pipelines };
}
