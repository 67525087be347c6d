// Agent collector → Kafka (real KRaft broker) → gateway collector(s) → file, with exact counts:
// a steady stream; a gateway killed with SIGKILL mid-stream and restarted (durability: disk);
// two gateways sharing the partitions of one consumer group, one leaving mid-stream.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { spawnCollector, type RunningCollector } from '../../harness/cli-process.js';
import { readStored, startCollector, storedLogRecords, tempDir, type TestCollector } from '../../harness/collector.js';
import { startKafka, type KafkaServer } from '../../harness/kafka.js';
import { reportDelivery, startLoad } from '../../harness/load.js';

let kafka: KafkaServer;
const inProcess = new Set<TestCollector>();
const children = new Set<RunningCollector>();

before(async () => {
  kafka = await startKafka({ partitions: 4 });
});

after(async () => {
  for (const c of children) c.child.kill('SIGKILL');
  for (const c of inProcess) await c.shutdown().catch(() => {});
  await kafka?.close();
});

async function inproc(yaml: (dataDir: string) => string): Promise<TestCollector> {
  const c = await startCollector({ yaml });
  inProcess.add(c);
  return c;
}

async function stop(c: TestCollector): Promise<void> {
  await c.shutdown();
  inProcess.delete(c);
}

const agentYaml = (topic: string) => (dataDir: string) => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters:
  kafka:
    brokers: ["${kafka.brokers[0]}"]
    logs: { topic: ${topic} }
    timeout: 3s
    retry: { initial_interval: 200ms, max_interval: 1s }
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines: { logs: { receivers: [otlp], exporters: [kafka] } }
`;

const gatewayYaml = (topic: string, group: string, out?: string, extra = '') => (dataDir: string) => `
receivers:
  kafka:
    brokers: ["${kafka.brokers[0]}"]
    group_id: ${group}
    initial_offset: earliest
    logs: { topic: ${topic} }
    session_timeout: 6s
    heartbeat_interval: 1s
    commit_interval: 200ms
exporters: { file: { directory: ${out ?? dataDir}, fsync: false } }
spill: { directory: ${dataDir}.spill }
${extra}
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: "\${env:ATC_TEST_LOG_LEVEL:-silent}" } }
  pipelines: { logs: { receivers: [kafka], exporters: [file] } }
`;

const bodiesIn = (dirs: string[]): string[] =>
  dirs.flatMap((d) => storedLogRecords(readStored(d)).map((l) => (l.record['body'] as { stringValue: string }).stringValue));

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Waits until every acknowledged record is in the gateways' output (or times out). */
async function waitDelivered(dirs: string[], acked: Set<string>, timeoutMs: number): Promise<void> {
  await waitFor(() => {
    const got = new Set(bodiesIn(dirs).map((b) => b.split(' ')[0]!));
    return [...acked].every((k) => got.has(k));
  }, timeoutMs, `${acked.size} records at the gateway`);
}

test('agent → Kafka → gateway → file: exact counts, offsets committed', { timeout: 120_000 }, async () => {
  const topic = `e2e-logs-${randomUUID().slice(0, 8)}`;
  const group = `gw-${randomUUID().slice(0, 8)}`;
  const gateway = await inproc(gatewayYaml(topic, group));
  const agent = await inproc(agentYaml(topic));
  const stats = await startLoad(() => agent.otlpUrl, { workers: 2, perRequest: 25, maxRequests: 60 }).done;
  assert.equal(stats.acked.size, 3000);
  await stop(agent);
  await waitDelivered([gateway.dataDir], stats.acked, 60_000);
  // let the last commit go out, then leave the group cleanly
  await new Promise((r) => setTimeout(r, 500));
  await stop(gateway);
  const { lost, duplicated } = reportDelivery('agent to kafka to gateway', stats, bodiesIn([gateway.dataDir]));
  assert.equal(lost, 0);
  assert.equal(duplicated, 0);
  assert.equal(await gateway.service.metrics.value('atc_receiver_kafka_bad_messages_total'), 0);

  // Everything is committed: a new member of the same group reads nothing again.
  const again = await inproc(gatewayYaml(topic, group));
  await waitFor(async () => (await again.service.metrics.value('atc_receiver_kafka_rebalances_total')) > 0, 30_000, 'the group join');
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(await again.service.metrics.value('atc_receiver_kafka_messages_total'), 0, 'committed messages were read again');
  await stop(again);
});

test('gateway killed with SIGKILL mid-stream and restarted (durability: disk): nothing lost', { timeout: 180_000 }, async () => {
  const topic = `kill-logs-${randomUUID().slice(0, 8)}`;
  const group = `gw-${randomUUID().slice(0, 8)}`;
  const dir = tempDir('atc-gw-kill-');
  const out = join(dir, 'out');
  mkdirSync(out);
  const config = join(dir, 'gateway.yaml');
  // a slow flush keeps acknowledged (committed) records in the ring when the kill lands
  writeFileSync(config, gatewayYaml(topic, group, out, `buffer: { durability: disk, wal: { directory: ${dir}/wal }, flush_interval: 500ms }`)(dir));
  let gw = await spawnCollector(['--config', config]);
  children.add(gw);
  const agent = await inproc(agentYaml(topic));
  const load = startLoad(() => agent.otlpUrl, { workers: 2, perRequest: 20, pauseMs: 10 });
  await waitFor(() => bodiesIn([out]).length > 300, 60_000, 'the gateway to write something');
  gw.child.kill('SIGKILL');
  await gw.exited;
  children.delete(gw);
  const killedWith = bodiesIn([out]).length;
  await new Promise((r) => setTimeout(r, 2000));
  gw = await spawnCollector(['--config', config]);
  children.add(gw);
  await new Promise((r) => setTimeout(r, 3000));
  const stats = await load.stop();
  await stop(agent);
  await waitDelivered([out], stats.acked, 90_000);
  gw.child.kill('SIGTERM');
  assert.equal(await gw.exited, 0, gw.logs());
  children.delete(gw);
  console.log(`# gateway SIGKILL: ${killedWith} records written before the kill`);
  const { lost } = reportDelivery('gateway SIGKILL mid-stream (kafka, disk)', stats, bodiesIn([out]));
  assert.equal(lost, 0);
});

test('two gateways share the partitions; one leaves mid-stream, the other takes over', { timeout: 180_000 }, async () => {
  const topic = `shared-logs-${randomUUID().slice(0, 8)}`;
  const group = `gw-${randomUUID().slice(0, 8)}`;
  const a = await inproc(gatewayYaml(topic, group));
  const b = await inproc(gatewayYaml(topic, group));
  const agent = await inproc(agentYaml(topic));
  const load = startLoad(() => agent.otlpUrl, { workers: 2, perRequest: 20, pauseMs: 10 });
  await waitFor(
    async () =>
      (await a.service.metrics.value('atc_receiver_kafka_assigned_partitions')) > 0 &&
      (await b.service.metrics.value('atc_receiver_kafka_assigned_partitions')) > 0 &&
      (await a.service.metrics.value('atc_receiver_kafka_messages_total')) > 0 &&
      (await b.service.metrics.value('atc_receiver_kafka_messages_total')) > 0,
    60_000,
    'both gateways to hold partitions and consume',
  );
  const pa = await a.service.metrics.value('atc_receiver_kafka_assigned_partitions');
  const pb = await b.service.metrics.value('atc_receiver_kafka_assigned_partitions');
  assert.equal(pa + pb, 4, `partitions split ${pa}+${pb}`);
  await new Promise((r) => setTimeout(r, 1000));
  await stop(b); // clean leave: b commits what it acknowledged and a takes its partitions
  await waitFor(async () => (await a.service.metrics.value('atc_receiver_kafka_assigned_partitions')) === 4, 30_000, 'gateway a to take every partition');
  await new Promise((r) => setTimeout(r, 1500));
  const stats = await load.stop();
  await stop(agent);
  await waitDelivered([a.dataDir, b.dataDir], stats.acked, 60_000);
  await stop(a);
  const fromA = bodiesIn([a.dataDir]).length;
  const fromB = bodiesIn([b.dataDir]).length;
  console.log(`# shared group: gateway a wrote ${fromA}, gateway b wrote ${fromB} (partitions ${pa}+${pb})`);
  const { lost } = reportDelivery('two gateways, one leaves (kafka)', stats, bodiesIn([a.dataDir, b.dataDir]));
  assert.equal(lost, 0);
  assert.ok(fromA > 0 && fromB > 0);
});
