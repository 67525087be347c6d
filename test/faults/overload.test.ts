// Overload: far more senders than the collector can absorb, against a small ring and a memory
// limit. Only 200 or 503 (+ Retry-After) answers, no crash, RSS stays under the limit, and
// every acknowledged record is delivered.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnCollector } from '../harness/cli-process.js';
import { readStored, storedLogRecords, tempDir } from '../harness/collector.js';
import { reportDelivery, startLoad } from '../harness/load.js';

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

test('overload: refusals only, no crash, RSS under the limit, nothing acknowledged lost', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const config = join(dir, 'config.yaml');
  const limit = 400 * 1024 * 1024;
  writeFileSync(config, `receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } } }
exporters: { file: { directory: ${dir}/out, compression: zstd, compression_level: 19, fsync: true } }
buffer: { size: 4MiB, max_batch_bytes: 1MiB, block_timeout: 20ms, max_inflight_batches: 2, memory_limit: ${limit} }
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: warn } }
  pipelines: { logs: { receivers: [otlp], exporters: [file] } }
`);
  const c = await spawnCollector(['--config', config]);
  let maxRss = 0;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssBytes(c.child.pid!))), 50);
  // zstd level 19 on 1 MiB batches makes the exporter the bottleneck; 24 senders of ~60 KB
  // requests offer several times what it can write
  const load = startLoad(() => c.otlpUrl, { workers: 24, perRequest: 200, pad: 200 });
  await new Promise((r) => setTimeout(r, 6000));
  const stats = await load.stop();
  const refusedRetryAfter = await fetch(`${c.telemetryUrl}/metrics`).then((r) => r.text());
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.logs());
  clearInterval(sampler);
  const statuses = Object.keys(stats.statuses);
  assert.ok(statuses.every((s) => s === '200' || s === '503'), `unexpected answers ${JSON.stringify(stats.statuses)}`);
  assert.ok((stats.statuses['503'] ?? 0) > 0, `never overloaded: ${JSON.stringify(stats.statuses)}`);
  assert.match(refusedRetryAfter, /atc_ring_full_refusals_total\{signal="logs"\} [1-9]/);
  assert.ok(maxRss < limit, `RSS peaked at ${maxRss} bytes`);
  console.log(`# overload: peak RSS ${(maxRss / 1048576).toFixed(0)} MiB (limit ${limit / 1048576} MiB)`);
  const bodies = storedLogRecords(readStored(join(dir, 'out'))).map((l) => (l.record['body'] as { stringValue: string }).stringValue);
  const { lost } = reportDelivery('overload', stats, bodies);
  // the collector's own log says where a lost batch went (spilled at a deadline, an export error)
  assert.equal(lost, 0, `collector log:\n${c.logs()}`);
});
