// OpenTelemetry JS SDK → collector (OTLP/HTTP) → s3 exporter → MinIO, read back with the S3
// API and the cat decoder. Credentials come through the AWS SDK's default chain (env).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { decodeObject } from '../../../src/cli/cat.js';
import type { JsonObject } from '../../../src/otlp/proto-decode.js';
import { signalFromKey } from '../../../src/storage/object-key.js';
import { readS3Objects } from '../../../src/storage/s3-reader.js';
import { startCollector, storedLogRecords, storedSpans, type StoredRequest, type TestCollector } from '../../harness/collector.js';
import { startMinio, type MinioServer } from '../../harness/minio.js';
import { runCli } from '../../harness/cli-process.js';

const BUCKET = 'atc-e2e';
let minio: MinioServer;
const collectors: TestCollector[] = [];

const yaml = (bucket: string) => (): string => `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
exporters:
  s3:
    bucket: ${bucket}
    endpoint: ${minio.endpoint}
    force_path_style: true
    prefix: e2e
    retry:
      initial_interval: 100ms
      max_interval: 500ms
service:
  telemetry:
    metrics:
      endpoint: 127.0.0.1:0
    logs:
      level: \${env:ATC_TEST_LOG_LEVEL:-silent}
  pipelines:
    traces: { receivers: [otlp], exporters: [s3] }
    logs: { receivers: [otlp], exporters: [s3] }
`;

before(async () => {
  minio = await startMinio();
  await minio.createBucket(BUCKET);
  // The exporter has no credential keys: the default provider chain finds these.
  process.env.AWS_ACCESS_KEY_ID = minio.accessKey;
  process.env.AWS_SECRET_ACCESS_KEY = minio.secretKey;
  process.env.AWS_REGION = minio.region;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});

after(async () => {
  for (const c of collectors) await c.shutdown().catch(() => {});
  await minio?.close();
});

describe('OpenTelemetry SDK → collector → S3', { timeout: 90_000 }, () => {
  test('every span and log record is in the bucket', async () => {
    const c = await startCollector({ yaml: yaml(BUCKET) });
    collectors.push(c);
    const ready = (await (await fetch(`${c.telemetryUrl}/readyz`)).json()) as { status: string };
    assert.equal(ready.status, 'ready');

    const resource = resourceFromAttributes({ 'service.name': 'e2e-s3' });
    const tp = new BasicTracerProvider({
      resource,
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${c.otlpUrl}/v1/traces` }), { maxExportBatchSize: 100, scheduledDelayMillis: 20 })],
    });
    const tracer = tp.getTracer('e2e');
    for (let i = 0; i < 500; i++) tracer.startSpan(`op ${i}`, { attributes: { i } }).end();
    await tp.forceFlush();
    await tp.shutdown();
    const lp = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor(new OTLPLogExporter({ url: `${c.otlpUrl}/v1/logs` }), { scheduledDelayMillis: 20 })] });
    const logger = lp.getLogger('e2e');
    for (let i = 0; i < 300; i++) logger.emit({ body: `line ${i}`, severityNumber: 9 });
    await lp.forceFlush();
    await lp.shutdown();

    // The exporter's own metrics show the uploads once the flush worker has handed batches on.
    const putMetric = /^atc_s3_objects_put_total\{[^}]*exporter="s3"[^}]*\} \d+/m;
    let metrics = '';
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      metrics = await (await fetch(`${c.telemetryUrl}/metrics`)).text();
      if (putMetric.test(metrics)) break;
    }
    assert.ok(putMetric.test(metrics), 'atc_s3_objects_put_total is exported');
    await c.shutdown(); // drains: every accepted batch is in S3 once this returns

    const stored: StoredRequest[] = [];
    for await (const o of readS3Objects(`s3://${BUCKET}/e2e/`, { endpoint: minio.endpoint })) {
      assert.match(o.key, /^e2e\/year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/minute=\d\d\/(traces|logs)_[0-9a-f-]{36}\.binpb\.zst$/);
      stored.push({ file: o.key, signal: signalFromKey(o.key)!, json: JSON.parse(decodeObject(o.key, o.body)) as JsonObject });
    }
    const spans = storedSpans(stored).map((s) => s.span['name']);
    assert.equal(spans.length, 500);
    assert.equal(new Set(spans).size, 500);
    assert.equal(storedLogRecords(stored).length, 300);

    // The CLI reads the same objects: `cat --endpoint … s3://bucket/prefix`, credentials from env.
    const out = runCli(['cat', '--endpoint', minio.endpoint, `s3://${BUCKET}/e2e/`]);
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trim().split('\n').map((l) => ({ file: '', signal: 'traces' as const, json: JSON.parse(l) as JsonObject }));
    assert.equal(lines.length, stored.length);
    assert.equal(storedSpans(lines.filter((l) => 'resourceSpans' in l.json)).length, 500);
    const missing = runCli(['cat', '--endpoint', minio.endpoint, 's3://atc-no-such-bucket/x']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /s3:\/\/atc-no-such-bucket\/x: /);
  });

  test('a missing bucket: /status shows the exporter degraded with the reason; /readyz stays 200 (a sink never takes the collector out of its Service)', async () => {
    const c = await startCollector({ yaml: yaml('atc-e2e-no-such-bucket') });
    collectors.push(c);
    const res = await fetch(`${c.telemetryUrl}/readyz`);
    const body = (await res.json()) as { components: Record<string, { ready: boolean; reason?: string }> };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.components['exporter/s3']?.ready, false);
    assert.match(body.components['exporter/s3']?.reason ?? '', /bucket "atc-e2e-no-such-bucket" does not exist/);
    const status = (await (await fetch(`${c.telemetryUrl}/status`)).json()) as { ready: boolean; components: { id: string; kind: string; state: string; reason: string | null }[] };
    assert.equal(status.ready, true);
    const s3 = status.components.find((x) => x.kind === 'exporter' && x.id === 's3');
    assert.equal(s3?.state, 'degraded');
    assert.match(s3?.reason ?? '', /does not exist/);
    assert.equal((await fetch(`${c.telemetryUrl}/healthz`)).status, 200);
    await c.shutdown();
  });
});
