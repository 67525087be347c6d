// Real OpenTelemetry JS SDK request bodies (protobuf or OTLP/JSON, every signal), captured by
// a loopback HTTP server that answers like a collector: seeds for the fuzz tests.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Signal } from '../../src/component.js';

export interface SdkBody {
  signal: Signal;
  wire: 'proto' | 'json';
  body: Buffer;
}

export async function captureSdkBodies(wire: 'proto' | 'json'): Promise<SdkBody[]> {
  const out: SdkBody[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const signal: Signal = req.url!.endsWith('traces') ? 'traces' : req.url!.endsWith('logs') ? 'logs' : 'metrics';
      out.push({ signal, wire, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': wire === 'proto' ? 'application/x-protobuf' : 'application/json' }).end(wire === 'proto' ? '' : '{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resource = resourceFromAttributes({ 'service.name': 'fuzz-seed', 'k8s.pod.name': 'llm-0 ✓ é', 'host.gpus': 8 });
  try {
    const te = wire === 'proto' ? new ProtoTraceExporter({ url: `${url}/v1/traces` }) : new JsonTraceExporter({ url: `${url}/v1/traces` });
    const tp = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(te, { maxExportBatchSize: 8, scheduledDelayMillis: 10 })] });
    const tracer = tp.getTracer('fuzz', '1.0.0');
    for (let i = 0; i < 24; i++) {
      const root = tracer.startSpan(`request ${i} ✓`, { attributes: { 'gen_ai.request.model': 'llama-3-8b', i, ratio: i / 7, ok: i % 2 === 0, tags: ['a', 'b é'] } });
      root.addEvent('token', { n: i });
      if (i % 5 === 0) root.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
      root.end();
    }
    await tp.forceFlush();
    await tp.shutdown();
    const le = wire === 'proto' ? new ProtoLogExporter({ url: `${url}/v1/logs` }) : new JsonLogExporter({ url: `${url}/v1/logs` });
    const lp = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor(le, { maxExportBatchSize: 8, scheduledDelayMillis: 10 })] });
    const logger = lp.getLogger('fuzz-logs');
    for (let i = 0; i < 16; i++) logger.emit({ body: i % 4 === 0 ? { nested: { list: [1, 'two', { three: true }] } } : `log ${i} ✓`, severityNumber: 9, severityText: 'INFO', attributes: { i } });
    await lp.forceFlush();
    await lp.shutdown();
    const me = wire === 'proto' ? new ProtoMetricExporter({ url: `${url}/v1/metrics` }) : new JsonMetricExporter({ url: `${url}/v1/metrics` });
    const mp = new MeterProvider({ resource, readers: [new PeriodicExportingMetricReader({ exporter: me, exportIntervalMillis: 60_000 })] });
    const meter = mp.getMeter('fuzz-metrics');
    const counter = meter.createCounter('requests_total');
    const hist = meter.createHistogram('latency_ms');
    const gauge = meter.createGauge('gpu_util');
    for (let g = 0; g < 4; g++) {
      counter.add(g + 1, { gpu: String(g) });
      hist.record(10 * (g + 1), { gpu: String(g) });
      gauge.record(g * 0.25, { gpu: String(g) });
    }
    await mp.forceFlush();
    await mp.shutdown();
  } finally {
    server.close();
  }
  return out;
}
