// The command line's strictness and cat's behaviour as users meet them, against the real process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeRequest } from '../../src/otlp/index.js';
import { CLI, runCli } from '../harness/cli-process.js';
import { tempDir } from '../harness/collector.js';

/** stderr without the unsupported-Node notice some test machines print. */
const errLines = (s: string): string[] => s.split('\n').filter((l) => l !== '' && !l.includes('is not supported (use Node.js'));

test('unknown options, options of another command and missing values are one-line usage errors (exit 2)', () => {
  for (const [args, message] of [
    [['--bogus'], /unknown option --bogus/],
    [['validate', '--signal', 'logs', '--endpoint', 'x'], /validate: unknown option --signal/],
    [['cat', '--config', 'x.yaml', 'dir'], /cat: unknown option --config/],
    [['validate', '--config'], /validate: --config needs a value/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['run', 'extra'], /unexpected argument "extra"/],
    [['cat', '--signal', 'spans', 'dir'], /--signal must be traces, logs or metrics/],
  ] as const) {
    const r = runCli([...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = errLines(r.stderr);
    assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0]!, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('-c is --config', () => {
  const r = runCli(['validate', '-c', 'config/default.yaml']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /config\/default\.yaml: valid/);
});

function writeBatches(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const u = (n: number): string => `0000000${n}-0000-4000-8000-000000000000`;
  const logs = encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'a log line' } }] }] }] });
  const traces = encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name: 'a span' }] }] }] });
  writeFileSync(join(dir, `node-1_logs_${u(1)}.binpb`), logs);
  writeFileSync(join(dir, `node-1_traces_${u(2)}.binpb`), traces);
  writeFileSync(join(dir, `node-1_traces_${u(3)}.binpb`), traces);
}

test('cat --signal picks files by their name; cat of a missing path is one line and exit 1', () => {
  const dir = join(tempDir(), 'data');
  writeBatches(dir);
  const t = runCli(['cat', '--signal', 'traces', dir]);
  assert.equal(t.status, 0, t.stderr);
  const lines = t.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  for (const l of lines) assert.equal((JSON.parse(l) as { resourceSpans: unknown[] }).resourceSpans.length, 1);
  assert.deepEqual(errLines(t.stderr), []);
  const all = runCli(['cat', dir]);
  assert.equal(all.stdout.trim().split('\n').length, 3);

  const missing = runCli(['cat', '/nope/not-here']);
  assert.equal(missing.status, 1);
  assert.deepEqual(errLines(missing.stderr), ['/nope/not-here: no such file or directory']);
});

test('cat into a pipe that closes early (cat | head -1) exits quietly', { timeout: 60_000 }, async () => {
  const dir = join(tempDir(), 'many');
  mkdirSync(dir);
  const body = encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: 200 }, (_, i) => ({ body: { stringValue: `line ${i} `.repeat(20) } })) }] }] });
  for (let i = 0; i < 300; i++) writeFileSync(join(dir, `logs_${String(i).padStart(8, '0')}-0000-4000-8000-000000000000.binpb`), body);
  const child = spawn(process.execPath, [CLI, 'cat', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // Read one line, then close our end, as `head -1` does.
  await new Promise<void>((resolve) => {
    let got = '';
    child.stdout.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\n')) {
        child.stdout.destroy();
        resolve();
      }
    });
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, err);
  assert.deepEqual(errLines(err), []);
});
