// Produces each batch to its signal's topic with kafkajs and reports success only once the
// broker acknowledged every message (acks=all with the idempotent producer by default).
// A batch that fails part-way resumes where it stopped when retried, so a retry re-sends
// only what was not acknowledged.
import { createKafkaClient } from '../../src/kafka/client.js';
import type { Batch, CreateContext, Exporter, ExportResult } from '../../src/component.js';
import { SUCCESS } from '../../src/component.js';
import { SENT_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import { kafkaCompressionType } from '../../src/kafka/codecs.js';
import type { KafkaExporterConfig } from './config.js';
import { classifyKafkaError } from './errors.js';
import { type Kafka, Partitioners, type KafkaConfig, type PartitionerArgs, type PartitionMetadata, type Producer } from '../../src/kafka/kafkajs.js';
import { chunkMessages, prepareMessages, type OutMessage } from './messages.js';

interface Pending {
  readonly topic: string;
  readonly chunks: OutMessage[][];
  /** index of the first chunk not yet acknowledged */
  next: number;
}

/** kafkajs' own retries per request: short, because RetryingExporter backs off for longer. */
const CLIENT_RETRIES = 3;

export class KafkaExporter implements Exporter {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private readonly pending = new WeakMap<Batch, Pending>();
  private readonly compression: number;
  private stopped = false;
  /** tail of the queue of sends: each waits for the one before */
  private sendChain: Promise<void> = Promise.resolve();
  /** per topic, its partitions as kafkajs's partitioner last saw them */
  private readonly partitionsOf = new Map<string, PartitionMetadata[]>();
  /** first partition of the next multi-partition request: spreads them over the partitions */
  private rotation = 0;

  constructor(
    private readonly cfg: KafkaExporterConfig,
    private readonly ctx: CreateContext,
  ) {
    this.compression = kafkaCompressionType(cfg.compression);
  }

  async start(): Promise<void> {
    this.ctx.health.setReady(this.ctx.id, false, 'connecting to Kafka');
    // The collector starts even while Kafka is away: batches wait in retries until it is back.
    try {
      await this.connect();
      this.ctx.health.setReady(this.ctx.id, true);
    } catch (e) {
      this.ctx.logger.warn({ brokers: this.cfg.brokers, err: (e as Error).message }, 'Kafka not reachable at start; will retry on export');
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    const p = this.producer ?? (await this.connecting?.catch(() => undefined));
    this.producer = undefined;
    this.connecting = undefined;
    await p?.disconnect().catch(() => {});
  }

  async export(batch: Batch): Promise<ExportResult> {
    const started = performance.now();
    const topic = this.cfg[batch.signal].topic;
    let p = this.pending.get(batch);
    if (p) {
      this.ctx.metrics.inc('atc_exporter_kafka_retries_total', { exporter: this.ctx.id, topic });
    } else {
      try {
        p = this.prepare(batch, topic);
      } catch (e) {
        return this.failed(batch, topic, 'permanent', (e as Error).name, e as Error);
      }
      this.pending.set(batch, p);
    }

    while (p.next < p.chunks.length) {
      const { partitions, chunks } = this.requestPlan(topic, p);
      const group = p.chunks.slice(p.next, p.next + chunks);
      let sendMs: number;
      try {
        sendMs = await this.send(topic, group, partitions);
      } catch (e) {
        const c = classifyKafkaError(e);
        if (c.kind === 'permanent') this.pending.delete(batch);
        else this.ctx.health.setReady(this.ctx.id, false, `Kafka: ${(e as Error).message}`);
        return this.failed(batch, topic, c.kind, c.reason, e as Error);
      }
      p.next += group.length;
      const labels = { exporter: this.ctx.id, topic };
      let bytes = 0;
      let messages = 0;
      for (const chunk of group) {
        messages += chunk.length;
        for (const m of chunk) bytes += m.value.length + (m.key?.length ?? 0);
      }
      this.ctx.metrics.observe('atc_exporter_kafka_send_latency_seconds', labels, sendMs / 1000);
      this.ctx.metrics.inc('atc_exporter_kafka_messages_total', labels, messages);
      this.ctx.metrics.inc('atc_exporter_kafka_message_bytes_total', labels, bytes);
    }
    this.pending.delete(batch);
    this.ctx.health.setReady(this.ctx.id, true);

    let items = 0;
    let bytes = 0;
    for (const chunk of p.chunks) for (const m of chunk) {
      items += m.items;
      bytes += m.value.length + (m.key?.length ?? 0);
    }
    const labels = { exporter: this.ctx.id, signal: batch.signal };
    this.ctx.metrics.inc('atc_exporter_sent_batches_total', labels);
    this.ctx.metrics.inc('atc_exporter_sent_bytes_total', labels, bytes);
    this.ctx.metrics.inc(SENT_BY_SIGNAL[batch.signal], { exporter: this.ctx.id }, items);
    this.ctx.metrics.observe('atc_exporter_send_latency_seconds', labels, (performance.now() - started) / 1000);
    return SUCCESS;
  }

  /**
   * One send at a time per exporter, and a fresh producer id after any failed send. kafkajs
   * rolls an idempotent producer's sequence numbers back when a request fails; if the broker
   * had written that request, the next batch would reuse its sequence numbers and the broker
   * would acknowledge it as a duplicate without writing it: silent loss. A new producer id
   * after a failure turns that into at worst a duplicate of the batch that failed.
   * Resolves with the ms from handing the messages over to their acknowledgement.
   */
  private send(topic: string, group: readonly (readonly OutMessage[])[], partitions: readonly number[]): Promise<number> {
    const messages: { key: Buffer | null; value: Buffer; partition?: number }[] = [];
    if (group.length === 1) for (const m of group[0]!) messages.push({ key: m.key, value: m.value });
    else {
      const first = this.rotation++;
      for (let j = 0; j < group.length; j++) {
        const partition = partitions[(first + j) % partitions.length]!;
        for (const m of group[j]!) messages.push({ key: m.key, value: m.value, partition });
      }
    }
    const run = async (): Promise<number> => {
      const producer = await this.connect();
      const t0 = performance.now();
      try {
        await producer.send({
          topic,
          messages,
          acks: this.cfg.requiredAcks,
          timeout: this.cfg.timeoutMs,
          compression: this.compression,
        });
      } catch (e) {
        if (this.cfg.requiredAcks === -1 || classifyKafkaError(e).resetProducer) await this.resetProducer();
        throw e;
      }
      return performance.now() - t0;
    };
    const next = this.sendChain.then(run, run);
    this.sendChain = next.then(
      () => {},
      () => {},
    );
    return next;
  }

  /**
   * Partitions for the chunks from p.next to share one produce request, one chunk per
   * partition (a record batch each, each within max_message_bytes): a batch cut into several
   * messages then costs one round trip, not one per message. Only unkeyed chunks (a key picks
   * its partition), and only once kafkajs has seen the topic's partitions (after its first
   * send); else one chunk per request, placed by the partitioner.
   */
  private requestPlan(topic: string, p: Pending): { partitions: number[]; chunks: number } {
    const single = { partitions: [], chunks: 1 };
    const meta = this.partitionsOf.get(topic);
    if (meta === undefined || p.next + 1 >= p.chunks.length) return single;
    const ids: number[] = [];
    for (const m of meta) if (m.leader >= 0) ids.push(m.partitionId);
    let n = 0;
    while (n < ids.length && p.next + n < p.chunks.length && p.chunks[p.next + n]!.every(unkeyed)) n++;
    return n > 1 ? { partitions: ids, chunks: n } : single;
  }

  private prepare(batch: Batch, topic: string): Pending {
    const { messages, refused } = prepareMessages(batch, {
      encoding: this.cfg[batch.signal].encoding,
      keyByTraceId: (batch.signal === 'traces' && this.cfg.partitionTracesById) || (batch.signal === 'logs' && this.cfg.partitionLogsByTraceId),
      maxMessageBytes: this.cfg.maxMessageBytes,
    });
    if (refused.items > 0) {
      // Larger than any message may be: no retry can deliver it, so it is refused here, loudly.
      this.ctx.metrics.inc('atc_exporter_kafka_refused_items_total', { exporter: this.ctx.id, topic }, refused.items);
      this.ctx.metrics.inc('atc_exporter_send_failed_items_total', { exporter: this.ctx.id, signal: batch.signal }, refused.items);
      this.ctx.logger.error(
        { exporter: this.ctx.id, topic, signal: batch.signal, refusedItems: refused.items, largestBytes: refused.largestBytes, maxMessageBytes: this.cfg.maxMessageBytes },
        'items larger than max_message_bytes refused',
      );
    }
    return { topic, chunks: chunkMessages(messages, this.cfg.maxMessageBytes), next: 0 };
  }

  private failed(batch: Batch, topic: string, kind: 'retryable' | 'permanent', reason: string, error: Error): ExportResult {
    this.ctx.metrics.inc('atc_exporter_kafka_send_failures_total', { exporter: this.ctx.id, topic, kind });
    if (kind === 'retryable') return { outcome: 'retryable', error };
    this.ctx.logger.error({ topic, signal: batch.signal, reason, err: error.message }, 'Kafka refused the batch');
    return { outcome: 'failure', error };
  }

  private connect(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    if (this.stopped) return Promise.reject(new Error('Kafka exporter is shut down'));
    this.connecting ??= (async () => {
      const producer = this.createProducer();
      try {
        await producer.connect();
      } catch (e) {
        await producer.disconnect().catch(() => {});
        throw e;
      }
      if (this.stopped) {
        await producer.disconnect().catch(() => {});
        throw new Error('Kafka exporter is shut down');
      }
      this.producer = producer;
      return producer;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Drops the producer so that the next attempt starts with a new producer id. */
  private async resetProducer(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => {});
  }

  private createProducer(): Producer {
    const idempotent = this.cfg.requiredAcks === -1;
    const kafka = this.client();
    const producer = kafka.producer({
      idempotent,
      // The idempotent producer keeps order with one request in flight per broker.
      maxInFlightRequests: idempotent ? 1 : undefined,
      allowAutoTopicCreation: true,
      // murmur2 on the key, as the Java client: keyed messages land where Java producers put them.
      // Wrapped to learn each topic's partitions, for multi-partition requests (requestPlan).
      createPartitioner: () => {
        const partitioner = Partitioners.DefaultPartitioner();
        return (a: PartitionerArgs) => {
          this.partitionsOf.set(a.topic, a.partitionMetadata);
          return partitioner(a);
        };
      },
      retry: this.retryOptions(),
    });
    return producer;
  }

  private retryOptions(): NonNullable<KafkaConfig['retry']> {
    return { retries: CLIENT_RETRIES, initialRetryTime: 100, maxRetryTime: Math.min(2_000, this.cfg.timeoutMs), factor: 0.2, multiplier: 2 };
  }

  private client(): InstanceType<typeof Kafka> {
    return createKafkaClient({
      clientId: this.cfg.clientId,
      brokers: this.cfg.brokers,
      tls: this.cfg.tls,
      sasl: this.cfg.sasl,
      connectionTimeout: Math.min(this.cfg.timeoutMs, 10_000),
      // The broker waits up to `timeout` for acknowledgements; the client waits a little longer.
      requestTimeout: this.cfg.timeoutMs + 2_000,
      enforceRequestTimeout: true,
      retry: this.retryOptions(),
      logger: this.ctx.logger,
      // Known and harmless: we limit retries on purpose (RetryingExporter retries for longer).
      quiet: (message) => message.startsWith('Limiting retries for the idempotent producer'),
    });
  }
}

function unkeyed(m: OutMessage): boolean {
  return m.key === null;
}
