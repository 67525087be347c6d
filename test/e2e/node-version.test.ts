// Supported Node.js versions (22, 24): on an older Node the CLI prints one line of its own, and
// the AWS SDK's multi-line version warning does not appear on `cat s3://`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unsupportedNodeNotice } from '../../src/cli/node-version.js';
import { runCli } from '../harness/cli-process.js';
import { freePort } from '../harness/minio.js';

test('the notice names unsupported versions only', () => {
  assert.match(unsupportedNodeNotice('v20.19.0') ?? '', /Node\.js v20\.19\.0 is not supported \(use Node\.js 22 or 24\)/);
  assert.match(unsupportedNodeNotice('v18.0.0') ?? '', /not supported/);
  assert.equal(unsupportedNodeNotice('v22.0.0'), undefined);
  assert.equal(unsupportedNodeNotice('v24.11.1'), undefined);
});

test('cat s3:// prints no AWS SDK version warning, and at most our one line', { timeout: 60_000 }, async () => {
  const closed = await freePort(); // nothing listens: the read fails, after the client was built
  const r = runCli(['cat', 's3://bucket/prefix/', '--endpoint', `http://127.0.0.1:${closed}`, '--region', 'us-east-1'], {
    env: { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '1' },
  });
  assert.notEqual(r.status, 0, 'nothing to read');
  assert.doesNotMatch(r.stderr, /NodeVersionSupportWarning|AWS SDK for JavaScript/);
  const major = Number(process.versions.node.split('.')[0]);
  const ours = r.stderr.split('\n').filter((l) => l.includes('is not supported (use Node.js 22 or 24)'));
  assert.equal(ours.length, major < 22 ? 1 : 0, r.stderr);
});
