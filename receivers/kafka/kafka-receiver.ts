// Reads OTLP export requests from Kafka as a consumer group and hands each message to the
// pipeline. An offset is committed only once the pipeline completed the message and every
// earlier one of its partition (offset-commits.ts): its acknowledgement came back from the
// exporters — however long a processor such as fusion held it — or it was 'dropped' (the
// configured drop policy, counted there); reading goes on meanwhile. A
// 'refused' answer (ring full, memory limit) pauses the partition and retries the same
// message after the hint — backpressure, never a commit. A message that is not valid OTLP
// for its topic is counted, logged, optionally produced to the dead-letter topic, and skipped.
// Nothing here throws into kafkajs: a bad message or a broken pipeline never crashes the group.
import { createKafkaClient } from '../../src/kafka/client.js';
import type { Consumer as Next, CreateContext, Receiver, Signal } from '../../src/component.js';
import { encodeRequest, JsonShapeError, parseOtlpJson, ScanError, scanRequest } from '../../src/otlp/index.js';
import { ACCEPTED_BY_SIGNAL, REFUSED_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import type { Kafka, Producer } from '../../src/kafka/kafkajs.js';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { KafkaReceiverConfig } from './config.js';
import { Sleeper } from '../../src/time/sleep.js';
import { OffsetCommits, type OffsetToCommit } from './offset-commits.js';

/** Why a message was not valid input (label of atc_receiver_kafka_bad_messages_total). */
type BadReason = 'empty' | 'malformed' | 'too_large';

export class BadMessage extends Error {
  constructor(
    readonly reason: BadReason,
    message: string,
  ) {
    super(message);
  }
}

/** Decodes one message value per the topic's encoding into request bytes and an item count. */
export function decodeMessage(signal: Signal, encoding: 'otlp_proto' | 'otlp_json', value: Buffer | null): { data: Uint8Array; items: number } {
  if (value === null || value.length === 0) throw new BadMessage('empty', 'message has no value');
  try {
    const data = encoding === 'otlp_proto' ? value : encodeRequest(signal, parseOtlpJson(value.toString('utf8')));
    return { data, items: scanRequest(signal, data).items };
  } catch (e) {
    if (e instanceof ScanError || e instanceof JsonShapeError || e instanceof SyntaxError) throw new BadMessage('malformed', `not an OTLP ${encoding} ${signal} request: ${e.message}`);
    throw e;
  }
}

export class KafkaReceiver implements Receiver {
  private consumer: Consumer | undefined;
  private dlq: Producer | undefined;
  private stopping = false;
  private running: Promise<void> | undefined;
  private readonly bySignalTopic = new Map<string, Signal>();
  private readonly sleeper = new Sleeper();
  private badLogged = 0;
  private readonly commits = new OffsetCommits();
  private commitTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cfg: KafkaReceiverConfig,
    private readonly next: Next,
    private readonly ctx: CreateContext,
  ) {
    for (const s of next.signals) this.bySignalTopic.set(cfg[s].topic, s);
  }

  get topics(): string[] {
    return [...this.bySignalTopic.keys()];
  }

  /** Returns at once: the group is joined in the background, retrying while Kafka is away. */
  async start(): Promise<void> {
    this.ctx.health.setReady(this.ctx.id, false, 'joining the Kafka consumer group');
    this.running = this.runLoop();
    this.commitTimer = setInterval(() => void this.commitCompleted(), this.cfg.commitIntervalMs);
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.commitTimer);
    this.sleeper.wake();
    // What completed is committed; what is still in the pipeline is read again by whoever
    // owns the partition next (at-least-once). Then kafkajs waits for the batch in progress
    // (which sees `stopping` and ends) and leaves the group, so a peer takes over at once.
    await this.commitCompleted();
    await this.consumer?.disconnect().catch((e: Error) => this.ctx.logger.warn({ err: e.message }, 'Kafka consumer disconnect failed'));
    await this.running;
    await this.dlq?.disconnect().catch(() => {});
  }

  private async runLoop(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      const consumer = this.createConsumer();
      this.consumer = consumer;
      try {
        await consumer.connect();
        for (const topic of this.topics) await consumer.subscribe({ topic, fromBeginning: this.cfg.initialOffset === 'earliest' });
        await consumer.run({
          // commits are ours: only completed offsets (the fetch position moves on regardless)
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.cfg.partitionsConsumedConcurrently,
          eachBatch: (p) => this.eachBatch(p),
        });
        return;
      } catch (e) {
        if (this.stopping) return;
        const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt - 1, 5));
        this.ctx.logger.warn({ brokers: this.cfg.brokers, err: (e as Error).message, retryInMs: delay }, 'Kafka consumer could not start; retrying');
        await consumer.disconnect().catch(() => {});
        await this.sleeper.sleep(delay);
      }
    }
  }

  private async eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const signal = this.bySignalTopic.get(batch.topic);
    if (!signal) return;
    const encoding = this.cfg[signal].encoding;
    for (const message of batch.messages) {
      if (this.stopping || !p.isRunning() || p.isStale()) return;
      let decoded;
      try {
        decoded = decodeMessage(signal, encoding, message.value);
      } catch (e) {
        const bad = e instanceof BadMessage ? e : new BadMessage('malformed', (e as Error).message);
        if (!(await this.badMessage(p, message, bad))) return;
        this.handedOver(p, message);
        continue;
      }
      let completed: Promise<unknown> | undefined;
      if (decoded.items > 0) {
        const outcome = await this.deliver(p, signal, message, decoded.data, decoded.items);
        if (outcome === 'stop') return;
        if (outcome === 'too_large') {
          if (!(await this.badMessage(p, message, new BadMessage('too_large', 'message is larger than the ring buffer can hold')))) return;
          this.handedOver(p, message);
          continue;
        }
        completed = outcome.delivered;
      }
      this.handedOver(p, message, completed);
      this.ctx.metrics.inc('atc_receiver_kafka_messages_total', { receiver: this.ctx.id, topic: batch.topic });
      await p.heartbeat();
    }
  }

  /** The pipeline has the message: read on; commit its offset once `completed` resolves. */
  private handedOver(p: EachBatchPayload, message: KafkaMessage, completed?: Promise<unknown>): void {
    this.commits.add(p.batch.topic, p.batch.partition, message.offset, completed);
    p.resolveOffset(message.offset);
  }

  private async commitCompleted(): Promise<void> {
    const consumer = this.consumer;
    const offsets: OffsetToCommit[] = this.commits.take();
    if (!consumer || offsets.length === 0) return;
    try {
      await consumer.commitOffsets(offsets);
    } catch (e) {
      this.commits.retry(offsets);
      if (!this.stopping) this.ctx.logger.warn({ err: (e as Error).message }, 'Kafka offset commit failed; retrying');
    }
  }

  /** Hands one message to the pipeline until it is taken; 'stop' when we must let go of it. */
  private async deliver(p: EachBatchPayload, signal: Signal, message: KafkaMessage, data: Uint8Array, items: number): Promise<{ delivered?: Promise<unknown> } | 'too_large' | 'stop'> {
    const { topic, partition } = p.batch;
    const labels = { receiver: this.ctx.id, transport: 'kafka' };
    let resume: (() => void) | undefined;
    try {
      for (let attempt = 1; ; attempt++) {
        let r;
        try {
          r = await this.next.consume(signal, data, items, { track: true });
        } catch (e) {
          r = { status: 'refused' as const, code: 'internal' as const, reason: (e as Error).message, retryAfterMs: 1000 };
        }
        if (r.status === 'accepted') {
          this.ctx.metrics.inc(ACCEPTED_BY_SIGNAL[signal], labels, items);
          return r.delivered ? { delivered: r.delivered } : {};
        }
        if (r.status === 'dropped') {
          // buffer.when_full: drop_newest — the operator chose loss over backpressure; counted.
          this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { ...labels, reason: 'dropped' }, items);
          return {};
        }
        if (r.code === 'too_large') return 'too_large';
        this.ctx.metrics.inc('atc_receiver_kafka_refusals_total', { receiver: this.ctx.id, topic });
        // Stop fetching this partition while the pipeline is full; the message is retried.
        resume ??= p.pause();
        if (attempt === 1 || attempt % 20 === 0) {
          this.ctx.logger.warn({ topic, partition, offset: message.offset, reason: r.reason, attempt }, 'pipeline refused a Kafka message; partition paused, retrying');
        }
        await this.sleeper.sleep(Math.min(5000, Math.max(100, r.retryAfterMs)));
        if (this.stopping || !p.isRunning() || p.isStale()) return 'stop';
        await p.heartbeat().catch(() => {});
      }
    } finally {
      resume?.();
    }
  }

  /** Counts, logs and dead-letters a bad message; false when it could not be parked (stopping). */
  private async badMessage(p: EachBatchPayload, message: KafkaMessage, bad: BadMessage): Promise<boolean> {
    const { topic, partition } = p.batch;
    this.ctx.metrics.inc('atc_receiver_kafka_bad_messages_total', { receiver: this.ctx.id, topic, reason: bad.reason });
    this.badLogged++;
    if (this.badLogged <= 20 || this.badLogged % 1000 === 0) {
      this.ctx.logger.warn({ topic, partition, offset: message.offset, reason: bad.reason, err: bad.message, deadLetterTopic: this.cfg.deadLetterTopic || undefined, badSoFar: this.badLogged }, 'bad Kafka message skipped');
    }
    if (this.cfg.deadLetterTopic === '') return true;
    for (let attempt = 1; ; attempt++) {
      try {
        const producer = await this.deadLetterProducer();
        await producer.send({
          topic: this.cfg.deadLetterTopic,
          acks: -1,
          messages: [
            {
              key: message.key,
              value: message.value,
              headers: {
                ...(message.headers ?? {}),
                'atc.error': bad.message.slice(0, 1000),
                'atc.error.reason': bad.reason,
                'atc.source.topic': topic,
                'atc.source.partition': String(partition),
                'atc.source.offset': message.offset,
              },
            },
          ],
        });
        this.ctx.metrics.inc('atc_receiver_kafka_dead_letter_messages_total', { receiver: this.ctx.id, topic });
        return true;
      } catch (e) {
        // Not committed past until it is parked: a dead-letter topic loses nothing either.
        if (attempt === 1 || attempt % 20 === 0) this.ctx.logger.error({ err: (e as Error).message, deadLetterTopic: this.cfg.deadLetterTopic, attempt }, 'could not produce to the dead-letter topic; retrying');
        await this.dlq?.disconnect().catch(() => {});
        this.dlq = undefined;
        await this.sleeper.sleep(Math.min(5000, 250 * attempt));
        if (this.stopping || !p.isRunning() || p.isStale()) return false;
        await p.heartbeat().catch(() => {});
      }
    }
  }

  private async deadLetterProducer(): Promise<Producer> {
    if (this.dlq) return this.dlq;
    const producer = this.client().producer({ allowAutoTopicCreation: true, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    this.dlq = producer;
    return producer;
  }

  private createConsumer(): Consumer {
    const consumer = this.client().consumer({
      groupId: this.cfg.groupId,
      sessionTimeout: this.cfg.sessionTimeoutMs,
      heartbeatInterval: this.cfg.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(60_000, this.cfg.sessionTimeoutMs),
      maxBytesPerPartition: this.cfg.maxPartitionFetchBytes,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: true,
      // kafkajs restarts the consumer after a crash it thinks retriable; we want that always.
      retry: { retries: 10, initialRetryTime: 300, restartOnFailure: async () => !this.stopping },
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assignment = (e.payload as { memberAssignment: Record<string, number[]> }).memberAssignment;
      const n = Object.values(assignment).reduce((a, ps) => a + ps.length, 0);
      this.ctx.metrics.inc('atc_receiver_kafka_rebalances_total', { receiver: this.ctx.id });
      this.ctx.metrics.set('atc_receiver_kafka_assigned_partitions', { receiver: this.ctx.id }, n);
      // a new assignment: partitions given away are forgotten; kept ones read on where they were
      for (const seek of this.commits.rejoined(assignment)) consumer.seek(seek);
      this.ctx.health.setReady(this.ctx.id, true);
      this.ctx.logger.info({ groupId: this.cfg.groupId, assignment }, 'joined the Kafka consumer group');
    });
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart } = e.payload as { error: Error; restart: boolean };
      this.ctx.health.setReady(this.ctx.id, false, `Kafka consumer: ${error.message}`);
      if (!this.stopping) this.ctx.logger.error({ err: error.message, restart }, 'Kafka consumer crashed');
      if (!restart && !this.stopping) {
        // kafkajs gave up on this consumer: start a fresh one.
        void consumer.disconnect().catch(() => {}).then(() => {
          if (!this.stopping) this.running = this.runLoop();
        });
      }
    });
    return consumer;
  }

  private client(): InstanceType<typeof Kafka> {
    return createKafkaClient({
      clientId: this.cfg.clientId,
      brokers: this.cfg.brokers,
      tls: this.cfg.tls,
      sasl: this.cfg.sasl,
      connectionTimeout: 10_000,
      requestTimeout: 30_000,
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
      logger: this.ctx.logger,
      quiet: () => this.stopping,
    });
  }
}
