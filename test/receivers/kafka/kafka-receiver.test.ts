// The Kafka receiver against the real broker, with a scripted downstream of our own
// (the Consumer contract): bad messages are counted and dead-lettered, never a crash; a
// 'refused' answer pauses and retries without committing; offsets follow acknowledgements.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Consumer, ConsumeResult, Signal } from '../../../src/component.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { decodeRequest, encodeRequest } from '../../../src/otlp/index.js';
import { Kafka, logLevel } from '../../../src/kafka/kafkajs.js';
import { parseConfig } from '../../../receivers/kafka/config.js';
import { KafkaReceiver, decodeMessage } from '../../../receivers/kafka/kafka-receiver.js';
import { startKafka, type KafkaServer } from '../../harness/kafka.js';
import { committedOffsets, consumeTopics } from '../../harness/kafka-readers.js';
import { testContext } from '../../exporters/kafka/fixtures.js';

const logs = (body: string): Uint8Array => encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: body } }] }] }] });

class ScriptedConsumer implements Consumer {
  readonly signals = new Set<Signal>(['logs']);
  readonly got: string[] = [];
  refuseNext = 0;
  calls = 0;
  async consume(signal: Signal, data: Uint8Array): Promise<ConsumeResult> {
    this.calls++;
    if (this.refuseNext > 0) {
      this.refuseNext--;
      return { status: 'refused', code: 'ring_full', reason: 'ring buffer full', retryAfterMs: 200 };
    }
    const j = decodeRequest(signal, data) as { resourceLogs: { scopeLogs: { logRecords: { body: { stringValue: string } }[] }[] }[] };
    for (const rl of j.resourceLogs) for (const sl of rl.scopeLogs) for (const r of sl.logRecords) this.got.push(r.body.stringValue);
    return { status: 'accepted' };
  }
}

function cfg(raw: Record<string, unknown>) {
  const errors = new ConfigErrors();
  const c = parseConfig(raw, 'receivers.kafka', errors);
  assert.deepEqual(errors.list, []);
  return c;
}

describe('config', () => {
  test('defaults mirror the Kafka exporter and the Collector kafkareceiver', () => {
    const c = cfg({});
    assert.equal(c.logs.topic, 'otlp_logs');
    assert.equal(c.traces.topic, 'otlp_spans');
    assert.equal(c.metrics.topic, 'otlp_metrics');
    assert.equal(c.traces.encoding, 'otlp_proto');
    assert.equal(c.groupId, 'otel-collector');
    assert.equal(c.initialOffset, 'latest');
  });

  test('problems are reported with key paths', () => {
    const errors = new ConfigErrors();
    parseConfig({ brokers: ['nohost'], initial_offset: 'oldest', logs: { topic: 'otlp_spans', encoding: 'avro' }, dead_letter_topic: 'bad topic', heartbeat_interval: '20s', grup_id: 'x' }, 'receivers.kafka', errors);
    assert.deepEqual(errors.list.map((e) => e.path).sort(), [
      'receivers.kafka.brokers[0]',
      'receivers.kafka.dead_letter_topic',
      'receivers.kafka.grup_id',
      'receivers.kafka.heartbeat_interval',
      'receivers.kafka.initial_offset',
      'receivers.kafka.logs.encoding',
      'receivers.kafka.logs.topic',
    ]);
  });

  test('otlp_json and otlp_proto messages decode; garbage is a bad message', () => {
    const proto = Buffer.from(logs('a'));
    assert.equal(decodeMessage('logs', 'otlp_proto', proto).items, 1);
    const json = Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'j' } }, { severityNumber: 9 }, {}] }] }] }));
    // An empty record is stored but not counted (the scanner counts no empty items).
    assert.equal(decodeMessage('logs', 'otlp_json', json).items, 2);
    assert.throws(() => decodeMessage('logs', 'otlp_proto', Buffer.from([0xff, 0xff, 0xff])), { reason: 'malformed' });
    assert.throws(() => decodeMessage('logs', 'otlp_json', Buffer.from('{not json')), { reason: 'malformed' });
    assert.throws(() => decodeMessage('logs', 'otlp_proto', null), { reason: 'empty' });
  });
});

describe('against the broker', () => {
  let kafka: KafkaServer;
  const receivers: KafkaReceiver[] = [];
  before(async () => {
    kafka = await startKafka({ partitions: 2 });
  });
  after(async () => {
    for (const r of receivers) await r.shutdown().catch(() => {});
    await kafka?.close();
  });

  async function produce(topic: string, values: (Buffer | null)[]): Promise<void> {
    const k = new Kafka({ clientId: 'atc-test', brokers: kafka.brokers, logLevel: logLevel.NOTHING });
    const p = k.producer({ allowAutoTopicCreation: true });
    await p.connect();
    await p.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: String(i % 2), value })) });
    await p.disconnect();
  }

  const committed = (topic: string, group: string): Promise<number> => committedOffsets(kafka.brokers, topic, group);

  async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  test('bad messages are counted and dead-lettered with their origin; the good ones flow on', { timeout: 90_000 }, async () => {
    const topic = `bad-${randomUUID().slice(0, 8)}`;
    const dlq = `${topic}-dlq`;
    const group = `g-${randomUUID().slice(0, 8)}`;
    await produce(topic, [Buffer.from(logs('good-1')), Buffer.from('definitely not protobuf \xff\xff'), null, Buffer.from(logs('good-2')), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), Buffer.from(logs('good-3'))]);
    const next = new ScriptedConsumer();
    const ctx = testContext('kafka');
    const r = new KafkaReceiver(cfg({ brokers: kafka.brokers, group_id: group, initial_offset: 'earliest', logs: { topic }, dead_letter_topic: dlq, commit_interval: '100ms' }), next, ctx);
    receivers.push(r);
    await r.start();
    await waitFor(() => next.got.length === 3, 60_000, 'the good messages');
    assert.deepEqual(next.got.sort(), ['good-1', 'good-2', 'good-3']);
    await waitFor(async () => (await committed(topic, group)) === 6, 20_000, 'all six offsets committed');
    const bad = ctx.metrics.get('atc_receiver_kafka_bad_messages_total', { receiver: 'kafka', topic, reason: 'malformed' }) + ctx.metrics.get('atc_receiver_kafka_bad_messages_total', { receiver: 'kafka', topic, reason: 'empty' });
    assert.equal(bad, 3);
    const parked = await consumeTopics(kafka.brokers, [dlq], { timeoutMs: 30_000, until: (ms) => ms.length >= 3 });
    assert.equal(parked.length, 3);
    assert.equal(ctx.metrics.get('atc_receiver_kafka_dead_letter_messages_total', { receiver: 'kafka', topic }), 3);
    await r.shutdown();
  });

  test("'refused' pauses and retries the same message; nothing committed until accepted", { timeout: 90_000 }, async () => {
    const topic = `bp-${randomUUID().slice(0, 8)}`;
    const group = `g-${randomUUID().slice(0, 8)}`;
    await produce(topic, Array.from({ length: 10 }, (_, i) => Buffer.from(logs(`m${i}`))));
    const next = new ScriptedConsumer();
    next.refuseNext = 1_000_000;
    const ctx = testContext('kafka');
    const r = new KafkaReceiver(cfg({ brokers: kafka.brokers, group_id: group, initial_offset: 'earliest', logs: { topic }, commit_interval: '100ms' }), next, ctx);
    receivers.push(r);
    await r.start();
    await waitFor(() => next.calls >= 6, 60_000, 'repeated refusals');
    assert.equal(await committed(topic, group), 0, 'an offset was committed while the pipeline refused');
    assert.ok(ctx.metrics.get('atc_receiver_kafka_refusals_total', { receiver: 'kafka', topic }) >= 6);
    next.refuseNext = 0;
    await waitFor(() => next.got.length === 10, 30_000, 'delivery once the pipeline takes data again');
    await waitFor(async () => (await committed(topic, group)) === 10, 20_000, 'offsets committed');
    assert.deepEqual([...next.got].sort(), Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
    // shutdown while refusing: lets go without committing, a restart reads the message again
    next.refuseNext = 1_000_000;
    await produce(topic, [Buffer.from(logs('late'))]);
    await waitFor(() => next.refuseNext < 1_000_000, 30_000, 'the late message to be refused');
    await r.shutdown();
    assert.equal(await committed(topic, group), 10);
    next.refuseNext = 0;
    const r2 = new KafkaReceiver(cfg({ brokers: kafka.brokers, group_id: group, logs: { topic }, commit_interval: '100ms' }), next, testContext('kafka'));
    receivers.push(r2);
    await r2.start();
    await waitFor(() => next.got.includes('late'), 60_000, 'the late message after restart');
    await r2.shutdown();
  });
});
