// buffer.durability: disk — the collector is killed with SIGKILL under load and restarted:
// every record it acknowledged is delivered (duplicates allowed and counted, loss not).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnCollector, type RunningCollector } from '../harness/cli-process.js';
import { readStored, storedLogRecords, tempDir } from '../harness/collector.js';
import { reportDelivery, startLoad } from '../harness/load.js';

test('kill -9 under load with durability: disk loses nothing acknowledged', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const config = join(dir, 'config.yaml');
  // the slow flush interval keeps records in the ring (not yet exported) when the kill lands
  writeFileSync(config, `receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } } }
exporters: { file: { directory: ${dir}/out, compression: zstd, fsync: true } }
buffer: { durability: disk, wal: { directory: ${dir}/wal }, flush_interval: 500ms }
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: info } }
  pipelines: { logs: { receivers: [otlp], exporters: [file] } }
`);
  let c: RunningCollector = await spawnCollector(['--config', config]);
  let url = c.otlpUrl;
  const load = startLoad(() => url, { workers: 6, perRequest: 20 });
  await new Promise((r) => setTimeout(r, 2500));
  c.child.kill('SIGKILL');
  await c.exited;
  const stats = await load.stop();
  assert.ok(stats.acked.size > 500, `only ${stats.acked.size} acknowledged before the kill`);
  c = await spawnCollector(['--config', config]);
  url = c.otlpUrl;
  assert.match(c.logs(), /write-ahead log/);
  // let the replayed records flush, then stop cleanly
  await new Promise((r) => setTimeout(r, 1500));
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.logs());
  const bodies = storedLogRecords(readStored(join(dir, 'out'))).map((l) => (l.record['body'] as { stringValue: string }).stringValue);
  const { lost } = reportDelivery('kill -9 in disk mode', stats, bodies);
  assert.equal(lost, 0);
});
