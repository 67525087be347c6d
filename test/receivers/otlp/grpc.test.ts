/* eslint-disable @typescript-eslint/no-explicit-any -- the test walks decoded OTLP/JSON of known shape */
// OTLP/gRPC: the OpenTelemetry JS SDK's gRPC exporters (plain and gzip) against the receiver,
// through the real pipeline to the file exporter; status codes per the OTLP spec for bad
// input, oversize messages, unknown methods and a full ring (RESOURCE_EXHAUSTED + RetryInfo).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { credentials, makeGenericClientConstructor, status as Status, type ServiceError } from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { pino } from 'pino';
import { attrs, readStored, startCollector, storedLogRecords, storedMetrics, storedSpans, type TestCollector } from '../../harness/collector.js';
import type { OtlpReceiver } from '../../../receivers/otlp/otlp-receiver.js';
import { DEFAULT_GRPC } from '../../../receivers/otlp/config.js';
import { exportRaw, rawClient, type RawClient } from './grpc-helpers.js';
import { decodeMessage, decodeRequest, encodeRequest } from '../../../src/otlp/index.js';
import { DEFAULT_BUFFER } from '../../../src/config/collector-config.js';
import { RingConsumer } from '../../../src/pipeline/ring-consumer.js';
import { Ring } from '../../../src/ring/ring.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { PromMetrics } from '../../../src/telemetry/registry.js';
import { OtlpReceiver as Receiver } from '../../../receivers/otlp/otlp-receiver.js';

const GRPC_YAML = (extra = '') => (dataDir: string): string => `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
        max_recv_msg_size: 256KiB
${extra}
exporters:
  file: { directory: ${dataDir}, fsync: false }
spill: { directory: ${dataDir}.spill }
service:
  telemetry:
    metrics: { endpoint: 127.0.0.1:0 }
    logs:
      level: \${env:ATC_TEST_LOG_LEVEL:-silent}
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
    logs: { receivers: [otlp], exporters: [file] }
    metrics: { receivers: [otlp], exporters: [file] }
`;

const identity = (b: Buffer): Buffer => b;

function grpcPort(c: TestCollector): number {
  return (c.service.receivers.get('otlp') as OtlpReceiver).grpcAddress()!.port;
}

describe('OTLP/gRPC with the OpenTelemetry JS SDK gRPC exporters', { timeout: 60_000 }, () => {
  for (const compression of ['none', 'gzip'] as const) {
    test(`traces, logs and metrics arrive intact (compression ${compression})`, async () => {
      const c = await startCollector({ yaml: GRPC_YAML() });
      try {
        const url = `http://127.0.0.1:${grpcPort(c)}`;
        const resource = resourceFromAttributes({ 'service.name': `grpc-${compression}`, 'k8s.pod.name': 'pod ✓' });
        const te = new OTLPTraceExporter({ url, compression: compression as never });
        const tp = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(te, { maxExportBatchSize: 100, scheduledDelayMillis: 20 })] });
        const tracer = tp.getTracer('grpc-test', '1.0.0');
        for (let i = 0; i < 500; i++) tracer.startSpan(`span ${i}`, { attributes: { i, 'gen_ai.request.model': 'llama' } }).end();
        await tp.forceFlush();
        await tp.shutdown();

        const le = new OTLPLogExporter({ url, compression: compression as never });
        const lp = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor(le, { scheduledDelayMillis: 20 })] });
        const logger = lp.getLogger('grpc-logs');
        for (let i = 0; i < 300; i++) logger.emit({ body: `log ${i}`, severityNumber: 9, attributes: { i } });
        await lp.forceFlush();
        await lp.shutdown();

        const me = new OTLPMetricExporter({ url, compression: compression as never });
        const mp = new MeterProvider({ resource, readers: [new PeriodicExportingMetricReader({ exporter: me, exportIntervalMillis: 60_000 })] });
        const counter = mp.getMeter('grpc-metrics').createCounter('requests_total');
        for (let g = 0; g < 4; g++) counter.add(g + 1, { gpu: String(g) });
        await mp.forceFlush();
        await mp.shutdown();

        assert.equal(await c.service.metrics.value('atc_receiver_accepted_spans_total', { transport: 'grpc' }), 500);
        await c.shutdown();
        const stored = readStored(c.dataDir);
        const spans = storedSpans(stored);
        assert.equal(spans.length, 500);
        assert.equal(new Set(spans.map((s) => s.span['name'])).size, 500);
        assert.equal(attrs(spans[0]!.resource['attributes'])['k8s.pod.name'], 'pod ✓');
        const logs = storedLogRecords(stored);
        assert.equal(logs.length, 300);
        assert.equal(new Set(logs.map((l) => JSON.stringify(l.record['body']))).size, 300);
        const m = storedMetrics(stored).find((x) => x['name'] === 'requests_total');
        assert.ok(m, 'counter missing');
        assert.equal((m['sum'] as { dataPoints: unknown[] }).dataPoints.length, 4);
      } finally {
        await c.shutdown();
      }
    });
  }
});

describe('OTLP/gRPC status codes', { timeout: 30_000 }, () => {
  let c: TestCollector;
  before(async () => {
    c = await startCollector({ yaml: GRPC_YAML() });
  });
  after(async () => {
    await c?.shutdown();
  });

  test('bytes in, bytes out: the stored request decodes to what was sent', async () => {
    const sent = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw' } }] }, scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'raw-span', unknownFieldsStay: undefined }] }] }] };
    const body = Buffer.from(encodeRequest('traces', sent));
    const cl = rawClient('traces', grpcPort(c));
    const { err, res } = await exportRaw(cl, body);
    cl.close();
    assert.equal(err, null);
    assert.equal(res!.length, 0, 'empty ExportTraceServiceResponse');
    await c.shutdown();
    const spans = storedSpans(readStored(c.dataDir));
    assert.deepEqual(spans.map((s) => s.span['name']), ['raw-span']);
    assert.deepEqual(decodeRequest('traces', body), { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw' } }] }, scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'raw-span' }] }] }] });
    c = await startCollector({ yaml: GRPC_YAML() });
  });

  test('malformed protobuf → INVALID_ARGUMENT; nothing stored', async () => {
    const cl = rawClient('logs', grpcPort(c));
    const { err } = await exportRaw(cl, Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x02]));
    cl.close();
    assert.equal(err?.code, Status.INVALID_ARGUMENT);
    assert.match(err!.details, /malformed protobuf/);
    assert.equal(await c.service.metrics.value('atc_receiver_refused_log_records_total', { reason: 'bad_request' }), 0);
    assert.equal(await c.service.metrics.value('atc_receiver_requests_total', { transport: 'grpc', status: 'INVALID_ARGUMENT' }), 1);
  });

  test('a message over max_recv_msg_size → RESOURCE_EXHAUSTED (after gzip too)', async () => {
    const big = Buffer.from(encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x'.repeat(300 * 1024) } }] }] }] }));
    const plain = rawClient('logs', grpcPort(c));
    const a = await exportRaw(plain, big);
    plain.close();
    assert.equal(a.err?.code, Status.RESOURCE_EXHAUSTED);
    // compresses to a few hundred bytes; the decompressed size is what counts
    const gz = rawClient('logs', grpcPort(c), { 'grpc.default_compression_algorithm': 2 });
    const b = await exportRaw(gz, big);
    gz.close();
    assert.equal(b.err?.code, Status.RESOURCE_EXHAUSTED);
  });

  test('an empty request is OK and stores nothing; an unknown method is UNIMPLEMENTED', async () => {
    const cl = rawClient('metrics', grpcPort(c));
    const { err } = await exportRaw(cl, Buffer.alloc(0));
    cl.close();
    assert.equal(err, null);
    const Ctor = makeGenericClientConstructor({ Export: { path: '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } }, 'P');
    const p = new Ctor(`127.0.0.1:${grpcPort(c)}`, credentials.createInsecure()) as unknown as RawClient;
    const r = await exportRaw(p, Buffer.alloc(0));
    p.close();
    assert.equal(r.err?.code, Status.UNIMPLEMENTED);
  });
});

describe('OTLP/gRPC when the ring is full', { timeout: 30_000 }, () => {
  const spans = Buffer.from(encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 10 }, (_, i) => ({ name: `span-${i}-${'x'.repeat(50)}` })) }] }] }));

  async function withReceiver(whenFull: 'block' | 'drop_newest', fn: (port: number, ring: Ring, metrics: PromMetrics) => Promise<void>): Promise<void> {
    const ring = Ring.create(8192);
    const metrics = new PromMetrics({ processMetrics: false });
    const consumer = new RingConsumer(ring, 0, new Set(['traces'] as const), { ...DEFAULT_BUFFER, whenFull, blockTimeoutMs: 50 }, metrics);
    const r = new Receiver({ http: undefined, grpc: { ...DEFAULT_GRPC, endpoint: '127.0.0.1:0' } }, consumer, { id: 'otlp', logger: pino({ level: 'silent' }), metrics, health: new HealthRegistry().scope('receiver') });
    await r.start();
    try {
      await fn(r.grpcAddress()!.port, ring, metrics);
    } finally {
      await r.shutdown();
    }
  }

  test('block: RESOURCE_EXHAUSTED with a google.rpc.RetryInfo detail, then OK after draining', async () => {
    await withReceiver('block', async (port, ring, metrics) => {
      const cl = rawClient('traces', port);
      let accepted = 0;
      let last: ServiceError | null = null;
      for (let i = 0; i < 100; i++) {
        const { err } = await exportRaw(cl, spans);
        if (err) {
          last = err;
          break;
        }
        accepted++;
      }
      assert.ok(accepted > 0 && accepted < 100, `accepted ${accepted}`);
      assert.equal(last?.code, Status.RESOURCE_EXHAUSTED);
      const details = last!.metadata.get('grpc-status-details-bin')[0] as Buffer;
      assert.ok(Buffer.isBuffer(details), 'grpc-status-details-bin present');
      const st = decodeMessage('Status_rpc', details);
      assert.equal(st['code'], Status.RESOURCE_EXHAUSTED);
      const d = (st['details'] as { typeUrl: string; value: string }[])[0]!;
      assert.equal(d.typeUrl, 'type.googleapis.com/google.rpc.RetryInfo');
      // RetryInfo{retry_delay: Duration{seconds: 1}} = 0a 02 08 01
      assert.deepEqual([...Buffer.from(d.value, 'base64')], [0x0a, 0x02, 0x08, 0x01]);
      assert.equal(await metrics.value('atc_receiver_refused_spans_total', { reason: 'overload', transport: 'grpc' }), 10);
      ring.drain(() => {});
      assert.equal((await exportRaw(cl, spans)).err, null);
      cl.close();
    });
  });

  test('a request larger than the ring can ever hold: RESOURCE_EXHAUSTED without RetryInfo (not retryable), counted as too_large', async () => {
    await withReceiver('block', async (port, _ring, metrics) => {
      const cl = rawClient('traces', port);
      const big = Buffer.from(encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x'.repeat(6000) }, { name: 'y' }] }] }] }));
      const { err } = await exportRaw(cl, big);
      cl.close();
      assert.equal(err?.code, Status.RESOURCE_EXHAUSTED);
      assert.equal(err!.metadata.get('grpc-status-details-bin').length, 0, 'no RetryInfo: OTLP clients must not retry it');
      assert.match(err!.details, /larger than the ring buffer/);
      assert.equal(await metrics.value('atc_receiver_refused_spans_total', { reason: 'too_large', transport: 'grpc' }), 2);
    });
  });

  test('drop_newest: OK with partial_success counting the dropped spans', async () => {
    await withReceiver('drop_newest', async (port, ring) => {
      while (ring.write(1, 0, 1, new Uint8Array(0)) === 'ok');
      const cl = rawClient('traces', port);
      const { err, res } = await exportRaw(cl, spans);
      cl.close();
      assert.equal(err, null);
      const body = decodeMessage('ExportTraceServiceResponse', res!);
      assert.equal(String((body['partialSuccess'] as Record<string, unknown>)['rejectedSpans']), '10');
    });
  });
});
