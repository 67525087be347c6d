// The Kafka broker is stopped for 60 s under steady load, then started again: batches spill
// to disk while it is away and drain when it returns. Zero acknowledged records lost.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { decodeRequest } from '../../src/otlp/index.js';
import { startCollector, storedLogRecords, type TestCollector } from '../harness/collector.js';
import { startKafka, type KafkaServer } from '../harness/kafka.js';
import { consumeTopics } from '../harness/kafka-readers.js';
import { reportDelivery, startLoad } from '../harness/load.js';

const OUTAGE_MS = Number(process.env['ATC_FAULT_OUTAGE_MS'] ?? 60_000);
let kafka: KafkaServer | undefined;
let collector: TestCollector | undefined;

after(async () => {
  await collector?.shutdown().catch(() => {});
  await kafka?.close();
});

test(`Kafka broker down for ${OUTAGE_MS / 1000} s under load: spilled, drained, nothing lost`, { timeout: OUTAGE_MS + 420_000 }, async () => {
  kafka = await startKafka({ partitions: 3 });
  const topic = `fault-logs-${randomUUID().slice(0, 8)}`;
  collector = await startCollector({
    yaml: (dataDir) => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters:
  kafka:
    brokers: ["${kafka!.brokers[0]}"]
    logs: { topic: ${topic} }
    timeout: 2s
    retry: { initial_interval: 500ms, max_interval: 2s }
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines: { logs: { receivers: [otlp], exporters: [kafka] } }
`,
  });
  const c = collector;
  const load = startLoad(() => c.otlpUrl, { workers: 2, perRequest: 20, pauseMs: 50 });
  await new Promise((r) => setTimeout(r, 3000));
  await kafka.stop();
  const stoppedAt = Date.now();
  // the collector spills: it stays in its Service (/readyz 200) the whole outage
  const readyz: Record<string, number> = {};
  while (Date.now() - stoppedAt < OUTAGE_MS) {
    let st = 'down';
    try {
      st = String((await fetch(`${c.telemetryUrl}/readyz`, { signal: AbortSignal.timeout(5000) })).status);
    } catch {
      // counted as down
    }
    readyz[st] = (readyz[st] ?? 0) + 1;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(Object.keys(readyz), ['200'], `/readyz during the outage: ${JSON.stringify(readyz)}`);
  const doc = (await (await fetch(`${c.telemetryUrl}/status`)).json()) as { components: { id: string; kind: string; state: string; reason: string | null }[] };
  const exp = doc.components.find((x) => x.kind === 'exporter' && x.id === 'kafka');
  assert.equal(exp?.state, 'degraded', JSON.stringify(exp));
  const spilled = await c.service.metrics.value('atc_spill_enqueued_batches_total');
  assert.ok(spilled > 0, 'nothing was spilled during the outage');
  await kafka.start();
  console.log(`# broker was down ${((Date.now() - stoppedAt) / 1000).toFixed(0)} s; ${spilled} batches spilled`);
  await new Promise((r) => setTimeout(r, 3000));
  const stats = await load.stop();
  // wait for the spill queue to drain, then stop the collector (flushes what is in flight)
  for (let i = 0; i < 120 && (await c.service.metrics.value('atc_spill_queue_batches')) > 0; i++) await new Promise((r) => setTimeout(r, 500));
  assert.equal(await c.service.metrics.value('atc_spill_queue_batches'), 0, 'spill queue did not drain');
  await c.shutdown();
  // what the broker acknowledged, by the exporter's count (replays may add duplicates)
  const accepted = await c.service.metrics.value('atc_receiver_accepted_log_records_total');
  const brokerAcked = await c.service.metrics.value('atc_exporter_sent_log_records_total');
  console.log(`# kafka outage: accepted=${accepted} acknowledged by the broker=${brokerAcked}`);
  assert.ok(brokerAcked >= accepted, `the broker acknowledged ${brokerAcked} of ${accepted} accepted records`);
  const expected = stats.acked.size;
  // Reading stops as soon as every acknowledged record is found; the long limit only matters
  // on a starved CI machine where the consumer group is slow to fetch every partition.
  const messages = await consumeTopics(kafka.brokers, [topic], {
    timeoutMs: 180_000,
    until: (ms) => ms.reduce((n, m) => n + storedLogRecords([{ file: '', signal: 'logs', json: decodeRequest('logs', m.value) }]).length, 0) >= expected,
  });
  const bodies = messages.flatMap((m) => storedLogRecords([{ file: '', signal: 'logs', json: decodeRequest('logs', m.value) }]).map((l) => (l.record['body'] as { stringValue: string }).stringValue));
  const { lost } = reportDelivery('kafka outage', stats, bodies);
  assert.equal(lost, 0);
  assert.equal(Object.keys(stats.statuses).filter((s) => s !== '200').length, 0, `refusals during the outage: ${JSON.stringify(stats.statuses)}`);
});
