import { COMPRESSIONS, type Compression } from '../../src/compression/codecs.js';
import type { ConfigErrors } from '../../src/config/errors.js';
import { Fields } from '../../src/config/fields.js';
import { parseRetry, DEFAULT_RETRY, type RetryConfig } from '../../src/exporterhelper/retry-config.js';
import { checkPartitionFormat, DEFAULT_PARTITION_FORMAT } from '../../src/storage/object-key.js';

export interface FileExporterConfig {
  directory: string;
  compression: Compression;
  compressionLevel: number | undefined;
  filePrefix: string;
  partitionFormat: string;
  /** fsync each file and its directory before the batch counts as written */
  fsync: boolean;
  retry: RetryConfig;
}

export const FILE_KEYS = ['directory', 'compression', 'compression_level', 'file_prefix', 'partition_format', 'fsync', 'retry'];

export function createDefaultConfig(): FileExporterConfig {
  return {
    directory: './data',
    compression: 'zstd',
    compressionLevel: 3,
    filePrefix: '',
    partitionFormat: DEFAULT_PARTITION_FORMAT,
    fsync: true,
    retry: { ...DEFAULT_RETRY, initialIntervalMs: 1000, maxIntervalMs: 10_000 },
  };
}

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): FileExporterConfig {
  const d = createDefaultConfig();
  const f = new Fields(raw, path, errors, FILE_KEYS);
  const compression = f.enum('compression', COMPRESSIONS, d.compression);
  const level = f.has('compression_level')
    ? f.number('compression_level', 3, compression === 'gzip' ? { min: 0, max: 9, integer: true } : { min: -7, max: 22, integer: true })
    : compression === 'zstd' ? 3 : undefined;
  const partitionFormat = f.string('partition_format', d.partitionFormat);
  const bad = checkPartitionFormat(partitionFormat);
  if (bad) f.fail('partition_format', bad);
  const filePrefix = f.string('file_prefix', d.filePrefix);
  if (filePrefix.includes('/')) f.fail('file_prefix', 'must not contain "/"');
  return {
    directory: f.string('directory', d.directory, { nonEmpty: true }),
    compression,
    compressionLevel: level,
    filePrefix,
    partitionFormat,
    fsync: f.bool('fsync', d.fsync),
    retry: parseRetry(f, 'retry', d.retry),
  };
}
