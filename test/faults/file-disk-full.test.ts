// The file exporter's own disk fills up (its directory is a 1 MiB tmpfs): a batch file is cut
// short by ENOSPC part way through its write. The collector keeps running, never leaves a
// partial or temp file where readers look, refuses (503) once its buffers are full, and when
// space returns (the tmpfs remounted larger) every acknowledged record lands exactly once:
// with the spill queue taking the batches meanwhile, and with it off (retries from memory).
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnCollector } from '../harness/cli-process.js';
import { readStored, storedLogRecords, tempDir } from '../harness/collector.js';
import { reportDelivery, startLoad } from '../harness/load.js';
import { atEnd, mountTmpfs, resizeTmpfs } from '../harness/tmpfs.js';


function config(dir: string, spill: boolean): string {
  const file = join(dir, 'config.yaml');
  // no compression: the load's padded records would otherwise take minutes to fill the disk
  writeFileSync(file, `receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } } }
exporters: { file: { directory: ${dir}/out, compression: none, fsync: true, retry: { initial_interval: 100ms, max_interval: 300ms, max_elapsed_time: 0s } } }
buffer: { size: 4MiB, max_batch_bytes: 128KiB, block_timeout: 20ms, max_inflight_batches: 4 }
spill: ${spill ? `{ directory: ${dir}/spill, segment_size: 256KiB, max_size: 1GiB }` : '{ enabled: false }'}
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: warn } }
  pipelines: { logs: { receivers: [otlp], exporters: [file] } }
`);
  return file;
}

/** every file under dir (relative paths) */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1));
}

for (const spill of [true, false]) {
  test(`file exporter disk full (${spill ? 'spill on' : 'spill off'}): no partial file, refusals, every acknowledged record once after space returns`, { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    mkdirSync(out);
    mountTmpfs(out, '1m');
    const c = await spawnCollector(['--config', config(dir, spill)]);
    const load = startLoad(() => c.otlpUrl, { workers: 4, perRequest: 100, pad: 100 });
    atEnd(async () => {
      await load.stop();
      c.child.kill('SIGKILL');
    });
    const metrics = (): Promise<string> => fetch(`${c.telemetryUrl}/metrics`).then((r) => r.text());
    // full: the disk has no room for a batch file and new data is refused (spill on: once the
    // spill queue took what the ring could not hold; it has 1 GiB, so refusals need not come)
    const full = (): boolean => statfsSync(out).bavail * statfsSync(out).bsize < 128 * 1024;
    // a failed write shows as a retry (spill off) or as a batch put in the spill queue (spill on,
    // where the queue does the retrying)
    const failed = spill ? /atc_spill_enqueued_batches_total\{exporter="file"\} [1-9]/ : /atc_exporter_retries_total\{exporter="file",signal="logs"\} [1-9]/;
    let m = '';
    for (let i = 0; i < 120; i++) {
      await new Promise((r) => setTimeout(r, 500));
      m = await metrics();
      if (full() && failed.test(m) && (spill || (load.stats.statuses['503'] ?? 0) > 0)) break;
    }
    assert.ok(full(), 'the disk never filled');
    assert.match(m, failed, 'no write failed');
    if (!spill) assert.ok((load.stats.statuses['503'] ?? 0) > 0, `no refusals: ${JSON.stringify(load.stats.statuses)}`);
    // while full: readers see only whole batch files (each decodes), and no temp file stays
    // (one being written may show in a listing; a left one is in the next listing too)
    const temps = (): string[] => filesUnder(out).filter((f) => f.split('/').pop()!.startsWith('.tmp-'));
    const firstTemps = temps();
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(temps().filter((f) => firstTemps.includes(f)), [], 'temp files left behind');
    const deliveredWhileFull = storedLogRecords(readStored(out)).length;
    // the collector is alive and says why it is not ready
    assert.equal(c.child.exitCode, null, c.logs());
    // space returns
    resizeTmpfs(out, '256m');
    const acceptedBefore = load.stats.statuses['200'] ?? 0;
    for (let i = 0; i < 60 && (load.stats.statuses['200'] ?? 0) <= acceptedBefore + 20; i++) await new Promise((r) => setTimeout(r, 250));
    const stats = await load.stop();
    assert.ok((stats.statuses['200'] ?? 0) > acceptedBefore, `no data accepted after space returned: ${JSON.stringify(stats.statuses)}\n${c.logs().slice(-3000)}`);
    // spill on: what the queue holds is replayed before shutdown (a queue left at shutdown is
    // replayed by the next run, which file-sink-outage.test.ts covers)
    for (let i = 0; spill && i < 120 && !/atc_spill_queue_batches\{exporter="file"\} 0\b/.test(await metrics()); i++) await new Promise((r) => setTimeout(r, 250));
    c.child.kill('SIGTERM');
    assert.equal(await c.exited, 0, c.logs());
    assert.deepEqual(filesUnder(out).filter((f) => f.split('/').pop()!.startsWith('.tmp-')), []);
    const bodies = storedLogRecords(readStored(out)).map((l) => (l.record['body'] as { stringValue: string }).stringValue);
    assert.ok(bodies.length > deliveredWhileFull, 'nothing was written after space returned');
    const { lost, duplicated } = reportDelivery(`file exporter disk full, spill ${spill ? 'on' : 'off'}`, stats, bodies);
    assert.equal(lost, 0);
    assert.equal(duplicated, 0);
  });
}
