// `retry` settings shared by every exporter, with the Collector's retry_on_failure defaults.
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

export const RETRY_KEYS = ['enabled', 'initial_interval', 'max_interval', 'max_elapsed_time', 'multiplier', 'randomization_factor'] as const;

export function parseRetry(parent: Fields, key = 'retry', def: RetryConfig = DEFAULT_RETRY): RetryConfig {
  const f = parent.sub(key, RETRY_KEYS);
  const cfg: RetryConfig = {
    enabled: f.bool('enabled', def.enabled),
    initialIntervalMs: f.duration('initial_interval', def.initialIntervalMs, { min: 1 }),
    maxIntervalMs: f.duration('max_interval', def.maxIntervalMs, { min: 1 }),
    maxElapsedMs: f.duration('max_elapsed_time', def.maxElapsedMs),
    multiplier: f.number('multiplier', def.multiplier, { min: 1 }),
    randomizationFactor: f.number('randomization_factor', def.randomizationFactor, { min: 0, max: 1 }),
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
