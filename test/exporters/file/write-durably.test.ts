// The batch file write: the bytes land whole under the final name, nothing else is left in the
// directory, an existing file is replaced, and a failure is an error with its errno code (the
// exporter decides retry or not from it) with no descriptor left open.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { FileExporter } from '../../../exporters/file/file-exporter.js';
import { fileExporterFactory } from '../../../exporters/file/index.js';
import { writeDurably } from '../../../exporters/file/write-durably.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { encodeRequest } from '../../../src/otlp/index.js';
import { ForwardingSink } from '../../../src/telemetry/forwarding-sink.js';
import { tempDir } from '../../harness/collector.js';

const openFds = async (): Promise<number> => (await readdir('/proc/self/fd')).length;

test('a body is written whole under its name, replacing what was there, temp file gone', async () => {
  const dir = tempDir();
  for (const sync of [true, false]) {
    const body = randomBytes(3 * 1024 * 1024 + 17); // past one write() of some kernels' limits
    writeFileSync(join(dir, 'batch'), 'old');
    await writeDurably(join(dir, '.tmp-1'), join(dir, 'batch'), body, sync);
    assert.deepEqual(readFileSync(join(dir, 'batch')), body);
    assert.deepEqual(readdirSync(dir), ['batch']);
  }
  await writeDurably(join(dir, '.tmp-2'), join(dir, 'empty'), new Uint8Array(0), true);
  assert.equal(readFileSync(join(dir, 'empty')).length, 0);
});

test('a failure throws with its errno code and leaves no descriptor open', async () => {
  const dir = tempDir();
  const before = await openFds();
  // the temp file cannot be created: its directory does not exist
  await assert.rejects(writeDurably(join(dir, 'missing', '.tmp-1'), join(dir, 'missing', 'b'), new Uint8Array(10), true), { code: 'ENOENT' });
  // the rename cannot happen: the target is a non-empty directory
  mkdirSync(join(dir, 'taken'));
  writeFileSync(join(dir, 'taken', 'x'), 'x');
  await assert.rejects(writeDurably(join(dir, '.tmp-2'), join(dir, 'taken'), new Uint8Array(10), true), (e: NodeJS.ErrnoException) => e.code === 'EISDIR' || e.code === 'ENOTEMPTY');
  assert.equal(await openFds(), before);
});

test('the exporter: a batch whose file cannot be written is retryable and leaves no temp file', async () => {
  const dir = tempDir();
  const errors = new ConfigErrors();
  const cfg = fileExporterFactory.parseConfig({ directory: dir }, 'exporters.file', errors);
  assert.deepEqual(errors.list, []);
  const e = new FileExporter(cfg, { id: 'file', logger: pino({ level: 'silent' }), metrics: new ForwardingSink(), health: { setReady: () => {} } }, () => Date.UTC(2026, 11, 3, 12));
  await e.start();
  const data = encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', name: 's' }] }] }] });
  const ok = await e.export({ signal: 'traces', data, items: 1, createdAt: 0 });
  assert.equal(ok.outcome, 'success');
  // the partition directory replaced by a file: every write under it fails
  const files = readdirSync(dir, { recursive: true }).map(String);
  const written = files.find((f) => f.endsWith('.binpb') || f.endsWith('.zst'))!;
  assert.ok(written, `a batch file among ${files.join(', ')}`);
  const part = join(dir, written.split('/').slice(0, -1).join('/'));
  rmSync(part, { recursive: true });
  writeFileSync(part, 'not a directory');
  const failed = await e.export({ signal: 'traces', data, items: 1, createdAt: 0 });
  assert.equal(failed.outcome, 'retryable');
  assert.ok(!readdirSync(dir, { recursive: true }).map(String).some((f) => f.includes('.tmp-')), 'no temp file left');
  await e.shutdown();
});
