// exporters.s3: defaults and validation. Keys follow the Collector's awss3exporter
// (s3uploader.*) flattened, so a Collector config translates key for key.
import { StorageClass } from '@aws-sdk/client-s3';
import type { ConfigErrors } from '../../src/config/errors.js';
import { Fields } from '../../src/config/fields.js';
import { checkPartitionFormat, DEFAULT_PARTITION_FORMAT, type Marshaler } from '../../src/storage/object-key.js';
import { DEFAULT_RETRY, parseRetry, type RetryConfig } from '../../src/exporterhelper/retry-config.js';

export type S3Compression = 'zstd' | 'gzip' | 'none';
export const S3_COMPRESSIONS: readonly S3Compression[] = ['zstd', 'gzip', 'none'];
export const MARSHALERS: readonly Marshaler[] = ['otlp_proto', 'otlp_json'];
const STORAGE_CLASSES = Object.values(StorageClass) as string[];

/** S3 refuses multipart parts under 5 MiB (except the last) and single PUTs over 5 GiB. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

export interface S3ExporterConfig {
  bucket: string;
  /** '' = AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 */
  region: string;
  /** '' = AWS; otherwise an http(s) URL (MinIO, versitygw, Ceph, R2 …) */
  endpoint: string;
  forcePathStyle: boolean;
  prefix: string;
  partitionFormat: string;
  filePrefix: string;
  marshaler: Marshaler;
  compression: S3Compression;
  /** zstd -7..22 (default 3), gzip 0..9 (default 6); undefined for none */
  compressionLevel: number | undefined;
  /** '' = the bucket's default (STANDARD) */
  storageClass: string;
  /** per S3 request (HeadBucket, PutObject) and per multipart upload as a whole */
  timeoutMs: number;
  retry: RetryConfig;
  /** compressed objects this large or larger go up as multipart uploads */
  multipartThreshold: number;
}

export const S3_KEYS = [
  'bucket', 'region', 'endpoint', 'force_path_style', 'prefix', 'partition_format', 'file_prefix',
  'marshaler', 'compression', 'compression_level', 'storage_class', 'timeout', 'retry', 'multipart_threshold',
] as const;

export function createDefaultConfig(): S3ExporterConfig {
  return {
    bucket: '',
    region: '',
    endpoint: '',
    forcePathStyle: false,
    prefix: '',
    partitionFormat: DEFAULT_PARTITION_FORMAT,
    filePrefix: '',
    marshaler: 'otlp_proto',
    compression: 'zstd',
    compressionLevel: 3,
    storageClass: '',
    timeoutMs: 30_000,
    retry: { ...DEFAULT_RETRY },
    multipartThreshold: 16 * 1024 * 1024,
  };
}

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): S3ExporterConfig {
  const def = createDefaultConfig();
  const f = new Fields(raw, path, errors, S3_KEYS);
  const compression = f.enum('compression', S3_COMPRESSIONS, def.compression);
  // Same rule as the file exporter, so one level setting means the same bytes in both.
  const compressionLevel = f.has('compression_level')
    ? f.number('compression_level', 3, compression === 'gzip' ? { min: 0, max: 9, integer: true } : { min: -7, max: 22, integer: true })
    : compression === 'zstd' ? 3 : undefined;
  if (compression === 'none' && f.has('compression_level')) f.fail('compression_level', 'only applies to zstd and gzip');
  const cfg: S3ExporterConfig = {
    bucket: f.string('bucket', def.bucket),
    region: f.string('region', def.region),
    endpoint: f.string('endpoint', def.endpoint),
    forcePathStyle: f.bool('force_path_style', def.forcePathStyle),
    prefix: f.string('prefix', def.prefix),
    partitionFormat: f.string('partition_format', def.partitionFormat),
    filePrefix: f.string('file_prefix', def.filePrefix),
    marshaler: f.enum('marshaler', MARSHALERS, def.marshaler),
    compression,
    compressionLevel,
    storageClass: f.string('storage_class', def.storageClass),
    timeoutMs: f.duration('timeout', def.timeoutMs, { min: 1 }),
    retry: parseRetry(f, 'retry', def.retry),
    multipartThreshold: f.bytes('multipart_threshold', def.multipartThreshold, { min: MIN_PART_BYTES, max: MAX_PUT_BYTES }),
  };

  if (cfg.bucket === '') f.fail('bucket', 'required: the bucket objects are written to');
  else if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(cfg.bucket)) {
    f.fail('bucket', `not a valid S3 bucket name: "${cfg.bucket}" (3-63 characters: a-z, 0-9, '.', '-')`);
  }
  if (cfg.region !== '' && !/^[a-z0-9-]+$/.test(cfg.region)) f.fail('region', `not a region name: "${cfg.region}"`);
  if (cfg.endpoint !== '') {
    const problem = checkEndpointUrl(cfg.endpoint);
    if (problem) f.fail('endpoint', problem);
  }
  const pf = checkPartitionFormat(cfg.partitionFormat);
  if (pf) f.fail('partition_format', pf);
  if (cfg.prefix.split('/').includes('..')) f.fail('prefix', 'must not contain ".." segments');
  if (cfg.filePrefix.includes('/')) f.fail('file_prefix', 'must not contain "/" (use prefix or partition_format for folders)');
  if (cfg.storageClass !== '' && !STORAGE_CLASSES.includes(cfg.storageClass)) {
    f.fail('storage_class', `must be one of ${STORAGE_CLASSES.join(', ')}, got "${cfg.storageClass}"`);
  }
  return cfg;
}

/** An error message for an S3 endpoint, or undefined when it is a usable http(s) URL. */
export function checkEndpointUrl(s: string): string | undefined {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return `not a URL: "${s}" (write it as http://host:port or https://host)`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must be an http:// or https:// URL, got "${s}"`;
  // new URL('localhost:9000') parses with protocol "localhost:": caught above.
  if (u.username || u.password) return 'must not carry credentials (use the AWS credential chain)';
  return undefined;
}

