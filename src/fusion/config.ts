// `processors.fusion`: the join window, its bounds, and where GPU data and anomalies come from.
import type { ConfigErrors } from '../config/errors.js';
import { Fields } from '../config/fields.js';

export interface FusionConfig {
  /** hold a trace this long after its last span arrived */
  decisionWaitMs: number;
  /** once the root span has ended, wait only this long for stragglers */
  rootWaitMs: number;
  maxTraces: number;
  maxBytes: number;
  /** keep GPU samples and events this long (must cover decision_wait plus span durations) */
  gpuRetentionMs: number;
  /** remember emitted traces this long, to send late logs as follow-up fragments */
  lateWindowMs: number;
  anomaly: { enabled: boolean; factor: number; window: number; metrics: string[] };
  /** one JSON document per fused trace, as JSON lines under this directory ('' = off) */
  fusedDirectory: string;
}

export function createDefaultConfig(): FusionConfig {
  return {
    decisionWaitMs: 5000,
    rootWaitMs: 1000,
    maxTraces: 100_000,
    maxBytes: 256 * 1024 * 1024,
    gpuRetentionMs: 10 * 60_000,
    lateWindowMs: 60_000,
    anomaly: { enabled: true, factor: 10, window: 50, metrics: ['loss', 'grad_norm'] },
    fusedDirectory: '',
  };
}

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): FusionConfig {
  const d = createDefaultConfig();
  const f = new Fields(raw, path, errors, ['decision_wait', 'root_wait', 'max_traces', 'max_bytes', 'gpu_retention', 'late_window', 'anomaly', 'fused_output']);
  const a = f.sub('anomaly', ['enabled', 'factor', 'window', 'metrics']);
  const o = f.sub('fused_output', ['directory']);
  const cfg: FusionConfig = {
    decisionWaitMs: f.duration('decision_wait', d.decisionWaitMs, { min: 1 }),
    rootWaitMs: f.duration('root_wait', d.rootWaitMs, { min: 0 }),
    maxTraces: f.number('max_traces', d.maxTraces, { min: 1, integer: true }),
    maxBytes: f.bytes('max_bytes', d.maxBytes, { min: 1024 * 1024 }),
    gpuRetentionMs: f.duration('gpu_retention', d.gpuRetentionMs, { min: 1000 }),
    lateWindowMs: f.duration('late_window', d.lateWindowMs, { min: 0 }),
    anomaly: {
      enabled: a.bool('enabled', d.anomaly.enabled),
      factor: a.number('factor', d.anomaly.factor, { min: 1 }),
      window: a.number('window', d.anomaly.window, { min: 3, integer: true }),
      metrics: a.stringList('metrics', d.anomaly.metrics),
    },
    fusedDirectory: o.string('directory', d.fusedDirectory),
  };
  if (cfg.rootWaitMs > cfg.decisionWaitMs) f.fail('root_wait', 'must not exceed decision_wait');
  return cfg;
}
