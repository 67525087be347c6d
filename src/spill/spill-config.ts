// Top-level `spill:` settings: where exporters put batches their sink cannot take now.
import { fieldTable } from '../config/field-table.js';
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

const d = DEFAULT_SPILL;
export const SPILL_FIELDS = fieldTable({
  enabled: { type: 'bool', default: d.enabled, doc: 'Queue batches an exporter (with retries enabled) cannot deliver now on disk, and replay them in order when the sink is back.' },
  directory: { type: 'string', default: d.directory, nonEmpty: true, doc: 'Directory of the spill logs (one sub-directory per exporter).' },
  max_size: { type: 'bytes', default: d.maxSizeBytes, min: 1024 * 1024, doc: 'Disk space per exporter; when full, the exporter holds batches and receivers refuse new data (backpressure, nothing dropped).' },
  segment_size: { type: 'bytes', default: d.segmentBytes, min: 64 * 1024, doc: 'Size of one spill segment file; not above max_size.' },
  fsync: { type: 'enum', values: ['batch', 'interval', 'never'], default: d.fsync, doc: 'When spilled data is fsynced: after each batch, every fsync_interval, or never.' },
  fsync_interval: { type: 'duration', default: d.fsyncIntervalMs, min: 1, doc: 'Period of fsync when fsync is interval.' },
});

export function parseSpill(f: Fields<typeof SPILL_FIELDS>): SpillConfig {
  const cfg: SpillConfig = {
    enabled: f.get('enabled'),
    directory: f.get('directory'),
    maxSizeBytes: f.get('max_size'),
    segmentBytes: f.get('segment_size'),
    fsync: f.get('fsync'),
    fsyncIntervalMs: f.get('fsync_interval'),
  };
  if (cfg.segmentBytes > cfg.maxSizeBytes) f.fail('segment_size', 'must not exceed max_size');
  return cfg;
}
