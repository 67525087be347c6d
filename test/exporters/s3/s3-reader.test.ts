// src/storage/s3-reader.ts (what `cat s3://…` uses) against MinIO: URL parsing, listing in
// key order across pages, fetching, the default credential chain, and decoding with cat.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { decodeObject } from '../../../src/cli/cat.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { countItems } from '../../../src/otlp/index.js';
import { isS3Url, listS3Objects, parseS3Url, readS3Objects } from '../../../src/storage/s3-reader.js';
import { normalizeEndpoint } from '../../../src/storage/s3-client.js';
import { parseConfig } from '../../../exporters/s3/config.js';
import { createS3Exporter } from '../../../exporters/s3/factory.js';
import { startMinio, type MinioServer } from '../../harness/minio.js';
import { traceRequest } from '../../harness/s3-otlp-data.js';
import { recordingContext } from '../../harness/s3-test-context.js';

const BUCKET = 'atc-reader';
let minio: MinioServer;

before(async () => {
  minio = await startMinio();
  await minio.createBucket(BUCKET);
});

after(async () => {
  await minio?.close();
});

describe('S3 reader', { timeout: 60_000 }, () => {
  test('parses s3:// URLs', () => {
    assert.deepEqual(parseS3Url('s3://lake'), { bucket: 'lake', prefix: '' });
    assert.deepEqual(parseS3Url('s3://lake/'), { bucket: 'lake', prefix: '' });
    assert.deepEqual(parseS3Url('s3://lake/otel/year=2025/'), { bucket: 'lake', prefix: 'otel/year=2025/' });
    assert.throws(() => parseS3Url('s3:///x'), /not an S3 URL/);
    assert.throws(() => parseS3Url('https://lake/x'), /not an S3 URL/);
    assert.ok(isS3Url('s3://a/b') && !isS3Url('./data'));
    assert.equal(normalizeEndpoint('127.0.0.1:9000'), 'http://127.0.0.1:9000');
    assert.equal(normalizeEndpoint('https://s3.example'), 'https://s3.example');
  });

  test('lists in key order across pages, with a literal prefix and a limit', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `list/k${String(i).padStart(3, '0')}`);
    for (const k of [...keys].reverse()) await minio.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: k }));
    await minio.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'listing/other', Body: 'x' }));
    await minio.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'list/folder/', Body: '' }));
    const opts = { endpoint: minio.endpoint, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } };
    const got: string[] = [];
    for await (const o of listS3Objects(`s3://${BUCKET}/list/`, { ...opts, pageSize: 7 })) got.push(o.key);
    assert.deepEqual(got, keys); // folder marker skipped, "listing/" not under "list/"
    const loose: string[] = [];
    for await (const o of listS3Objects({ bucket: BUCKET, prefix: 'list' }, opts)) loose.push(o.key);
    assert.ok(loose.includes('listing/other'), 'a prefix is matched literally, as S3 does');
    const few: string[] = [];
    for await (const o of readS3Objects(`s3://${BUCKET}/list/`, { ...opts, limit: 3 })) few.push(Buffer.from(o.body).toString());
    assert.deepEqual(few, keys.slice(0, 3));
  });

  test('reads exported objects with the default credential chain; cat decodes them', async () => {
    const saved = { ...process.env };
    try {
      process.env.AWS_ACCESS_KEY_ID = minio.accessKey;
      process.env.AWS_SECRET_ACCESS_KEY = minio.secretKey;
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
      const errors = new ConfigErrors();
      const rc = recordingContext();
      let total = 0;
      for (const [marshaler, compression] of [['otlp_proto', 'zstd'], ['otlp_proto', 'gzip'], ['otlp_json', 'zstd'], ['otlp_proto', 'none']] as const) {
        const cfg = parseConfig({ bucket: BUCKET, endpoint: minio.endpoint, force_path_style: true, prefix: 'cat', marshaler, compression }, 'exporters.s3', errors);
        const exp = createS3Exporter(cfg, rc.ctx);
        await exp.start();
        const r = traceRequest(3);
        assert.equal((await exp.export({ signal: 'traces', data: r.bytes, items: r.spans, createdAt: Date.now() })).outcome, 'success');
        total += r.spans;
        await exp.shutdown();
      }
      assert.ok(errors.empty, errors.toString());
      let spans = 0;
      let n = 0;
      // host:port without a scheme, and path style by default when an endpoint is given.
      for await (const o of readS3Objects(`s3://${BUCKET}/cat/`, { endpoint: `127.0.0.1:${minio.port}` })) {
        const json = JSON.parse(decodeObject(o.key, o.body)) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
        spans += json.resourceSpans.reduce((a, rs) => a + rs.scopeSpans.reduce((b, ss) => b + ss.spans.length, 0), 0);
        n++;
      }
      assert.equal(n, 4);
      assert.equal(spans, total);
    } finally {
      process.env = saved;
    }
  });

  test('refuses objects over the size limit', async () => {
    await minio.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big/traces.binpb', Body: traceRequest(40).bytes }));
    const opts = { endpoint: minio.endpoint, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } };
    await assert.rejects(async () => {
      for await (const o of readS3Objects(`s3://${BUCKET}/big/`, { ...opts, maxObjectBytes: 1000 })) void o;
    }, /over the 1000-byte limit/);
    for await (const o of readS3Objects(`s3://${BUCKET}/big/`, opts)) assert.equal(countItems('traces', o.body), 40 * 7);
  });
});
