// durability: disk with fusion holding traces (decision_wait 60s): the write-ahead log keeps
// what fusion holds, so a kill -9 while the traces are held loses nothing acknowledged.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnCollector } from '../harness/cli-process.js';
import { readStored, storedSpans, tempDir } from '../harness/collector.js';
import { heldFusionConfig, heldSpans } from '../harness/held-spans.js';

function walBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

test('kill -9 while fusion holds acknowledged spans: all of them come out after restart', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  const config = heldFusionConfig(dir, 'otlp', '{ protocols: { http: { endpoint: "127.0.0.1:0" } } }');
  let c = await spawnCollector(['--config', config]);
  const acked = new Set<string>();
  for (let r = 0; r < 10; r++) {
    const res = await fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body: heldSpans(r, 4), headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(res.status, 200);
    for (let k = 0; k < 4; k++) acked.add(`r${r}-s${k}`);
  }
  // well past the flush interval: the batches went through the flush loop into fusion
  const held = async (): Promise<number> => Number((await (await fetch(`${c.telemetryUrl}/metrics`)).text()).match(/^atc_fusion_held_traces (\d+)/m)?.[1] ?? 0);
  for (let i = 0; i < 100 && (await held()) < 20; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await held(), 20, 'fusion holds every trace');
  assert.ok(walBytes(join(dir, 'wal')) > 0, 'the write-ahead log still has what fusion holds');
  c.child.kill('SIGKILL');
  await c.exited;
  c = await spawnCollector(['--config', config]);
  assert.match(c.logs(), /write-ahead log holds undelivered records/);
  // a clean stop emits what fusion holds (replayed from the log) and exports it
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.logs());
  const names = new Set(storedSpans(readStored(join(dir, 'out'))).map((s) => String(s.span['name'])));
  const lost = [...acked].filter((n) => !names.has(n));
  console.log(`# fusion kill -9: acknowledged=${acked.size} delivered=${names.size} lost=${lost.length}`);
  assert.deepEqual(lost, []);
  assert.equal(walBytes(join(dir, 'wal')), 0, 'delivered records left the log');
});
