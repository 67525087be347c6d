// The Kafka exporter against a real Apache Kafka broker (started by test/harness/kafka.ts):
// round trips read back with kafkajs and with kcat, trace-id keys, compression as stored by
// the broker, splitting under max_message_bytes, and what the broker refuses.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type { Batch, Exporter, Signal } from '../../../src/component.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { encodeRequest, type JsonObject } from '../../../src/otlp/index.js';
import { parseConfig, type KafkaExporterConfig } from '../../../exporters/kafka/config.js';
import { kafkaExporterFactory } from '../../../exporters/kafka/index.js';
import { Kafka, logLevel } from '../../../src/kafka/kafkajs.js';
import { valueBudget } from '../../../exporters/kafka/messages.js';
import { ensureKcat, startKafka, type KafkaServer } from '../../harness/kafka.js';
import { consumeTopics, kcatList, kcatValues, type ReadMessage } from '../../harness/kafka-readers.js';
import { flatten, flattenDecoded, hex, makeBatch, makeRequest, testContext, traceIdOf, type TestContext } from './fixtures.js';

const execFileP = promisify(execFile);

let kafka: KafkaServer | undefined;
const open: Exporter[] = [];

before(async () => {
  // kcat first: installing it (apt-get) must not eat into a running broker's time.
  await ensureKcat();
  kafka = await startKafka({ partitions: 3 });
}, { timeout: 240_000 });

after(async () => {
  for (const e of open) await e.shutdown().catch(() => {});
  await kafka?.close();
}, { timeout: 60_000 });

function brokers(): string[] {
  assert.ok(kafka, 'broker not started');
  return kafka.brokers;
}

const uniqueTopic = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

/**
 * Topics are created (and their partition leaders elected) before the first send: on a cold,
 * loaded CI machine an auto-created topic can answer the first produce with a retryable
 * leader error, which the pipeline would retry but a bare export() call reports.
 */
async function createTopics(raw: Record<string, unknown>): Promise<void> {
  const topics: string[] = [];
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    const t = (raw[signal] as { topic?: unknown } | undefined)?.topic;
    if (typeof t === 'string') topics.push(t);
  }
  if (topics.length === 0) return;
  const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) await admin.createTopics({ topics: missing.map((topic) => ({ topic })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** export() until it succeeds, retrying what it calls retryable as the fan-out would; the errors seen are in the message. */
async function exportOk(exp: Exporter, batch: Batch): Promise<void> {
  const seen: string[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const res = await exp.export(batch);
    if (res.outcome === 'success') return;
    seen.push(`${res.outcome}: ${res.error.message}`);
    if (res.outcome !== 'retryable') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`export did not succeed: ${seen.join(' | ')}`);
}

async function exporter(raw: Record<string, unknown>, ctx: TestContext = testContext()): Promise<{ exp: Exporter; ctx: TestContext; cfg: KafkaExporterConfig }> {
  await createTopics(raw);
  const errors = new ConfigErrors();
  const cfg = parseConfig({ brokers: brokers(), timeout: '10s', retry: { initial_interval: '200ms', max_interval: '1s', max_elapsed_time: '60s' }, ...raw }, 'exporters.kafka', errors);
  assert.ok(errors.empty, errors.toString());
  const exp = kafkaExporterFactory.create(cfg, ctx);
  open.push(exp);
  await exp.start();
  return { exp, ctx, cfg };
}

const itemsIn = (signal: Signal, msgs: readonly ReadMessage[]): string[] => msgs.flatMap((m) => flatten(signal, m.value));

test('round trip: traces, logs and metrics (otlp_proto, zstd) read back with kafkajs, every item once', { timeout: 120_000 }, async () => {
  const topics = { traces: uniqueTopic('spans'), logs: uniqueTopic('logs'), metrics: uniqueTopic('metrics') };
  const { exp, ctx } = await exporter({ traces: { topic: topics.traces }, logs: { topic: topics.logs }, metrics: { topic: topics.metrics } });
  const sent: Record<Signal, string[]> = { traces: [], logs: [], metrics: [] };
  const items: Record<Signal, number> = { traces: 0, logs: 0, metrics: 0 };
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    for (let b = 0; b < 4; b++) {
      const batch = makeBatch(signal, makeRequest(signal, { tag: `b${b}`, resources: 2, scopesPerResource: 2, itemsPerScope: 5 }));
      await exportOk(exp, batch);
      sent[signal].push(...flatten(signal, batch.data));
      items[signal] += batch.items;
    }
  }
  const read = await consumeTopics(brokers(), Object.values(topics), { until: (m) => m.length >= 12, timeoutMs: 60_000 });
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    const mine = read.filter((m) => m.topic === topics[signal]);
    assert.equal(mine.length, 4, `${signal}: one message per batch`);
    assert.ok(mine.every((m) => m.key === null));
    assert.deepEqual(itemsIn(signal, mine).sort(), sent[signal].sort(), `${signal}: items differ`);
    assert.equal(ctx.metrics.get('atc_exporter_kafka_messages_total', { exporter: 'kafka', topic: topics[signal] }), 4);
    assert.equal(ctx.metrics.get('atc_exporter_sent_batches_total', { exporter: 'kafka', signal }), 4);
    assert.equal(ctx.metrics.count('atc_exporter_kafka_send_latency_seconds', { exporter: 'kafka', topic: topics[signal] }), 4);
  }
  assert.equal(ctx.metrics.get('atc_exporter_sent_spans_total', { exporter: 'kafka' }), items.traces);
  assert.equal(ctx.metrics.get('atc_exporter_sent_log_records_total', { exporter: 'kafka' }), items.logs);
  assert.equal(ctx.metrics.get('atc_exporter_sent_metric_points_total', { exporter: 'kafka' }), items.metrics);
  assert.equal(ctx.ready.get('kafka'), true);
  assert.deepEqual(await kafka!.batchCodecs(topics.traces), ['zstd', 'zstd', 'zstd', 'zstd']);
});

test('otlp_json encoding: each message is the OTLP/JSON of one request', { timeout: 90_000 }, async () => {
  const topic = uniqueTopic('logs-json');
  const { exp } = await exporter({ logs: { topic, encoding: 'otlp_json' }, compression: 'gzip' });
  const batch = makeBatch('logs', makeRequest('logs', { resources: 2, itemsPerScope: 4 }));
  await exportOk(exp, batch);
  const [msg] = await consumeTopics(brokers(), [topic], { until: (m) => m.length >= 1, timeoutMs: 60_000 });
  assert.ok(msg);
  const json = JSON.parse(msg.value.toString('utf8')) as JsonObject;
  assert.ok(Array.isArray(json.resourceLogs));
  assert.deepEqual(flattenDecoded('logs', json).sort(), flatten('logs', batch.data).sort());
  // and back to protobuf, as the Collector's otlp_json unmarshaler would
  assert.deepEqual(flatten('logs', encodeRequest('logs', json)).sort(), flatten('logs', batch.data).sort());
});

test('partition_traces_by_id: one trace per message, key = hex trace id, every span of a trace in one partition', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('spans-keyed');
  const logTopic = uniqueTopic('logs-keyed');
  const { exp } = await exporter({ traces: { topic }, logs: { topic: logTopic }, partition_traces_by_id: true, partition_logs_by_trace_id: true });
  const ids = Array.from({ length: 24 }, () => hex(16));
  const sent: string[] = [];
  const sentLogs: string[] = [];
  // The same traces arrive over several batches, from several resources, as they would live.
  for (let b = 0; b < 3; b++) {
    const batch = makeBatch('traces', makeRequest('traces', { tag: `b${b}`, resources: 3, scopesPerResource: 2, itemsPerScope: 8, traceIds: ids }));
    await exportOk(exp, batch);
    sent.push(...flatten('traces', batch.data));
    const logs = makeBatch('logs', makeRequest('logs', { tag: `b${b}`, resources: 2, itemsPerScope: 6, traceIds: [...ids.slice(0, 5), '00000000000000000000000000000000'] }));
    await exportOk(exp, logs);
    sentLogs.push(...flatten('logs', logs.data));
  }
  const read = await consumeTopics(brokers(), [topic, logTopic], { until: (m) => m.length >= 3 * 24 + 3 * 6, timeoutMs: 60_000 });
  const spans = read.filter((m) => m.topic === topic);
  assert.equal(spans.length, 3 * 24, 'one message per trace per batch');
  const partitionOf = new Map<string, number>();
  for (const m of spans) {
    assert.ok(m.key, 'every message keyed');
    const key = m.key.toString('latin1');
    assert.match(key, /^[0-9a-f]{32}$/, 'key = trace id as lowercase hex (the Collector: TraceIDToHexOrEmptyString)');
    for (const f of flatten('traces', m.value)) assert.equal(traceIdOf(f), key);
    const p = partitionOf.get(key);
    if (p === undefined) partitionOf.set(key, m.partition);
    else assert.equal(m.partition, p, `trace ${key} spread over partitions ${p} and ${m.partition}`);
  }
  assert.deepEqual([...partitionOf.keys()].sort(), [...ids].sort());
  assert.ok(new Set(partitionOf.values()).size > 1, 'keys spread over partitions');
  assert.deepEqual(itemsIn('traces', spans).sort(), sent.sort());

  const logs = read.filter((m) => m.topic === logTopic);
  assert.equal(logs.length, 3 * 6);
  for (const m of logs) {
    const flat = flatten('logs', m.value);
    // Log records without a trace id go unkeyed, as the Collector does.
    if (m.key === null) assert.ok(flat.every((f) => traceIdOf(f) === ''));
    else for (const f of flat) assert.equal(traceIdOf(f), m.key.toString('latin1'));
  }
  assert.deepEqual(itemsIn('logs', logs).sort(), sentLogs.sort());
});

for (const compression of ['zstd', 'gzip', 'snappy', 'none'] as const) {
  test(`compression ${compression}: stored so by the broker and readable by kcat (librdkafka)`, { timeout: 120_000 }, async () => {
    const topic = uniqueTopic(`spans-${compression}`);
    const { exp } = await exporter({ traces: { topic }, compression, partition_traces_by_id: true });
    const sent: string[] = [];
    const ids = Array.from({ length: 6 }, () => hex(16));
    for (let b = 0; b < 3; b++) {
      const batch = makeBatch('traces', makeRequest('traces', { tag: `b${b}`, itemsPerScope: 6, fillerBytes: 200, traceIds: ids }));
      await exportOk(exp, batch);
      sent.push(...flatten('traces', batch.data));
    }
    // Concatenated values are one valid request: kcat's output decodes as a whole.
    const values = await kcatValues(brokers(), topic);
    assert.deepEqual(flatten('traces', values).sort(), sent.sort());
    const list = await kcatList(brokers(), topic);
    assert.equal(list.length, 3 * ids.length);
    assert.deepEqual([...new Set(list.map((r) => r.key))].sort(), [...ids].sort());
    const codecs = new Set(await kafka!.batchCodecs(topic));
    assert.deepEqual([...codecs], [compression === 'none' ? 'none' : compression]);
  });
}

test('max_message_bytes: a large batch is split by whole entries, nothing truncated or lost', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('spans-split');
  const max = 65_536;
  const { exp, ctx } = await exporter({ traces: { topic }, max_message_bytes: max, compression: 'none' });
  const batch = makeBatch('traces', makeRequest('traces', { resources: 3, scopesPerResource: 3, itemsPerScope: 80, fillerBytes: 1000 }));
  assert.ok(batch.data.length > 8 * max);
  await exportOk(exp, batch);
  const list = await kcatList(brokers(), topic);
  assert.ok(list.length >= 8, `split into ${list.length} messages`);
  for (const r of list) assert.ok(r.size <= valueBudget(max, 0), `message of ${r.size} bytes`);
  assert.deepEqual(flatten('traces', await kcatValues(brokers(), topic)).sort(), flatten('traces', batch.data).sort());
  assert.equal(ctx.metrics.get('atc_exporter_kafka_messages_total', { exporter: 'kafka', topic }), list.length);
  assert.equal(ctx.metrics.get('atc_exporter_sent_spans_total', { exporter: 'kafka' }), batch.items);
});

test('an unkeyed batch cut into several messages goes out in one produce request, a partition per message', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('spans-one-request');
  const max = 65_536;
  const { exp, ctx } = await exporter({ traces: { topic }, max_message_bytes: max, compression: 'zstd' });
  const labels = { exporter: 'kafka', topic };
  // three resources of ~44 KB: no two fit one message, so three messages for three partitions
  const batch = makeBatch('traces', makeRequest('traces', { resources: 3, scopesPerResource: 1, itemsPerScope: 40, fillerBytes: 1000 }));
  await exportOk(exp, batch);
  const requests0 = ctx.metrics.count('atc_exporter_kafka_send_latency_seconds', labels);
  const messages0 = ctx.metrics.get('atc_exporter_kafka_messages_total', labels);
  assert.equal(messages0, 3);
  // the first message alone (kafkajs learns the topic's partitions with it), then the other two together
  assert.equal(requests0, 2);
  await exportOk(exp, batch);
  assert.equal(ctx.metrics.get('atc_exporter_kafka_messages_total', labels) - messages0, 3);
  assert.equal(ctx.metrics.count('atc_exporter_kafka_send_latency_seconds', labels) - requests0, 1, 'one produce request');
  const list = await kcatList(brokers(), topic);
  assert.equal(list.length, 6);
  // one record batch per message: no request put two of them in one partition (one batch over max)
  assert.equal((await kafka!.batchCodecs(topic)).length, 6);
  for (const r of list) assert.ok(r.size <= valueBudget(max, 0), `message of ${r.size} bytes`);
  const spans = flatten('traces', batch.data);
  assert.deepEqual(flatten('traces', await kcatValues(brokers(), topic)).sort(), [...spans, ...spans].sort());
});

test('an item larger than max_message_bytes alone is refused, logged and counted; the rest is delivered', { timeout: 90_000 }, async () => {
  const topic = uniqueTopic('logs-refuse');
  const { exp, ctx } = await exporter({ logs: { topic }, max_message_bytes: 16_384 });
  const small = makeRequest('logs', { itemsPerScope: 5, tag: 'small' });
  const big = makeRequest('logs', { resources: 1, scopesPerResource: 1, itemsPerScope: 1, fillerBytes: 40_000, tag: 'big' });
  const batch = makeBatch('logs', new Uint8Array([...small, ...big, ...small]));
  await exportOk(exp, batch);
  assert.equal(ctx.metrics.get('atc_exporter_kafka_refused_items_total', { exporter: 'kafka', topic }), 1);
  assert.equal(ctx.metrics.get('atc_exporter_send_failed_items_total', { exporter: 'kafka', signal: 'logs' }), 1);
  const got = flatten('logs', await kcatValues(brokers(), topic));
  assert.equal(got.length, batch.items - 1);
  assert.ok(got.every((f) => !f.includes('big-')));
});

test('a message the broker refuses as too large is a failure, not retried', { timeout: 90_000 }, async () => {
  const topic = uniqueTopic('spans-small-topic');
  const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '8192' }] }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const { exp, ctx } = await exporter({ traces: { topic }, compression: 'none' });
  const batch = makeBatch('traces', makeRequest('traces', { itemsPerScope: 10, fillerBytes: 2_000 }));
  const t0 = Date.now();
  const res = await exp.export(batch);
  assert.equal(res.outcome, 'failure');
  assert.match(String((res as { error: Error }).error.message), /too large|size/i);
  assert.ok(Date.now() - t0 < 10_000, 'not retried with backoff');
  assert.equal(ctx.metrics.get('atc_exporter_kafka_send_failures_total', { exporter: 'kafka', topic, kind: 'permanent' }), 1);
  assert.equal(ctx.metrics.get('atc_exporter_retries_total', { exporter: 'kafka', signal: 'traces' }), 0);
});

test('brokers that do not answer: start does not fail, export is retryable', { timeout: 60_000 }, async () => {
  const errors = new ConfigErrors();
  const cfg = parseConfig({ brokers: ['127.0.0.1:1'], timeout: '1s', retry: { enabled: false } }, 'exporters.kafka', errors);
  assert.ok(errors.empty, errors.toString());
  const ctx = testContext();
  const exp = kafkaExporterFactory.create(cfg, ctx);
  open.push(exp);
  await exp.start();
  assert.equal(ctx.ready.get('kafka'), false);
  const res = await exp.export(makeBatch('traces', makeRequest('traces')));
  assert.equal(res.outcome, 'retryable');
  await exp.shutdown();
});

test('examples/kafka-consumer decodes what the exporter wrote', { timeout: 90_000 }, async () => {
  const topic = uniqueTopic('spans-example');
  const { exp } = await exporter({ traces: { topic } });
  const batch = makeBatch('traces', makeRequest('traces', { tag: 'example', resources: 1, scopesPerResource: 1, itemsPerScope: 3 }));
  await exportOk(exp, batch);
  const script = fileURLToPath(new URL('../../../examples/kafka-consumer/consumer.js', import.meta.url));
  const { stdout } = await execFileP(process.execPath, [script, '--brokers', brokers().join(','), '--topic', topic, '--signal', 'traces', '--from-beginning', '--max', '1', '--group', `g-${randomUUID()}`], { timeout: 60_000 });
  const spans = stdout.split('\n').filter((l) => l.startsWith('span '));
  assert.equal(spans.length, 3, stdout);
  assert.ok(spans.every((l) => l.includes('svc-0') && l.includes('"example-r0-s0-i')), stdout);
});
