// The S3 exporter against a real MinIO: objects, keys, encodings, multipart, outages and
// misconfiguration, checked through the S3 API and generic command-line tools.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { Batch, Exporter, ExportResult } from '../../../src/component.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { decodeObject } from '../../../src/cli/cat.js';
import { countItems, decodeRequest, encodeRequest } from '../../../src/otlp/index.js';
import { listS3Objects, readS3Objects } from '../../../src/storage/s3-reader.js';
import { parseConfig, type S3ExporterConfig } from '../../../exporters/s3/config.js';
import { createS3Exporter } from '../../../exporters/s3/factory.js';
import { S3Exporter, type S3ExporterOptions } from '../../../exporters/s3/s3-exporter.js';
import { startMinio, type MinioServer } from '../../harness/minio.js';
import { traceBatch, traceRequest } from '../../harness/s3-otlp-data.js';
import { recordingContext, type RecordingContext } from '../../harness/s3-test-context.js';

const BUCKET = 'atc-exporter-test';
const UUID7 = '[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

let minio: MinioServer;
const toClose: Exporter[] = [];

function config(raw: Record<string, unknown>): S3ExporterConfig {
  const errors = new ConfigErrors();
  const cfg = parseConfig({ bucket: BUCKET, endpoint: minio.endpoint, force_path_style: true, ...raw }, 'exporters.s3', errors);
  assert.ok(errors.empty, errors.toString());
  return cfg;
}

function creds(m = minio): S3ExporterOptions['credentials'] {
  return { accessKeyId: m.accessKey, secretAccessKey: m.secretKey };
}

/** A started exporter (with its retry wrapper) that after() shuts down. */
async function exporter(raw: Record<string, unknown>, opts: S3ExporterOptions = {}, rc = recordingContext()): Promise<{ exp: Exporter; rc: RecordingContext }> {
  const exp = createS3Exporter(config(raw), rc.ctx, { credentials: creds(), ...opts });
  toClose.push(exp);
  await exp.start();
  return { exp, rc };
}

const readerOpts = () => ({ endpoint: minio.endpoint, credentials: creds() });

async function stored(prefix: string) {
  const out = [];
  for await (const o of readS3Objects(`s3://${BUCKET}/${prefix}`, readerOpts())) out.push(o);
  return out;
}

function logsRequest(n: number): { bytes: Uint8Array; items: number } {
  const logRecords = Array.from({ length: n }, (_, i) => ({
    timeUnixNano: String(BigInt(Date.now()) * 1_000_000n + BigInt(i)),
    severityNumber: 9,
    severityText: 'INFO',
    body: { stringValue: `request ${i} served in ${i % 40} ms` },
    attributes: [{ key: 'i', value: { intValue: String(i) } }],
  }));
  const json = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'vllm' } }] }, scopeLogs: [{ logRecords }] }] };
  return { bytes: encodeRequest('logs', json), items: n };
}

function metricsRequest(points: number): { bytes: Uint8Array; items: number } {
  const dataPoints = Array.from({ length: points }, (_, g) => ({
    timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
    asDouble: 50 + g,
    attributes: [{ key: 'gpu', value: { stringValue: String(g) } }],
  }));
  const json = { resourceMetrics: [{ resource: {}, scopeMetrics: [{ metrics: [{ name: 'gpu_utilization', unit: '%', gauge: { dataPoints } }] }] }] };
  return { bytes: encodeRequest('metrics', json), items: points };
}

/** Makes sure a CLI exists, installing its Debian package once if it does not. */
function haveTool(tool: string, pkg = tool): boolean {
  if (spawnSync('which', [tool]).status === 0) return true;
  spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', timeout: 120_000 });
  return spawnSync('which', [tool]).status === 0;
}

before(async () => {
  minio = await startMinio();
  await minio.createBucket(BUCKET);
});

after(async () => {
  for (const e of toClose) await e.shutdown().catch(() => {});
  await minio?.close();
});

describe('S3 exporter against MinIO', { timeout: 120_000 }, () => {
  test('round trip: every span, log record and point is read back through the S3 API', async () => {
    const { exp, rc } = await exporter({ prefix: 'roundtrip' });
    assert.equal(rc.ready.get('s3')?.ready, true);
    const sent = { traces: 0, logs: 0, metrics: 0 };
    for (let i = 0; i < 3; i++) {
      const t = traceRequest(20 + i);
      const l = logsRequest(30 + i);
      const m = metricsRequest(4 + i);
      for (const [signal, r] of [['traces', { bytes: t.bytes, items: t.spans }], ['logs', l], ['metrics', m]] as const) {
        const res = await exp.export({ signal, data: r.bytes, items: r.items, createdAt: Date.now() });
        assert.equal(res.outcome, 'success', res.outcome !== 'success' ? res.error.message : '');
        sent[signal] += r.items;
      }
    }
    const got = { traces: 0, logs: 0, metrics: 0 };
    const objects = await stored('roundtrip/');
    assert.equal(objects.length, 9);
    for (const o of objects) {
      const signal = /(traces|logs|metrics)_/.exec(o.key)![1] as keyof typeof got;
      assert.match(o.key, new RegExp(`^roundtrip/year=\\d{4}/month=\\d\\d/day=\\d\\d/hour=\\d\\d/minute=\\d\\d/${signal}_${UUID7}\\.binpb\\.zst$`));
      assert.equal(o.contentType, 'application/x-protobuf');
      assert.equal(o.contentEncoding, 'zstd');
      // The cat command's decoder is what users read objects with.
      const json = JSON.parse(decodeObject(o.key, o.body)) as Record<string, unknown>;
      assert.ok(Array.isArray(json[{ traces: 'resourceSpans', logs: 'resourceLogs', metrics: 'resourceMetrics' }[signal]]));
      const raw = execFileSync('zstd', ['-dc'], { input: o.body });
      got[signal] += countItems(signal, raw);
    }
    assert.deepEqual(got, sent);
    assert.equal(rc.metricSum('atc_s3_objects_put_total', { upload: 'put' }), 9);
    assert.ok(rc.metricSum('atc_s3_put_bytes_total') > 0);
    assert.equal(rc.metric('atc_exporter_sent_spans_total', { exporter: 's3' }), sent.traces);
  });

  test('keys follow the partition format at the injected time (time travel)', async () => {
    let now = Date.UTC(2024, 11, 31, 23, 59, 59, 999);
    const { exp } = await exporter({ prefix: '/travel/', file_prefix: 'node17-' }, { now: () => now });
    const custom = await exporter({ prefix: 'travel-custom', partition_format: 'dt=%Y-%m-%d/%H%M%S/doy=%j', marshaler: 'otlp_json', compression: 'gzip' }, { now: () => now });
    const t = traceRequest(2);
    const batch = (): Batch => ({ signal: 'traces', data: t.bytes, items: t.spans, createdAt: now });
    const expected: RegExp[] = [];
    for (const [at, part] of [
      [Date.UTC(2024, 11, 31, 23, 59, 59, 999), 'year=2024/month=12/day=31/hour=23/minute=59'],
      [Date.UTC(2025, 0, 1, 0, 0, 0, 0), 'year=2025/month=01/day=01/hour=00/minute=00'],
      [Date.UTC(2028, 1, 29, 7, 5, 0), 'year=2028/month=02/day=29/hour=07/minute=05'],
    ] as const) {
      now = at;
      assert.equal((await exp.export(batch())).outcome, 'success');
      expected.push(new RegExp(`^travel/${part}/node17-traces_${UUID7}\\.binpb\\.zst$`));
    }
    now = Date.UTC(2025, 2, 1, 12, 34, 56);
    assert.equal((await custom.exp.export(batch())).outcome, 'success');

    const keys: string[] = [];
    for await (const o of listS3Objects(`s3://${BUCKET}/travel/`, readerOpts())) keys.push(o.key);
    assert.equal(keys.length, 3);
    keys.forEach((k, i) => assert.match(k, expected[i]!));
    // The uuidv7 in the name carries the same instant (when the clock moved forward: the
    // generator stays monotonic within a process, so it never goes back in time).
    const ms = parseInt(/traces_([0-9a-f-]{13})/.exec(keys[2]!)![1]!.replace('-', ''), 16);
    assert.equal(ms, Date.UTC(2028, 1, 29, 7, 5, 0));

    const [c] = await stored('travel-custom/');
    assert.match(c!.key, new RegExp(`^travel-custom/dt=2025-03-01/123456/doy=060/traces_${UUID7}\\.json\\.gz$`));
  });

  test('gzip, zstd and json objects are readable with the gzip and zstd CLIs', async (t) => {
    if (!haveTool('zstd') || !haveTool('gzip')) return t.skip('zstd or gzip CLI missing and not installable');
    const dir = mkdtempSync(join(tmpdir(), 'atc-s3-cli-'));
    try {
      const req = traceRequest(10);
      for (const [marshaler, compression] of [['otlp_proto', 'gzip'], ['otlp_proto', 'zstd'], ['otlp_json', 'gzip'], ['otlp_json', 'zstd'], ['otlp_json', 'none']] as const) {
        const prefix = `cli-${marshaler}-${compression}`;
        const { exp } = await exporter({ prefix, marshaler, compression });
        assert.equal((await exp.export({ signal: 'traces', data: req.bytes, items: req.spans, createdAt: Date.now() })).outcome, 'success');
        const [o] = await stored(`${prefix}/`);
        assert.ok(o, prefix);
        assert.equal(o.contentType, marshaler === 'otlp_json' ? 'application/json' : 'application/x-protobuf');
        assert.equal(o.contentEncoding, compression === 'none' ? undefined : compression);
        const file = join(dir, o.key.slice(o.key.lastIndexOf('/') + 1));
        writeFileSync(file, o.body);
        // Each tool picks the file by its extension, as a user would.
        const plain = compression === 'none' ? o.body : execFileSync(compression === 'gzip' ? 'gzip' : 'zstd', ['-dc', file]);
        if (marshaler === 'otlp_json') {
          const json = JSON.parse(Buffer.from(plain).toString('utf8')) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
          assert.equal(json.resourceSpans[0]!.scopeSpans[0]!.spans.length, req.spans);
          assert.deepEqual(json, decodeRequest('traces', req.bytes));
        } else {
          assert.deepEqual(Buffer.from(plain), Buffer.from(req.bytes));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('batches over multipart_threshold go up as multipart uploads', async () => {
    const { exp, rc } = await exporter({ prefix: 'multipart', compression: 'none', multipart_threshold: '5MiB' });
    const batch = traceBatch(11 * 1024 * 1024);
    const res = await exp.export(batch);
    assert.equal(res.outcome, 'success', res.outcome !== 'success' ? res.error.message : '');
    assert.equal(rc.metricSum('atc_s3_objects_put_total', { upload: 'multipart' }), 1);
    const [o] = await stored('multipart/');
    assert.ok(o);
    const info = o;
    const head = await minio.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: info.key }));
    // A multipart ETag ends in -<parts>: 11 MiB in 5 MiB parts is 3.
    assert.match(head.ETag ?? '', /-3"?$/);
    assert.equal(head.ContentType, 'application/x-protobuf');
    assert.equal(o!.body.length, batch.data.length);
    assert.equal(countItems('traces', o!.body), batch.items);
  });

  test('a multipart upload that fails is aborted: no object, no parts left', async () => {
    const rc = recordingContext();
    // The bare exporter (no retry wrapper) with a timeout shorter than the upload.
    const exp = new S3Exporter(config({ prefix: 'mp-abort', compression: 'none', multipart_threshold: '5MiB', timeout: '150ms' }), rc.ctx, { credentials: creds() });
    toClose.push(exp);
    await exp.start();
    // Never read back, so any bytes do (and they do not compress).
    const data = randomBytes(40 * 1024 * 1024);
    const res = await exp.export({ signal: 'traces', data, items: 1, createdAt: Date.now() });
    assert.equal(res.outcome, 'retryable');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const up = await minio.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'mp-abort/' }));
      if ((up.Uploads ?? []).length === 0) break;
      assert.ok(Date.now() < deadline, `multipart uploads left: ${JSON.stringify(up.Uploads)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal((await stored('mp-abort/')).length, 0);
    assert.ok(rc.metricSum('atc_s3_put_errors_total', { retryable: 'true' }) >= 1);
  });

  test('server stopped mid-stream and restarted: nothing lost, nothing duplicated', async () => {
    const { exp, rc } = await exporter({
      prefix: 'outage',
      timeout: '2s',
      retry: { initial_interval: '100ms', max_interval: '400ms', max_elapsed_time: '60s' },
    });
    const batches = Array.from({ length: 30 }, () => {
      const r = traceRequest(5);
      return { signal: 'traces' as const, data: r.bytes, items: r.spans, createdAt: Date.now() };
    });
    const results: Promise<ExportResult>[] = [];
    let restarted: Promise<void> | undefined;
    try {
      for (let i = 0; i < batches.length; i++) {
        results.push(exp.export(batches[i]!));
        if (i === 10) {
          await minio.stop();
          restarted = new Promise<void>((r) => setTimeout(r, 1500)).then(() => minio.start());
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      // Later tests need the server back, whatever happened here.
      await restarted;
    }
    for (const r of await Promise.all(results)) assert.equal(r.outcome, 'success', r.outcome !== 'success' ? r.error.message : '');
    const objects = await stored('outage/');
    assert.equal(objects.length, batches.length);
    const spans = objects.reduce((n, o) => n + countItems('traces', execFileSync('zstd', ['-dc'], { input: o.body })), 0);
    assert.equal(spans, batches.reduce((n, b) => n + b.items, 0));
    assert.ok(rc.metricSum('atc_exporter_retries_total') > 0, 'some exports were retried');
  });

  test('a missing bucket: not ready, a clear log line, no crash; ready once it exists', async () => {
    const rc = recordingContext('s3/missing');
    const { exp } = await exporter({ bucket: 'atc-not-created-yet', prefix: 'x' }, { recheckIntervalMs: 200 }, rc);
    const state = rc.ready.get('s3/missing');
    assert.equal(state?.ready, false);
    assert.match(state?.reason ?? '', /bucket "atc-not-created-yet" does not exist/);
    assert.ok(rc.logs.some((l) => l.level === 50 && /not ready: bucket "atc-not-created-yet" does not exist/.test(l.msg)), JSON.stringify(rc.logs));
    const res = await exp.export({ signal: 'traces', data: traceRequest(1).bytes, items: 7, createdAt: Date.now() });
    assert.equal(res.outcome, 'failure');
    assert.match(res.outcome === 'failure' ? res.error.message : '', /NoSuchBucket/);

    await minio.createBucket('atc-not-created-yet');
    const deadline = Date.now() + 5000;
    while (rc.ready.get('s3/missing')?.ready !== true) {
      assert.ok(Date.now() < deadline, 'ready again after the bucket was created');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await exp.export({ signal: 'traces', data: traceRequest(1).bytes, items: 7, createdAt: Date.now() })).outcome, 'success');
  });

  test('bad credentials: not ready with the reason, never the secret in the logs', async () => {
    for (const [name, c, reason] of [
      ['unknown key', { accessKeyId: 'AKIANOTAREALKEY00000', secretAccessKey: 'wJalrXUtnFEMI-not-a-secret' }, /access key id is not known/],
      ['wrong secret', { accessKeyId: minio.accessKey, secretAccessKey: 'wJalrXUtnFEMI-wrong-secret' }, /secret key does not match/],
    ] as const) {
      const rc = recordingContext('s3/bad');
      const { exp } = await exporter({ prefix: 'bad' }, { credentials: c }, rc);
      const state = rc.ready.get('s3/bad');
      assert.equal(state?.ready, false, name);
      assert.match(state?.reason ?? '', reason, name);
      assert.ok(rc.logs.some((l) => l.level === 50 && reason.test(l.msg)), name);
      const res = await exp.export({ signal: 'traces', data: traceRequest(1).bytes, items: 7, createdAt: Date.now() });
      assert.equal(res.outcome, 'failure', name);
      assert.ok(!rc.logText().includes(c.secretAccessKey), 'secret logged');
      await exp.shutdown();
    }
  });
});
