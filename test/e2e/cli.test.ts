// The command line as users run it: --version, --help, validate, cat, and run.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeRequest } from '../../src/otlp/index.js';
import { VERSION } from '../../src/version.js';
import { runCli, spawnCollector } from '../harness/cli-process.js';
import { tempDir } from '../harness/collector.js';

test('--version and --help', () => {
  const v = runCli(['--version']);
  assert.equal(v.status, 0);
  assert.equal(v.stdout.trim(), VERSION);
  const h = runCli(['--help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /validate/);
  assert.match(h.stdout, /--set key\.path=value/);
  const bad = runCli(['--bogus']);
  assert.equal(bad.status, 2);
});

test('validate: exit 0 for a good config, 1 with every problem and its key path', () => {
  const ok = runCli(['validate', '--config', 'config/default.yaml']);
  assert.equal(ok.status, 0, ok.stderr);
  const bad = runCli(['validate', '--config', 'src/config/testdata/bad-values.yaml']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /5 problems/);
  assert.match(bad.stderr, /exporters\.file\.compression: must be one of/);
  assert.match(bad.stderr, /exporters\.file\.retry\.initial_interval: expected a duration/);
  const set = runCli(['validate', '--config', 'config/default.yaml', '--set', 'buffer.when_full=sometimes']);
  assert.equal(set.status, 1);
  assert.match(set.stderr, /buffer\.when_full: must be one of block, drop_newest/);
  const missing = runCli(['validate', '--config', '/nonexistent.yaml']);
  assert.equal(missing.status, 1);
});

test('run writes batches in every compression, and cat prints them back as OTLP/JSON', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  file/zstd: { directory: ${dir}/zstd, compression: zstd, compression_level: 9 }
  file/gzip: { directory: ${dir}/gzip, compression: gzip }
  file/snappy: { directory: ${dir}/snappy, compression: snappy }
  file/none: { directory: ${dir}/none, compression: none, file_prefix: "node-1_" }
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: warn } }
  pipelines:
    logs: { receivers: [otlp], exporters: [file/zstd, file/gzip, file/snappy, file/none] }
`,
  );
  const c = await spawnCollector(['--config', config]);
  const body = encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'GPU 0: XID 79 — fallen off the bus' }, severityNumber: 17 }] }] }] });
  const r = await fetch(`${c.otlpUrl}/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
  assert.equal(r.status, 200);
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.logs());
  for (const [sub, ext] of [['zstd', '.binpb.zst'], ['gzip', '.binpb.gz'], ['snappy', '.binpb.sz'], ['none', '.binpb']]) {
    const out = runCli(['cat', join(dir, sub!)]);
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const json = JSON.parse(lines[0]!) as { resourceLogs: { scopeLogs: { logRecords: { body: { stringValue: string } }[] }[] }[] };
    assert.equal(json.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.body.stringValue, 'GPU 0: XID 79 — fallen off the bus');
    const file = runCli(['cat', '--signal', 'logs', join(dir, sub!)]);
    assert.equal(file.stdout, out.stdout);
    assert.ok(ext);
  }
  const listing = runCli(['cat', join(dir, 'none')]);
  assert.equal(listing.status, 0);
  const notOtlp = join(dir, 'garbage.binpb');
  writeFileSync(notOtlp, 'not protobuf at all');
  const bad = runCli(['cat', notOtlp]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /garbage\.binpb: cannot tell the signal/);
});
