// The spill directory runs out of space (a 4 MiB tmpfs) while the sink is down: the collector
// refuses new data (503), corrupts nothing, and recovers when the sink returns. A damaged spill
// segment at start is quarantined and the collector starts anyway.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnCollector } from '../harness/cli-process.js';
import { readStored, storedLogRecords, tempDir } from '../harness/collector.js';
import { reportDelivery, startLoad } from '../harness/load.js';
import { atEnd, mountTmpfs } from '../harness/tmpfs.js';


function config(dir: string, spillDir: string): string {
  const file = join(dir, 'config.yaml');
  writeFileSync(file, `receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } } }
exporters: { file: { directory: ${dir}/out, fsync: false, retry: { initial_interval: 100ms, max_interval: 300ms } } }
buffer: { size: 4MiB, max_batch_bytes: 256KiB, block_timeout: 20ms, max_inflight_batches: 4 }
spill: { directory: ${spillDir}, segment_size: 256KiB, max_size: 1GiB }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: warn } }
  pipelines: { logs: { receivers: [otlp], exporters: [file] } }
`);
  return file;
}

test('spill disk full: refusals, no corruption, recovery when space returns', { timeout: 180_000 }, async () => {
  const dir = tempDir();
  const spill = join(dir, 'spill');
  mkdirSync(spill);
  mountTmpfs(spill, '4m');
  writeFileSync(join(dir, 'out'), 'sink down'); // the file sink is unusable: everything spills
  const c = await spawnCollector(['--config', config(dir, spill)]);
  const load = startLoad(() => c.otlpUrl, { workers: 6, perRequest: 100, pad: 100 });
  // a failed assertion must not leave the load and the collector running (the file would hang)
  atEnd(async () => {
    await load.stop();
    c.child.kill('SIGKILL');
  });
  // the 4 MiB tmpfs fills in seconds on an idle machine; a loaded CI machine gets a minute
  let metrics = '';
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 500));
    metrics = await fetch(`${c.telemetryUrl}/metrics`).then((r) => r.text());
    if (/atc_spill_full_total\{exporter="file"\} [1-9]/.test(metrics) && (load.stats.statuses['503'] ?? 0) > 0) break;
  }
  assert.match(metrics, /atc_spill_full_total\{exporter="file"\} [1-9]/, 'spill never filled');
  assert.ok((load.stats.statuses['503'] ?? 0) > 0, `no refusals: ${JSON.stringify(load.stats.statuses)}`);
  // the sink returns: spilled batches drain, space frees, new data is accepted again
  rmSync(join(dir, 'out'));
  mkdirSync(join(dir, 'out'));
  const before200 = load.stats.statuses['200'] ?? 0;
  await new Promise((r) => setTimeout(r, 4000));
  const stats = await load.stop();
  assert.ok((stats.statuses['200'] ?? 0) > before200, `no data accepted after recovery:\n${await fetch(`${c.telemetryUrl}/metrics`).then((r) => r.text()).then((t) => t.split('\n').filter((l) => /^atc_(spill|exporter|ring)/.test(l)).join('\n'))}\n${c.logs().slice(-3000)}`);
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.logs());
  assert.deepEqual(readdirSync(spill).filter((n) => n === 'quarantine'), [], 'the spill queue was damaged');
  const bodies = storedLogRecords(readStored(join(dir, 'out'))).map((l) => (l.record['body'] as { stringValue: string }).stringValue);
  const { lost } = reportDelivery('spill disk full', stats, bodies);
  assert.equal(lost, 0);
});

test('a corrupt spill segment at start is quarantined and the collector runs', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const spill = join(dir, 'spill');
  // first run: spill some batches while the sink is down
  writeFileSync(join(dir, 'out'), 'sink down');
  let c = await spawnCollector(['--config', config(dir, spill)]);
  const load = startLoad(() => c.otlpUrl, { workers: 2, perRequest: 50, maxRequests: 20 });
  const stats = await load.done;
  await new Promise((r) => setTimeout(r, 500));
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0);
  // power loss: garbage after the last record of the newest segment
  const segDir = join(spill, 'file');
  const segs = readdirSync(segDir).filter((n) => n.endsWith('.seg')).sort();
  assert.ok(segs.length > 0);
  appendFileSync(join(segDir, segs[segs.length - 1]!), Buffer.from([0x10, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));
  renameSync(join(dir, 'out'), join(dir, 'was-blocked'));
  mkdirSync(join(dir, 'out'));
  c = await spawnCollector(['--config', config(dir, spill)]);
  await new Promise((r) => setTimeout(r, 1500));
  const m = await fetch(`${c.telemetryUrl}/metrics`).then((r) => r.text());
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.logs());
  assert.match(c.logs(), /damaged tail/);
  assert.match(m, /atc_spill_quarantined_bytes_total\{exporter="file"\} 11/);
  assert.equal(readdirSync(join(segDir, 'quarantine')).length, 1);
  const bodies = storedLogRecords(readStored(join(dir, 'out'))).map((l) => (l.record['body'] as { stringValue: string }).stringValue);
  const { lost } = reportDelivery('corrupt spill segment', stats, bodies);
  assert.equal(lost, 0);
});
