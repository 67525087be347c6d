// S3 behind a fault-injecting proxy (503 SlowDown, connection resets, responses slower than
// the exporter's timeout) under steady load: retried, spilled, replayed — zero loss.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decodeObject } from '../../src/cli/cat.js';
import type { JsonObject } from '../../src/otlp/proto-decode.js';
import { signalFromKey } from '../../src/storage/object-key.js';
import { readS3Objects } from '../../src/storage/s3-reader.js';
import { startCollector, storedLogRecords, type StoredRequest, type TestCollector } from '../harness/collector.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { reportDelivery, startLoad } from '../harness/load.js';
import { startMinio, type MinioServer } from '../harness/minio.js';

let minio: MinioServer | undefined;
let proxy: FaultProxy | undefined;
let collector: TestCollector | undefined;
after(async () => {
  await collector?.shutdown().catch(() => {});
  await proxy?.close();
  await minio?.close();
});

test('S3 throttling, resets and slow responses: zero acknowledged records lost', { timeout: 180_000 }, async () => {
  minio = await startMinio();
  await minio.createBucket('faults');
  process.env.AWS_ACCESS_KEY_ID = minio.accessKey;
  process.env.AWS_SECRET_ACCESS_KEY = minio.secretKey;
  process.env.AWS_REGION = minio.region;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  proxy = await startFaultProxy(minio.endpoint, { slowDown: 0, reset: 0, slow: 0, slowMs: 0 });
  collector = await startCollector({
    yaml: (dataDir) => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters:
  s3:
    bucket: faults
    endpoint: ${proxy!.url}
    force_path_style: true
    prefix: run
    timeout: 1s
    retry: { initial_interval: 100ms, max_interval: 500ms }
buffer: { flush_interval: 100ms }
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines: { logs: { receivers: [otlp], exporters: [s3] } }
`,
  });
  const c = collector;
  const load = startLoad(() => c.otlpUrl, { workers: 3, perRequest: 20, pauseMs: 20 });
  await new Promise((r) => setTimeout(r, 1000));
  // 3 of 10 requests throttled, 2 reset, 2 slower than the 1 s timeout
  proxy.setPlan({ slowDown: 3, reset: 2, slow: 2, slowMs: 1500 });
  await new Promise((r) => setTimeout(r, 8000));
  proxy.setPlan({ slowDown: 0, reset: 0, slow: 0, slowMs: 0 });
  const stats = await load.stop();
  for (let i = 0; i < 120 && (await c.service.metrics.value('atc_spill_queue_batches')) > 0; i++) await new Promise((r) => setTimeout(r, 250));
  await c.shutdown();
  console.log(`# s3 faults injected: ${JSON.stringify(proxy.counts)}`);
  assert.ok(proxy.counts.slowDown > 0 && proxy.counts.reset > 0 && proxy.counts.slow > 0, 'faults were not exercised');
  const stored: StoredRequest[] = [];
  for await (const o of readS3Objects('s3://faults/run/', { endpoint: minio.endpoint })) {
    stored.push({ file: o.key, signal: signalFromKey(o.key)!, json: JSON.parse(decodeObject(o.key, o.body)) as JsonObject });
  }
  const bodies = storedLogRecords(stored).map((l) => (l.record['body'] as { stringValue: string }).stringValue);
  const { lost } = reportDelivery('s3 faults', stats, bodies);
  assert.equal(lost, 0);
  assert.ok(Object.keys(stats.statuses).every((s) => s === '200'), `clients saw refusals: ${JSON.stringify(stats.statuses)}`);
});
