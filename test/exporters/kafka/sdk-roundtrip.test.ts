// End to end: the OpenTelemetry JS SDK sends traces, logs and metrics over OTLP/HTTP to a
// running collector whose pipelines end in the Kafka exporter; a kafkajs consumer reads the
// topics back and finds every span, log record and metric point, keyed by trace id.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { context, trace } from '@opentelemetry/api';
import type { JsonObject } from '../../../src/otlp/index.js';
import { decodeRequest } from '../../../src/otlp/index.js';
import { startCollector, type TestCollector } from '../../harness/collector.js';
import { startKafka, type KafkaServer } from '../../harness/kafka.js';
import { consumeTopics, type ReadMessage } from '../../harness/kafka-readers.js';

let kafka: KafkaServer | undefined;
let collector: TestCollector | undefined;
const suffix = randomUUID().slice(0, 8);
const topics = { traces: `sdk-spans-${suffix}`, logs: `sdk-logs-${suffix}`, metrics: `sdk-metrics-${suffix}` };

before(async () => {
  kafka = await startKafka({ partitions: 3 });
  const brokers = kafka.brokers;
  collector = await startCollector({
    yaml: (dataDir) => `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
exporters:
  kafka:
    brokers: [${brokers.map((b) => `"${b}"`).join(', ')}]
    traces: { topic: ${topics.traces} }
    logs: { topic: ${topics.logs} }
    metrics: { topic: ${topics.metrics} }
    partition_traces_by_id: true
    retry: { initial_interval: 200ms, max_interval: 1s }
spill:
  directory: ${dataDir}.spill
service:
  telemetry:
    metrics:
      endpoint: 127.0.0.1:0
    logs:
      level: \${env:ATC_TEST_LOG_LEVEL:-silent}
  pipelines:
    traces: { receivers: [otlp], exporters: [kafka] }
    logs: { receivers: [otlp], exporters: [kafka] }
    metrics: { receivers: [otlp], exporters: [kafka] }
`,
  });
}, { timeout: 240_000 });

after(async () => {
  await collector?.shutdown().catch(() => {});
  await kafka?.close();
}, { timeout: 60_000 });

type Item = { resource: JsonObject; item: JsonObject };

function items(msgs: readonly ReadMessage[], signal: 'traces' | 'logs' | 'metrics'): Item[] {
  const [rKey, sKey, iKey] = {
    traces: ['resourceSpans', 'scopeSpans', 'spans'],
    logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
    metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
  }[signal];
  const out: Item[] = [];
  for (const m of msgs) {
    const req = decodeRequest(signal, m.value);
    for (const rs of (req[rKey!] ?? []) as JsonObject[]) {
      for (const ss of (rs[sKey!] ?? []) as JsonObject[]) {
        for (const item of (ss[iKey!] ?? []) as JsonObject[]) out.push({ resource: rs.resource as JsonObject, item });
      }
    }
  }
  return out;
}

test('OpenTelemetry JS SDK → collector (OTLP/HTTP) → Kafka → kafkajs: every span, record and point', { timeout: 180_000 }, async () => {
  assert.ok(kafka && collector);
  const url = collector.otlpUrl;
  const resource = resourceFromAttributes({ 'service.name': 'inference-svc', 'k8s.pod.name': 'pod-0' });

  // 100 traces of 3 spans each: a root with two children.
  const tp = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }), { maxExportBatchSize: 64, scheduledDelayMillis: 20 })] });
  const tracer = tp.getTracer('sdk-kafka', '1.0.0');
  const traceIds = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const root = tracer.startSpan(`request ${i}`);
    traceIds.add(root.spanContext().traceId);
    const ctx = trace.setSpan(context.active(), root);
    tracer.startSpan(`prefill ${i}`, {}, ctx).end();
    tracer.startSpan(`decode ${i}`, {}, ctx).end();
    root.end();
  }
  await tp.forceFlush();
  await tp.shutdown();

  const lp = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor(new OTLPLogExporter({ url: `${url}/v1/logs` }), { scheduledDelayMillis: 20 })] });
  const logger = lp.getLogger('sdk-kafka-logs');
  for (let i = 0; i < 200; i++) logger.emit({ body: `log ${i}`, severityNumber: 9, severityText: 'INFO' });
  await lp.forceFlush();
  await lp.shutdown();

  const mp = new MeterProvider({ resource, readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${url}/v1/metrics` }), exportIntervalMillis: 60_000 })] });
  const meter = mp.getMeter('sdk-kafka-metrics');
  const counter = meter.createCounter('requests_total');
  for (let g = 0; g < 5; g++) counter.add(g + 1, { gpu: String(g) });
  await mp.forceFlush();
  await mp.shutdown();

  // Shutdown drains the ring and waits for the exporter's acknowledgements.
  await collector.shutdown();

  const countSpans = (m: readonly ReadMessage[]): number => items(m.filter((x) => x.topic === topics.traces), 'traces').length;
  const countLogs = (m: readonly ReadMessage[]): number => items(m.filter((x) => x.topic === topics.logs), 'logs').length;
  const read = await consumeTopics(kafka.brokers, Object.values(topics), {
    until: (m) => countSpans(m) >= 300 && countLogs(m) >= 200 && m.some((x) => x.topic === topics.metrics),
    timeoutMs: 60_000,
  });

  const spanMsgs = read.filter((m) => m.topic === topics.traces);
  const spans = items(spanMsgs, 'traces');
  assert.equal(spans.length, 300);
  const names = new Set(spans.map((s) => s.item.name));
  for (let i = 0; i < 100; i++) for (const n of [`request ${i}`, `prefill ${i}`, `decode ${i}`]) assert.ok(names.has(n), `span ${n} missing`);
  const partitionOf = new Map<string, number>();
  for (const m of spanMsgs) {
    const key = m.key?.toString('latin1') ?? '';
    assert.ok(traceIds.has(key), `key ${key} is not a trace id`);
    for (const s of items([m], 'traces')) assert.equal(s.item.traceId, key);
    assert.equal(partitionOf.get(key) ?? m.partition, m.partition, `trace ${key} in two partitions`);
    partitionOf.set(key, m.partition);
  }
  assert.equal(partitionOf.size, 100);

  const logs = items(read.filter((m) => m.topic === topics.logs), 'logs');
  assert.equal(logs.length, 200);
  const bodies = new Set(logs.map((l) => (l.item.body as { stringValue: string }).stringValue));
  for (let i = 0; i < 200; i++) assert.ok(bodies.has(`log ${i}`));

  const metrics = items(read.filter((m) => m.topic === topics.metrics), 'metrics');
  const reqs = metrics.find((m) => m.item.name === 'requests_total');
  assert.ok(reqs, 'counter missing');
  const points = (reqs.item.sum as { dataPoints: JsonObject[] }).dataPoints;
  assert.deepEqual(points.map((p) => Number(p.asDouble ?? p.asInt)).sort((a, b) => a - b), [1, 2, 3, 4, 5]);
  const svc = (spans[0]!.resource.attributes as JsonObject[]).find((a) => a.key === 'service.name');
  assert.deepEqual(svc?.value, { stringValue: 'inference-svc' });

  assert.equal(await collector.service.metrics.value('atc_exporter_sent_spans_total'), 300);
  assert.equal(await collector.service.metrics.value('atc_exporter_sent_log_records_total'), 200);
});
