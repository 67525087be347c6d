// Reading topics back in tests: with a kafkajs consumer group, and with kcat (librdkafka, an
// independent client that decompresses zstd itself). Every wait is bounded.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { registerKafkaCodecs } from '../../src/kafka/codecs.js';
import { Kafka, logLevel } from '../../src/kafka/kafkajs.js';
import { ensureKcat } from './kafka.js';

const execFileP = promisify(execFile);

export interface ReadMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer;
}

export interface ConsumeOptions {
  /** stop as soon as this holds for what was read so far */
  until: (messages: readonly ReadMessage[]) => boolean;
  /** give up (and return what was read) after this long */
  timeoutMs: number;
}

/** Reads `topics` from the beginning with a fresh consumer group (kafkajs, our zstd codec). */
export async function consumeTopics(brokers: string[], topics: string[], opts: ConsumeOptions): Promise<ReadMessage[]> {
  registerKafkaCodecs();
  const kafka = new Kafka({ clientId: 'atc-test-reader', brokers, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
  const consumer = kafka.consumer({
    groupId: `atc-test-${randomUUID()}`,
    // One member, no peers to wait for: short timers keep the test quick.
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 200,
  });
  const messages: ReadMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(resolve, opts.timeoutMs);
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            messages.push({ topic, partition, offset: message.offset, key: message.key, value: message.value ?? Buffer.alloc(0) });
            if (opts.until(messages)) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    if (timer) clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
  }
  return messages;
}

export interface KcatRecord {
  readonly partition: number;
  readonly offset: number;
  /** '' when the message has no key */
  readonly key: string;
  readonly size: number;
}

async function kcat(brokers: string[], args: string[], timeoutMs: number): Promise<Buffer> {
  const bin = await ensureKcat();
  const { stdout } = await execFileP(bin, ['-C', '-b', brokers.join(','), '-o', 'beginning', '-e', '-q', ...args], {
    encoding: 'buffer',
    maxBuffer: 512 * 1024 * 1024,
    timeout: timeoutMs,
  });
  return stdout;
}

/** Partition, offset, key and value size of every message in `topic`, as kcat sees them. */
export async function kcatList(brokers: string[], topic: string, timeoutMs = 30_000): Promise<KcatRecord[]> {
  const out = (await kcat(brokers, ['-t', topic, '-f', '%p\t%o\t%k\t%S\n'], timeoutMs)).toString('utf8');
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [p, o, k, s] = l.split('\t');
      return { partition: Number(p), offset: Number(o), key: k ?? '', size: Number(s) };
    });
}

/**
 * Every message value of `topic`, concatenated, as kcat decompressed them. For otlp_proto
 * topics that is itself one valid Export*ServiceRequest holding every item.
 */
export async function kcatValues(brokers: string[], topic: string, timeoutMs = 30_000): Promise<Buffer> {
  return kcat(brokers, ['-t', topic, '-f', '%s'], timeoutMs);
}

/** The sum of a consumer group's committed offsets over the partitions of `topic` (0 when none). */
export async function committedOffsets(brokers: string[], topic: string, group: string): Promise<number> {
  const admin = new Kafka({ clientId: 'atc-test', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return t!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}
