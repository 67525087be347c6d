// The OpenTelemetry JS SDK's own OTLP exporters (protobuf and JSON) send traces, logs and
// metrics to a running collector; every span, record and point is found again in the files.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanStatusCode } from '@opentelemetry/api';
import { attrs, readStored, startCollector, storedLogRecords, storedMetrics, storedSpans, type TestCollector } from '../harness/collector.js';

const UNICODE = '推論リクエスト ✓ café — 🚀';

for (const wire of ['proto', 'json'] as const) {
  describe(`OpenTelemetry JS SDK over OTLP/HTTP ${wire}`, { timeout: 60_000 }, () => {
    let c: TestCollector;
    const sentSpans: ReadableSpan[] = [];
    before(async () => {
      c = await startCollector();
    });
    after(async () => {
      await c?.shutdown();
    });

    test('traces, logs and metrics arrive intact in the files', async () => {
      const resource = resourceFromAttributes({ 'service.name': `svc-${wire}`, 'k8s.pod.name': UNICODE });
      // traces
      const traceExporter = wire === 'proto' ? new ProtoTraceExporter({ url: `${c.otlpUrl}/v1/traces` }) : new JsonTraceExporter({ url: `${c.otlpUrl}/v1/traces` });
      const recording = {
        export: (spans: ReadableSpan[], cb: Parameters<typeof traceExporter.export>[1]) => {
          sentSpans.push(...spans);
          traceExporter.export(spans, cb);
        },
        shutdown: () => traceExporter.shutdown(),
        forceFlush: () => traceExporter.forceFlush(),
      };
      const tp = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(recording, { maxExportBatchSize: 64, scheduledDelayMillis: 20 })] });
      const tracer = tp.getTracer('roundtrip', '1.2.3');
      for (let i = 0; i < 300; i++) {
        const root = tracer.startSpan(`request ${i} ${UNICODE}`, { attributes: { 'gen_ai.request.model': 'llama-3-8b', 'i': i, 'ratio': i / 7, 'ok': i % 2 === 0, 'tags': ['a', UNICODE] } });
        root.addEvent('token', { n: i });
        if (i % 10 === 0) root.setStatus({ code: SpanStatusCode.ERROR, message: `failed ${UNICODE}` });
        root.end();
      }
      await tp.forceFlush();
      await tp.shutdown();

      // logs
      const logExporter = wire === 'proto' ? new ProtoLogExporter({ url: `${c.otlpUrl}/v1/logs` }) : new JsonLogExporter({ url: `${c.otlpUrl}/v1/logs` });
      const lp = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor(logExporter, { scheduledDelayMillis: 20 })] });
      const logger = lp.getLogger('roundtrip-logs');
      for (let i = 0; i < 200; i++) logger.emit({ body: `log ${i} ${UNICODE}`, severityNumber: 9, severityText: 'INFO', attributes: { i } });
      await lp.forceFlush();
      await lp.shutdown();

      // metrics
      const metricExporter = wire === 'proto' ? new ProtoMetricExporter({ url: `${c.otlpUrl}/v1/metrics` }) : new JsonMetricExporter({ url: `${c.otlpUrl}/v1/metrics` });
      const mp = new MeterProvider({ resource, readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 })] });
      const meter = mp.getMeter('roundtrip-metrics');
      const counter = meter.createCounter('requests_total');
      const hist = meter.createHistogram('latency_ms');
      for (let g = 0; g < 5; g++) {
        counter.add(g + 1, { gpu: String(g) });
        hist.record(10 * (g + 1), { gpu: String(g) });
      }
      await mp.forceFlush();
      await mp.shutdown();

      await c.shutdown();
      const stored = readStored(c.dataDir);

      const spans = storedSpans(stored);
      assert.equal(spans.length, 300);
      assert.equal(sentSpans.length, 300);
      const byId = new Map(spans.map((s) => [`${s.span['traceId']}/${s.span['spanId']}`, s]));
      for (const sent of sentSpans) {
        const ctx = sent.spanContext();
        const got = byId.get(`${ctx.traceId}/${ctx.spanId}`);
        assert.ok(got, `span ${sent.name} missing`);
        assert.equal(got.span['name'], sent.name);
        assert.equal(attrs(got.resource['attributes'])['k8s.pod.name'], UNICODE);
        assert.equal(got.scope['name'], 'roundtrip');
        assert.equal(got.scope['version'], '1.2.3');
        const a = attrs(got.span['attributes']);
        const i = sent.attributes['i'] as number;
        assert.equal(a['gen_ai.request.model'], 'llama-3-8b');
        assert.equal(a['i'], String(i));
        assert.equal(Number(a['ratio']), i / 7);
        assert.equal(a['ok'], i % 2 === 0);
        assert.deepEqual(a['tags'], { values: [{ stringValue: 'a' }, { stringValue: UNICODE }] });
        assert.equal(got.span['startTimeUnixNano'], String(BigInt(sent.startTime[0]) * 1_000_000_000n + BigInt(sent.startTime[1])));
        if (i % 10 === 0) assert.deepEqual(got.span['status'], { message: `failed ${UNICODE}`, code: 2 });
      }

      const logs = storedLogRecords(stored);
      assert.equal(logs.length, 200);
      const bodies = new Set(logs.map((l) => (l.record['body'] as { stringValue: string }).stringValue));
      for (let i = 0; i < 200; i++) assert.ok(bodies.has(`log ${i} ${UNICODE}`), `log ${i} missing`);

      const metrics = storedMetrics(stored);
      const reqs = metrics.find((m) => m['name'] === 'requests_total');
      assert.ok(reqs, 'counter missing');
      const points = ((reqs['sum'] as { dataPoints: Record<string, unknown>[] }).dataPoints);
      assert.equal(points.length, 5);
      const values = points.map((p) => Number((p['asDouble'] ?? p['asInt']) as number | string)).sort((x, y) => x - y);
      assert.deepEqual(values, [1, 2, 3, 4, 5]);
      const lat = metrics.find((m) => m['name'] === 'latency_ms');
      assert.ok(lat && lat['histogram'], 'histogram missing');

      // the collector's own counters agree with what was stored
      assert.equal(await c.service.metrics.value('atc_receiver_accepted_spans_total'), 300);
      assert.equal(await c.service.metrics.value('atc_exporter_sent_spans_total'), 300);
      assert.equal(await c.service.metrics.value('atc_exporter_sent_log_records_total'), 200);
    });
  });
}
