// What the two probes mean, in one place (docs/deployment.md explains them):
// - readiness (/readyz): send me traffic. The service is running, every required receiver is
//   ready (listening, or reaching its source), and the intake has not refused everything for
//   service.readiness.ring_full_for. Exporters, processors and connectors never count: a
//   collector whose sink is down keeps accepting and spills, so it must stay in its Service.
//   Optional components (an NVML receiver without `required: true`) never count either.
// - liveness (/healthz): restart me. The main event loop answers (it serves this) and the
//   flush worker's heartbeat moved within service.liveness.flush_stall_for.
import type { CollectorConfig, ComponentEntry } from '../config/collector-config.js';
import { healthKey, type HealthRegistry } from './health.js';

export interface ProbeResult {
  ok: boolean;
  /** why not ok; null when ok */
  reason: string | null;
}

/** Components whose health never blocks readiness: NVML unless `required: true`. */
export function isOptional(entry: ComponentEntry): boolean {
  const c = entry.config as { required?: unknown } | undefined;
  return entry.type === 'nvml' && c?.required !== true;
}

export interface ReadinessInput {
  state: string;
  cfg: CollectorConfig;
  health: HealthRegistry;
  /** how long the intake has refused every request */
  refusingForMs: number;
}

export function readiness(i: ReadinessInput): ProbeResult {
  if (i.state !== 'running') return { ok: false, reason: `service is ${i.state}` };
  const report = i.health.report();
  for (const [id, entry] of i.cfg.receivers) {
    if (isOptional(entry)) continue;
    const h = report[healthKey('receiver', id)];
    if (h && !h.ready) return { ok: false, reason: `receiver/${id}: ${h.reason ?? 'not ready'}` };
  }
  const limit = i.cfg.service.ringFullUnreadyAfterMs;
  if (i.refusingForMs >= limit) {
    return { ok: false, reason: `every request refused for ${(i.refusingForMs / 1000).toFixed(1)} s (ring full or memory limit; service.readiness.ring_full_for is ${limit / 1000} s)` };
  }
  return { ok: true, reason: null };
}

export interface LivenessInput {
  state: string;
  /** ms since the flush worker's heartbeat last moved; undefined before the worker runs */
  beatAgeMs: number | undefined;
  stallMs: number;
}

export function liveness(i: LivenessInput): ProbeResult {
  // stopping: the worker drains and then ends; the kubelet must not kill a drain
  if (i.state === 'stopping' || i.state === 'stopped' || i.beatAgeMs === undefined) return { ok: true, reason: null };
  if (i.beatAgeMs >= i.stallMs) return { ok: false, reason: `flush worker: no heartbeat for ${(i.beatAgeMs / 1000).toFixed(1)} s` };
  return { ok: true, reason: null };
}
