// `retry` settings shared by every exporter, with the Collector's retry_on_failure defaults.
import { fieldTable } from '../config/field-table.js';
import type { Fields } from '../config/fields.js';

export interface RetryConfig {
  enabled: boolean;
  initialIntervalMs: number;
  maxIntervalMs: number;
  /** 0 means retry for ever */
  maxElapsedMs: number;
  multiplier: number;
  randomizationFactor: number;
}

export const DEFAULT_RETRY: RetryConfig = {
  enabled: true,
  initialIntervalMs: 5_000,
  maxIntervalMs: 30_000,
  maxElapsedMs: 300_000,
  multiplier: 1.5,
  randomizationFactor: 0.5,
};

/** The `retry` table with one exporter's defaults (they differ per exporter). */
export function retryFields(def: RetryConfig = DEFAULT_RETRY) {
  return fieldTable({
    enabled: { type: 'bool', default: def.enabled, doc: 'Retry failed exports (with exponential backoff); off: a failed batch is spilled or dropped at once.' },
    initial_interval: { type: 'duration', default: def.initialIntervalMs, min: 1, doc: 'Wait before the first retry.' },
    max_interval: { type: 'duration', default: def.maxIntervalMs, min: 1, doc: 'Longest wait between retries; not below initial_interval.' },
    max_elapsed_time: { type: 'duration', default: def.maxElapsedMs, doc: 'Give up on a batch after retrying this long; 0 retries for ever.' },
    multiplier: { type: 'number', default: def.multiplier, min: 1, doc: 'Each wait is the previous one times this.' },
    randomization_factor: { type: 'number', default: def.randomizationFactor, min: 0, max: 1, doc: 'Jitter: each wait is randomised by ± this fraction.' },
  });
}

export const RETRY_FIELDS = retryFields();

export function parseRetry(parent: Fields, key = 'retry', table = RETRY_FIELDS): RetryConfig {
  const f = parent.sub(key, table);
  const cfg: RetryConfig = {
    enabled: f.get('enabled'),
    initialIntervalMs: f.get('initial_interval'),
    maxIntervalMs: f.get('max_interval'),
    maxElapsedMs: f.get('max_elapsed_time'),
    multiplier: f.get('multiplier'),
    randomizationFactor: f.get('randomization_factor'),
  };
  if (cfg.maxIntervalMs < cfg.initialIntervalMs) f.fail('max_interval', 'must not be below initial_interval');
  return cfg;
}

/** Delay before attempt `n` (1-based retry count), with jitter. */
export function backoffDelay(cfg: RetryConfig, n: number, random: () => number = Math.random): number {
  const base = Math.min(cfg.maxIntervalMs, cfg.initialIntervalMs * cfg.multiplier ** (n - 1));
  const delta = base * cfg.randomizationFactor;
  return Math.max(0, base - delta + random() * 2 * delta);
}
