// Writes each batch as one S3 object in the awss3exporter's key layout. A batch counts as sent
// only once S3 confirmed the object; retries of one batch reuse its key and body, so a retry
// after a lost answer overwrites the same object instead of duplicating it.
import { AbortMultipartUploadCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Batch, CreateContext, Exporter, ExportResult } from '../../src/component.js';
import { SUCCESS } from '../../src/component.js';
import { compressedBatch } from '../../src/compression/batch-cache.js';
import { CONTENT_ENCODING, createCodec, type Codec } from '../../src/compression/codecs.js';
import { decodeRequest } from '../../src/otlp/index.js';
import { objectKey } from '../../src/storage/object-key.js';
import { classifyS3Error, createS3Client, type S3Credentials, type S3ErrorInfo } from '../../src/storage/s3-client.js';
import { SENT_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import { MIN_PART_BYTES, type S3ExporterConfig } from './config.js';

export interface S3ExporterOptions {
  /** clock for object keys and partitions (tests travel in time with it) */
  now?: () => number;
  /** overrides the default credential chain (tests, benchmarks) */
  credentials?: S3Credentials;
  /** while the bucket is unusable, check it again this often */
  recheckIntervalMs?: number;
}

/** S3 caps a multipart upload at 10,000 parts; 8 MiB parts (the AWS CLI's) up to there. */
const PART_BYTES = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;

interface Prepared {
  readonly key: string;
  readonly body: Uint8Array;
}

export class S3Exporter implements Exporter {
  private readonly client: S3Client;
  private readonly now: () => number;
  private readonly recheckMs: number;
  private readonly prepared = new WeakMap<Batch, Prepared>();
  private readonly jsonCodec: Codec | undefined;
  private readonly where: string;
  private ready: boolean | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly cfg: S3ExporterConfig,
    private readonly ctx: CreateContext,
    opts: S3ExporterOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.recheckMs = opts.recheckIntervalMs ?? 30_000;
    this.client = createS3Client({
      region: cfg.region,
      endpoint: cfg.endpoint,
      forcePathStyle: cfg.forcePathStyle,
      timeoutMs: cfg.timeoutMs,
      // Retries belong to the RetryingExporter around us: one policy, counted once.
      maxAttempts: 1,
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
    });
    // JSON bodies are our own, so they cannot use the compression shared with other exporters.
    this.jsonCodec = cfg.marshaler === 'otlp_json' ? createCodec(cfg.compression, cfg.compressionLevel) : undefined;
    this.where = `s3://${cfg.bucket}${cfg.endpoint ? ` at ${cfg.endpoint}` : ''}`;
  }

  async start(): Promise<void> {
    this.stopped = false;
    // Never throws: a missing bucket or bad credentials mark us not ready and are re-checked,
    // so fixing them does not need a restart.
    await this.checkBucket();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
    this.client.destroy();
  }

  async export(batch: Batch): Promise<ExportResult> {
    let p: Prepared;
    try {
      p = this.prepare(batch);
    } catch (e) {
      // Only otlp_json can fail here: bytes that do not decode will never upload.
      return this.failed(batch, { retryable: false, code: 'MarshalError', message: `cannot marshal batch as ${this.cfg.marshaler}: ${(e as Error).message}` });
    }
    const multipart = p.body.length >= this.cfg.multipartThreshold;
    const started = performance.now();
    try {
      if (multipart) await this.putMultipart(p);
      else await this.putSingle(p);
    } catch (e) {
      const info = classifyS3Error(e);
      return this.failed(batch, { ...info, message: `${multipart ? 'multipart upload' : 'PutObject'} s3://${this.cfg.bucket}/${p.key}: ${info.message}` });
    }
    const seconds = (performance.now() - started) / 1000;
    const labels = { exporter: this.ctx.id, signal: batch.signal };
    const upload = multipart ? 'multipart' : 'put';
    const m = this.ctx.metrics;
    m.inc('atc_s3_objects_put_total', { ...labels, upload });
    m.inc('atc_s3_put_bytes_total', labels, p.body.length);
    m.observe('atc_s3_put_latency_seconds', { ...labels, upload }, seconds);
    m.inc('atc_exporter_sent_batches_total', labels);
    m.inc('atc_exporter_sent_bytes_total', labels, p.body.length);
    m.inc(SENT_BY_SIGNAL[batch.signal], { exporter: this.ctx.id }, batch.items);
    m.observe('atc_exporter_send_latency_seconds', labels, seconds);
    if (p.body.length > 0) m.set('atc_exporter_compression_ratio', labels, batch.data.length / p.body.length);
    this.prepared.delete(batch);
    if (this.ready !== true) this.setReady(true);
    return SUCCESS;
  }

  /** Key and body, computed once per batch and reused by its retries. */
  private prepare(batch: Batch): Prepared {
    const hit = this.prepared.get(batch);
    if (hit) return hit;
    const key = objectKey(
      {
        prefix: this.cfg.prefix,
        partitionFormat: this.cfg.partitionFormat,
        filePrefix: this.cfg.filePrefix,
        marshaler: this.cfg.marshaler,
        compression: this.cfg.compression,
      },
      batch.signal,
      this.now(),
    );
    const body = this.jsonCodec
      ? this.jsonCodec.compress(Buffer.from(JSON.stringify(decodeRequest(batch.signal, batch.data))))
      : compressedBatch(batch, this.cfg.compression, this.cfg.compressionLevel);
    const p = { key, body };
    this.prepared.set(batch, p);
    return p;
  }

  private params(p: Prepared): PutObjectCommandInput {
    const encoding = CONTENT_ENCODING[this.cfg.compression];
    return {
      Bucket: this.cfg.bucket,
      Key: p.key,
      Body: p.body,
      ContentType: this.cfg.marshaler === 'otlp_json' ? 'application/json' : 'application/x-protobuf',
      ...(encoding ? { ContentEncoding: encoding } : {}),
      ...(this.cfg.storageClass ? { StorageClass: this.cfg.storageClass as PutObjectCommandInput['StorageClass'] } : {}),
    };
  }

  private async putSingle(p: Prepared): Promise<void> {
    await this.client.send(new PutObjectCommand({ ...this.params(p), ContentLength: p.body.length }), {
      abortSignal: AbortSignal.timeout(this.cfg.timeoutMs),
    });
  }

  private async putMultipart(p: Prepared): Promise<void> {
    const partSize = Math.max(MIN_PART_BYTES, Math.min(PART_BYTES, this.cfg.multipartThreshold), Math.ceil(p.body.length / MAX_PARTS));
    const abort = new AbortController();
    // Parts stay invisible until CompleteMultipartUpload, so a failed upload never shows a
    // half-written object; lib-storage aborts it (leavePartsOnError: false) to free the parts.
    const upload = new Upload({ client: this.client, params: this.params(p), partSize, queueSize: 4, leavePartsOnError: false, abortController: abort });
    const timer = setTimeout(() => abort.abort(), this.cfg.timeoutMs);
    try {
      await upload.done();
    } catch (e) {
      if (upload.uploadId) await this.abortUpload(p.key, upload.uploadId);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * lib-storage aborts on part errors, but on our timeout only once in-flight parts return;
   * abort at once so no part outlives the attempt (NoSuchUpload means it is already gone).
   */
  private async abortUpload(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.cfg.bucket, Key: key, UploadId: uploadId }), {
        abortSignal: AbortSignal.timeout(Math.min(this.cfg.timeoutMs, 10_000)),
      });
      this.ctx.metrics.inc('atc_s3_multipart_aborted_total', { exporter: this.ctx.id });
    } catch (e) {
      const info = classifyS3Error(e);
      if (info.code === 'NoSuchUpload') {
        this.ctx.metrics.inc('atc_s3_multipart_aborted_total', { exporter: this.ctx.id });
        return;
      }
      this.ctx.logger.warn(
        { key, uploadId, err: info.message },
        'could not abort a failed multipart upload: its parts stay (invisible) until a lifecycle rule AbortIncompleteMultipartUpload removes them',
      );
    }
  }

  private failed(batch: Batch, info: S3ErrorInfo): ExportResult {
    this.ctx.metrics.inc('atc_s3_put_errors_total', { exporter: this.ctx.id, signal: batch.signal, code: info.code, retryable: String(info.retryable) });
    const error = new Error(info.message);
    if (info.retryable) {
      if (info.retryAfterMs === undefined) return { outcome: 'retryable', error };
      // MinIO answers 503 with Retry-After: 60 while it starts; honour hints only up to our
      // own max_interval, or one hint would use up max_elapsed_time in a single wait.
      return { outcome: 'retryable', error, retryAfterMs: Math.min(info.retryAfterMs, this.cfg.retry.maxIntervalMs) };
    }
    const reason = bucketProblem(info, this.cfg.bucket, this.where);
    if (reason) this.setReady(false, reason);
    this.prepared.delete(batch);
    // atc_exporter_send_failed_* are counted by the pipeline runner, which sees every outcome.
    this.ctx.logger.error({ signal: batch.signal, items: batch.items, err: info.message }, 'S3 upload failed permanently, batch not delivered');
    return { outcome: 'failure', error };
  }

  /** HeadBucket: is the bucket there and may we use it? Marks readiness and logs why not. */
  async checkBucket(): Promise<boolean> {
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.cfg.bucket }), { abortSignal: AbortSignal.timeout(this.cfg.timeoutMs) });
      this.setReady(true);
      return true;
    } catch (e) {
      let info = classifyS3Error(e);
      // HEAD answers carry no body: a bare 403 could be a bad key, a bad secret or a policy.
      // A one-key listing is refused with the real error code.
      if (info.code === 'Forbidden') info = (await this.explainForbidden()) ?? info;
      const reason = bucketProblem(info, this.cfg.bucket, this.where) ?? `cannot reach ${this.where}: ${info.message}`;
      this.setReady(false, reason);
      if (!this.stopped) {
        this.recheckTimer = setTimeout(() => void this.checkBucket(), this.recheckMs);
        this.recheckTimer.unref();
      }
      return false;
    }
  }

  private async explainForbidden(): Promise<S3ErrorInfo | undefined> {
    try {
      await this.client.send(new ListObjectsV2Command({ Bucket: this.cfg.bucket, MaxKeys: 1 }), { abortSignal: AbortSignal.timeout(this.cfg.timeoutMs) });
      return undefined;
    } catch (e) {
      const info = classifyS3Error(e);
      return info.status === 403 ? info : undefined;
    }
  }

  private setReady(ready: boolean, reason?: string): void {
    const changed = this.ready !== ready;
    this.ready = ready;
    this.ctx.health.setReady(this.ctx.id, ready, reason);
    this.ctx.metrics.set('atc_s3_bucket_ready', { exporter: this.ctx.id }, ready ? 1 : 0);
    if (!changed) return;
    if (ready) this.ctx.logger.info({ bucket: this.cfg.bucket }, `S3 bucket ${this.where} is usable`);
    else this.ctx.logger.error({ bucket: this.cfg.bucket }, `S3 exporter not ready: ${reason}`);
  }
}

/** A sentence naming what is wrong with the bucket or the credentials, or undefined. */
function bucketProblem(info: S3ErrorInfo, bucket: string, where: string): string | undefined {
  switch (info.code) {
    case 'NoSuchBucket':
    case 'NotFound':
      return `bucket "${bucket}" does not exist (${where}); create it or fix exporters.*.bucket`;
    case 'InvalidAccessKeyId':
      return `the access key id is not known to ${where} (${info.message}); check the AWS credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE, IRSA role)`;
    case 'SignatureDoesNotMatch':
      return `the secret key does not match the access key id for ${where}; check the AWS credentials (AWS_SECRET_ACCESS_KEY, AWS_PROFILE)`;
    case 'ExpiredToken':
    case 'InvalidToken':
      return `the session token was refused by ${where} (${info.message}); refresh the AWS credentials`;
    case 'AccessDenied':
    case 'Forbidden':
      return `access to bucket "${bucket}" denied (${info.message}); check the AWS credentials and the bucket policy (s3:PutObject, s3:ListBucket)`;
    case 'CredentialsProviderError':
      return `no AWS credentials found (${info.message}); set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a web identity (IRSA)`;
    default:
      return undefined;
  }
}
