// A killed run leaves .tmp-* files (written, never renamed): the next start removes them and
// keeps every real batch file.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { FileExporter } from '../../../exporters/file/file-exporter.js';
import { fileExporterFactory } from '../../../exporters/file/index.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { ForwardingSink } from '../../../src/telemetry/forwarding-sink.js';
import { tempDir } from '../../harness/collector.js';

test('stale temp files of a killed run are removed at start; batch files stay', async () => {
  const dir = tempDir();
  const part = join(dir, 'traces', 'year=2026', 'month=12');
  mkdirSync(part, { recursive: true });
  writeFileSync(join(part, '.tmp-99999-1'), 'torn');
  writeFileSync(join(dir, '.tmp-99999-2'), 'torn');
  writeFileSync(join(part, 'traces_1.binpb'), 'kept');
  const errors = new ConfigErrors();
  const cfg = fileExporterFactory.parseConfig({ directory: dir }, 'exporters.file', errors);
  assert.deepEqual(errors.list, []);
  const e = new FileExporter(cfg, { id: 'file', logger: pino({ level: 'silent' }), metrics: new ForwardingSink(), health: { setReady: () => {} } });
  await e.start();
  assert.equal(await e.stale, 2);
  assert.deepEqual(readdirSync(part), ['traces_1.binpb']);
  assert.deepEqual(readdirSync(dir).sort(), ['traces']);
  await e.shutdown();
});
