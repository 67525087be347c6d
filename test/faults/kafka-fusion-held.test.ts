// A Kafka receiver feeding fusion (decision_wait 60s) with durability: disk: the offsets of
// messages whose spans fusion holds are not committed; kill -9, restart: nothing is lost.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Kafka, logLevel } from '../../src/kafka/kafkajs.js';
import { spawnCollector } from '../harness/cli-process.js';
import { readStored, storedSpans, tempDir } from '../harness/collector.js';
import { startKafka, type KafkaServer } from '../harness/kafka.js';
import { heldFusionConfig, heldSpans } from '../harness/held-spans.js';
import { committedOffsets } from '../harness/kafka-readers.js';

let kafka: KafkaServer | undefined;
after(async () => {
  await kafka?.close();
});

test('offsets stay uncommitted while fusion holds the data; kill -9 and restart lose nothing', { timeout: 240_000 }, async () => {
  kafka = await startKafka({ partitions: 2 });
  const topic = `held-${randomUUID().slice(0, 8)}`;
  const group = `g-${randomUUID().slice(0, 8)}`;
  const producer = new Kafka({ clientId: 'atc-test', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const names: string[] = [];
  const messages = Array.from({ length: 10 }, (_, r) => {
    for (let k = 0; k < 4; k++) names.push(`r${r}-s${k}`);
    return { key: String(r), value: Buffer.from(heldSpans(r, 4)) };
  });
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();

  const dir = tempDir();
  const config = heldFusionConfig(dir, 'kafka', `{ brokers: ["${kafka.brokers[0]}"], group_id: ${group}, initial_offset: earliest, commit_interval: 100ms, traces: { topic: ${topic} } }`);
  let c = await spawnCollector(['--config', config]);
  const metric = async (name: string): Promise<number> => Number((await (await fetch(`${c.telemetryUrl}/metrics`)).text()).match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm'))?.[1] ?? 0);
  for (let i = 0; i < 600 && (await metric('atc_fusion_held_traces')) < 20; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await metric('atc_fusion_held_traces'), 20, `fusion holds every trace\n${c.logs()}`);
  // many commit intervals later, still nothing committed: fusion holds all of it
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await committedOffsets(kafka.brokers, topic, group), 0, 'offsets were committed while fusion held the data');
  c.child.kill('SIGKILL');
  await c.exited;

  c = await spawnCollector(['--config', config]);
  // the restarted collector reads the messages again (and replays its log); then a clean stop
  for (let i = 0; i < 600 && (await metric('atc_receiver_kafka_messages_total')) < 10; i++) await new Promise((r) => setTimeout(r, 100));
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.logs());
  const out = new Set(storedSpans(readStored(join(dir, 'out'))).map((s) => String(s.span['name'])));
  const lost = names.filter((n) => !out.has(n));
  console.log(`# kafka + fusion kill -9: produced=${names.length} delivered=${out.size} lost=${lost.length}`);
  assert.deepEqual(lost, []);
});
