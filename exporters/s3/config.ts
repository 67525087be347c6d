// exporters.s3: defaults and validation. Keys follow the Collector's awss3exporter
// (s3uploader.*) flattened, so a Collector config translates key for key.
import { compressionLevel } from '../../src/compression/level.js';
import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
import { Fields } from '../../src/config/fields.js';
import { checkPartitionFormat, DEFAULT_PARTITION_FORMAT, type Marshaler } from '../../src/storage/object-key.js';
import { DEFAULT_RETRY, parseRetry, RETRY_FIELDS, type RetryConfig } from '../../src/exporterhelper/retry-config.js';

export type S3Compression = 'zstd' | 'gzip' | 'none';
export const S3_COMPRESSIONS: readonly S3Compression[] = ['zstd', 'gzip', 'none'];
export const MARSHALERS: readonly Marshaler[] = ['otlp_proto', 'otlp_json'];
/**
 * The SDK's StorageClass values, spelled out so that parsing a config does not load the AWS
 * SDK (a test keeps this list equal to the SDK's).
 */
export const STORAGE_CLASSES: readonly string[] = [
  'AWS_BACKUP_LOW_COST_WARM', 'AWS_BACKUP_WARM', 'DEEP_ARCHIVE', 'EXPRESS_ONEZONE', 'FSX_ONTAP', 'FSX_OPENZFS', 'GLACIER', 'GLACIER_IR',
  'INTELLIGENT_TIERING', 'ONEZONE_IA', 'OUTPOSTS', 'REDUCED_REDUNDANCY', 'SNOW', 'STANDARD', 'STANDARD_IA',
];

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

export const S3_FIELDS = fieldTable({
  bucket: { type: 'string', default: '', doc: 'Bucket objects are written to (required; 3-63 of a-z 0-9 . -).' },
  region: { type: 'string', default: '', defaultText: 'AWS_REGION / AWS_DEFAULT_REGION, else us-east-1', doc: 'AWS region of the bucket.' },
  endpoint: { type: 'string', default: '', doc: 'An S3-compatible endpoint URL (MinIO, Ceph, R2…); empty: AWS. No credentials in it.' },
  force_path_style: { type: 'bool', default: false, doc: 'Path-style URLs (endpoint/bucket/key), as most S3-compatible stores need.' },
  prefix: { type: 'string', default: '', doc: 'Key prefix (folder) of every object; no ".." segments.' },
  partition_format: { type: 'string', default: DEFAULT_PARTITION_FORMAT, doc: 'strftime-style part of each key (%Y %m %d %H %M), in UTC.' },
  file_prefix: { type: 'string', default: '', doc: 'Prefix of each object\'s name; no "/" (use prefix or partition_format for folders).' },
  marshaler: { type: 'enum', values: MARSHALERS, default: 'otlp_proto', doc: 'Object encoding: OTLP protobuf (.binpb) or OTLP/JSON (.json).' },
  compression: { type: 'enum', values: S3_COMPRESSIONS, default: 'zstd', doc: 'Object compression.' },
  compression_level: { type: 'integer', min: -7, max: 22, defaultText: '3 for zstd, 6 for gzip', doc: 'Codec level: zstd -7..22, gzip 0..9; not with compression none.' },
  storage_class: { type: 'string', default: '', defaultText: 'the bucket\'s (STANDARD)', doc: `S3 storage class: ${STORAGE_CLASSES.join(', ')}.` },
  timeout: { type: 'duration', default: 30_000, min: 1, doc: 'Deadline of each S3 request, and of a multipart upload as a whole.' },
  retry: { type: 'section', fields: RETRY_FIELDS, doc: 'Retries of failed uploads.' },
  multipart_threshold: { type: 'bytes', default: 16 * 1024 * 1024, min: MIN_PART_BYTES, max: MAX_PUT_BYTES, doc: 'Compressed objects this large or larger go up as multipart uploads.' },
});

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
  const f = new Fields(raw, path, errors, S3_FIELDS);
  const compression = f.get('compression');
  // Same rule as the file exporter, so one level setting means the same bytes in both.
  const level = compressionLevel(f, compression);
  if (compression === 'none' && level !== undefined) f.fail('compression_level', 'only applies to zstd and gzip');
  const cfg: S3ExporterConfig = {
    bucket: f.get('bucket'),
    region: f.get('region'),
    endpoint: f.get('endpoint'),
    forcePathStyle: f.get('force_path_style'),
    prefix: f.get('prefix'),
    partitionFormat: f.get('partition_format'),
    filePrefix: f.get('file_prefix'),
    marshaler: f.get('marshaler'),
    compression,
    compressionLevel: level ?? (compression === 'zstd' ? def.compressionLevel : undefined),
    storageClass: f.get('storage_class'),
    timeoutMs: f.get('timeout'),
    retry: parseRetry(f, 'retry'),
    multipartThreshold: f.get('multipart_threshold'),
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

