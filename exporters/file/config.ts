import { COMPRESSIONS, type Compression } from '../../src/compression/codecs.js';
import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
import { compressionLevel } from '../../src/compression/level.js';
import { Fields } from '../../src/config/fields.js';
import { parseRetry, DEFAULT_RETRY, retryFields, type RetryConfig } from '../../src/exporterhelper/retry-config.js';
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

const RETRY = retryFields({ ...DEFAULT_RETRY, initialIntervalMs: 1000, maxIntervalMs: 10_000 });

export const FILE_FIELDS = fieldTable({
  directory: { type: 'string', default: './data', nonEmpty: true, doc: 'Directory the batch files are written under.' },
  compression: { type: 'enum', values: COMPRESSIONS, default: 'zstd', doc: 'Compression of each batch file (the file name ends in .zst, .gz or .sz).' },
  compression_level: { type: 'integer', min: -7, max: 22, defaultText: '1 for zstd, the codec\'s own otherwise', doc: 'Codec level: zstd -7..22, gzip 0..9. zstd 1 costs a third of level 3 for 2-3 % larger files (docs/benchmarks.md).' },
  file_prefix: { type: 'string', default: '', check: (s: string) => (s.includes('/') ? 'must not contain "/"' : undefined), doc: 'Prefix of every file name (a node name, say); no "/".' },
  partition_format: { type: 'string', default: DEFAULT_PARTITION_FORMAT, check: checkPartitionFormat, doc: 'strftime-style sub-directory of each file (%Y %m %d %H %M), in UTC.' },
  fsync: { type: 'bool', default: true, doc: 'fsync each file and its directory before the batch counts as written.' },
  retry: { type: 'section', fields: RETRY, doc: 'Retries of a failed write (disk full, permissions).' },
});

export function createDefaultConfig(): FileExporterConfig {
  return {
    directory: './data',
    compression: 'zstd',
    // a third of level 3's CPU for 2-3 % larger files on span batches (bench/zstd-levels.ts)
    compressionLevel: 1,
    filePrefix: '',
    partitionFormat: DEFAULT_PARTITION_FORMAT,
    fsync: true,
    retry: { ...DEFAULT_RETRY, initialIntervalMs: 1000, maxIntervalMs: 10_000 },
  };
}

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): FileExporterConfig {
  const d = createDefaultConfig();
  const f = new Fields(raw, path, errors, FILE_FIELDS);
  const compression = f.get('compression');
  return {
    directory: f.get('directory'),
    compression,
    compressionLevel: compressionLevel(f, compression) ?? (compression === 'zstd' ? d.compressionLevel : undefined),
    filePrefix: f.get('file_prefix'),
    partitionFormat: f.get('partition_format'),
    fsync: f.get('fsync'),
    retry: parseRetry(f, 'retry', RETRY),
  };
}
