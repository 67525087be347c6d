// Where fused JSON documents go (one JSON line per trace): a directory, a Kafka topic
// (`fused` by default, keyed by trace id) and/or an S3 prefix (zstd JSON-lines objects in the
// same time-partitioned layout as the exporters). Derived data: failures are retried a few
// times, then logged and counted, never held against the trace pipeline.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { registerKafkaCodecs, kafkaCompressionType } from '../../exporters/kafka/codecs.js';
import { Kafka, logLevel, type Producer } from '../../exporters/kafka/kafkajs.js';
import { createCodec } from '../compression/codecs.js';
import { createS3Client } from '../storage/s3-client.js';
import { formatPartition } from '../storage/object-key.js';
import { uuidv7 } from '../storage/uuidv7.js';
import type { FusedOutputConfig } from './config.js';
import type { FusedDoc } from './fusion-core.js';


export interface FusedSink {
  readonly name: string;
  write(docs: readonly FusedDoc[], nowMs: number): Promise<void>;
  close(): Promise<void>;
}

const pad = (n: number): string => String(n).padStart(2, '0');

class DirectorySink implements FusedSink {
  readonly name = 'directory';
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  async write(docs: readonly FusedDoc[], nowMs: number): Promise<void> {
    const d = new Date(nowMs);
    const file = `fused-${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}.jsonl`;
    appendFileSync(join(this.dir, file), docs.map((x) => x.json).join('\n') + '\n');
  }
  async close(): Promise<void> {}
}

class KafkaSink implements FusedSink {
  readonly name = 'kafka';
  private producer: Producer | undefined;
  constructor(private readonly cfg: NonNullable<FusedOutputConfig['kafka']>) {
    registerKafkaCodecs();
  }
  async write(docs: readonly FusedDoc[]): Promise<void> {
    if (!this.producer) {
      const p = new Kafka({ clientId: 'ai-trace-collector-fusion', brokers: this.cfg.brokers, logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: true });
      await p.connect();
      this.producer = p;
    }
    await this.producer.send({
      topic: this.cfg.topic,
      compression: kafkaCompressionType(this.cfg.compression),
      // keyed by trace id: consumers get every document of a trace from one partition
      messages: docs.map((x) => ({ key: x.traceId, value: x.json })),
    });
  }
  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => {});
  }
}

class S3Sink implements FusedSink {
  readonly name = 's3';
  private readonly client: S3Client;
  private readonly zstd = createCodec('zstd', 3);
  constructor(private readonly cfg: NonNullable<FusedOutputConfig['s3']>) {
    this.client = createS3Client({ region: cfg.region, endpoint: cfg.endpoint, forcePathStyle: cfg.forcePathStyle, timeoutMs: 10_000 });
  }
  async write(docs: readonly FusedDoc[], nowMs: number): Promise<void> {
    const key = [this.cfg.prefix.replace(/^\/+|\/+$/g, ''), formatPartition('year=%Y/month=%m/day=%d/hour=%H/minute=%M', nowMs), `fused_${uuidv7(nowMs)}.jsonl.zst`].filter((p) => p !== '').join('/');
    const body = this.zstd.compress(Buffer.from(docs.map((x) => x.json).join('\n') + '\n'));
    await this.client.send(new PutObjectCommand({ Bucket: this.cfg.bucket, Key: key, Body: body, ContentType: 'application/x-ndjson', ContentEncoding: 'zstd' }));
  }
  async close(): Promise<void> {
    this.client.destroy();
  }
}

export function createFusedSinks(cfg: FusedOutputConfig): FusedSink[] {
  const out: FusedSink[] = [];
  if (cfg.directory) out.push(new DirectorySink(cfg.directory));
  if (cfg.kafka) out.push(new KafkaSink(cfg.kafka));
  if (cfg.s3) out.push(new S3Sink(cfg.s3));
  return out;
}

/** Writes to every sink with a few retries; a failure is logged and counted by the caller. */
export async function writeFused(sinks: readonly FusedSink[], docs: readonly FusedDoc[], nowMs: number, logger: Logger, onFailure: (sink: string) => void): Promise<void> {
  await Promise.all(
    sinks.map(async (s) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await s.write(docs, nowMs);
          return;
        } catch (e) {
          if (attempt >= 3) {
            logger.error({ sink: s.name, documents: docs.length, err: (e as Error).message }, 'fused documents not written');
            onFailure(s.name);
            return;
          }
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    }),
  );
}
