// The whole scale-out path against real servers: agent collector (OTLP/HTTP in) → Kafka
// (trace-id partitioned) → gateway collector (Kafka receiver, fusion) → S3 (MinIO). Every
// span and log record sent to the agent is found in the bucket, the logs fused onto spans.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { decodeObject } from '../../../src/cli/cat.js';
import { decodeRequest, encodeRequest, type JsonObject } from '../../../src/otlp/index.js';
import { signalFromKey } from '../../../src/storage/object-key.js';
import { readS3Objects } from '../../../src/storage/s3-reader.js';
import { attrs, startCollector, storedLogRecords, storedSpans, type StoredRequest, type TestCollector } from '../../harness/collector.js';
import { startKafka, type KafkaServer } from '../../harness/kafka.js';
import { startMinio, type MinioServer } from '../../harness/minio.js';
import { consumeTopics } from '../../harness/kafka-readers.js';

let kafka: KafkaServer | undefined;
let minio: MinioServer | undefined;
const collectors: TestCollector[] = [];

before(async () => {
  [kafka, minio] = await Promise.all([startKafka({ partitions: 4 }), startMinio()]);
  await minio.createBucket('lake');
  process.env.AWS_ACCESS_KEY_ID = minio.accessKey;
  process.env.AWS_SECRET_ACCESS_KEY = minio.secretKey;
  process.env.AWS_REGION = minio.region;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}, { timeout: 240_000 });

after(async () => {
  for (const c of collectors) await c.shutdown().catch(() => {});
  await kafka?.close();
  await minio?.close();
});

test('agent → Kafka → gateway (fusion) → S3: every item arrives, logs joined to their spans', { timeout: 180_000 }, async () => {
  const suffix = randomUUID().slice(0, 8);
  const agent = await startCollector({
    yaml: (dataDir) => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters:
  kafka:
    brokers: ["${kafka!.brokers[0]}"]
    traces: { topic: spans-${suffix} }
    logs: { topic: logs-${suffix} }
    partition_traces_by_id: true
    partition_logs_by_trace_id: true
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines:
    traces: { receivers: [otlp], exporters: [kafka] }
    logs: { receivers: [otlp], exporters: [kafka] }
`,
  });
  collectors.push(agent);
  const gateway = await startCollector({
    yaml: (dataDir) => `
receivers:
  kafka:
    brokers: ["${kafka!.brokers[0]}"]
    group_id: gw-${suffix}
    initial_offset: earliest
    traces: { topic: spans-${suffix} }
    logs: { topic: logs-${suffix} }
connectors:
  fusion:
    decision_wait: 3s
    root_wait: 2s
exporters:
  s3:
    bucket: lake
    endpoint: ${minio!.endpoint}
    force_path_style: true
    prefix: gw
  # fused documents, as log records, through the ordinary exporters
  s3/fused:
    bucket: lake
    endpoint: ${minio!.endpoint}
    force_path_style: true
    prefix: fused
    marshaler: otlp_json
  kafka/fused:
    brokers: ["${kafka!.brokers[0]}"]
    logs: { topic: fused-${suffix} }
    partition_logs_by_trace_id: true
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines:
    traces/in: { receivers: [kafka], exporters: [fusion] }
    traces: { receivers: [fusion], exporters: [s3] }
    logs: { receivers: [kafka], exporters: [fusion, s3] }
    logs/fused: { receivers: [fusion], exporters: [s3/fused, kafka/fused] }
`,
  });
  collectors.push(gateway);

  const T = (i: number): string => (0xabc0000 + i).toString(16).padStart(32, '0');
  const S = (i: number): string => (i + 1).toString(16).padStart(16, '0');
  const now = BigInt(Date.now()) * 1_000_000n;
  const N = 200;
  for (let b = 0; b < N / 50; b++) {
    const ids = Array.from({ length: 50 }, (_, k) => b * 50 + k);
    const logs = encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: ids.map((i) => ({ timeUnixNano: String(now), body: { stringValue: `log ${i}` }, traceId: T(i), spanId: S(i) })) }] }] });
    const spans = encodeRequest('traces', { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'llm' } }] }, scopeSpans: [{ spans: ids.map((i) => ({ traceId: T(i), spanId: S(i), name: `req ${i}`, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) })) }] }] });
    for (const [path, body] of [['/v1/logs', logs], ['/v1/traces', spans]] as const) {
      const r = await fetch(`${agent.otlpUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
      assert.equal(r.status, 200);
    }
  }
  await agent.shutdown();
  // the gateway has consumed and fused everything once its fusion has emitted N traces
  for (let i = 0; i < 120 && (await gateway.service.metrics.value('atc_fusion_traces_emitted_total')) < N; i++) await new Promise((r) => setTimeout(r, 500));
  await gateway.shutdown();

  // one fused document per trace, as a log record keyed by its trace id on the topic, and in
  // the S3 exporter's objects under s3://lake/fused/
  type Doc = { trace_id: string; logs: unknown[] };
  const docsOf = (req: JsonObject): Doc[] =>
    storedLogRecords([{ file: '', signal: 'logs', json: req }])
      .filter((l) => l.record['eventName'] === 'fusion.document')
      .map((l) => JSON.parse((l.record['body'] as { stringValue: string }).stringValue) as Doc);
  const fusedMsgs = await consumeTopics(kafka!.brokers, [`fused-${suffix}`], { timeoutMs: 30_000, until: (m) => m.flatMap((x) => docsOf(decodeRequest('logs', x.value))).length >= N });
  const kafkaDocs = fusedMsgs.flatMap((m) => {
    const docs = docsOf(decodeRequest('logs', m.value));
    for (const d of docs) assert.equal(m.key?.toString(), d.trace_id); // keyed by trace id
    return docs;
  });
  assert.equal(new Set(kafkaDocs.map((d) => d.trace_id)).size, N);
  const fusedDocs: Doc[] = [];
  for await (const o of readS3Objects('s3://lake/fused/', { endpoint: minio!.endpoint })) {
    fusedDocs.push(...docsOf(JSON.parse(decodeObject(o.key, o.body)) as JsonObject));
  }
  assert.equal(new Set(fusedDocs.map((d) => d.trace_id)).size, N);
  assert.ok(fusedDocs.every((d) => d.logs.length === 1));

  const stored: StoredRequest[] = [];
  for await (const o of readS3Objects('s3://lake/gw/', { endpoint: minio!.endpoint })) {
    stored.push({ file: o.key, signal: signalFromKey(o.key)!, json: JSON.parse(decodeObject(o.key, o.body)) as JsonObject });
  }
  const spans = storedSpans(stored);
  assert.equal(spans.length, N);
  assert.equal(new Set(spans.map((s) => s.span['name'])).size, N);
  assert.equal(storedLogRecords(stored).length, N);
  const joined = spans.filter((s) => {
    const ev = (s.span['events'] ?? []) as { attributes: unknown }[];
    return ev.length === 1 && attrs(ev[0]!.attributes)['log.body'] === `log ${Number(String(s.span['name']).split(' ')[1])}`;
  });
  console.log(`# agent → kafka → gateway → s3: sent=${N} spans + ${N} logs, stored=${spans.length} spans + ${storedLogRecords(stored).length} logs, fused=${joined.length}`);
  assert.equal(joined.length, N);
});
