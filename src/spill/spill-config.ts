// Top-level `spill:` settings: where exporters put batches their sink cannot take now.
import type { Fields } from '../config/fields.js';
import type { FsyncPolicy } from './disk-log.js';

export interface SpillConfig {
  enabled: boolean;
  directory: string;
  /** per exporter */
  maxSizeBytes: number;
  segmentBytes: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
}

export const DEFAULT_SPILL: SpillConfig = {
  enabled: true,
  directory: './spill',
  maxSizeBytes: 1024 * 1024 * 1024,
  segmentBytes: 32 * 1024 * 1024,
  fsync: 'batch',
  fsyncIntervalMs: 1000,
};

export const SPILL_KEYS = ['enabled', 'directory', 'max_size', 'segment_size', 'fsync', 'fsync_interval'];

export function parseSpill(f: Fields): SpillConfig {
  const d = DEFAULT_SPILL;
  const cfg: SpillConfig = {
    enabled: f.bool('enabled', d.enabled),
    directory: f.string('directory', d.directory, { nonEmpty: true }),
    maxSizeBytes: f.bytes('max_size', d.maxSizeBytes, { min: 1024 * 1024 }),
    segmentBytes: f.bytes('segment_size', d.segmentBytes, { min: 64 * 1024 }),
    fsync: f.enum('fsync', ['batch', 'interval', 'never'] as const, d.fsync),
    fsyncIntervalMs: f.duration('fsync_interval', d.fsyncIntervalMs, { min: 1 }),
  };
  if (cfg.segmentBytes > cfg.maxSizeBytes) f.fail('segment_size', 'must not exceed max_size');
  return cfg;
}
