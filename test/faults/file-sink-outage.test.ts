// A sink that fails for a while (the file exporter's directory replaced by a plain file):
// batches are spilled to disk, counted, and replayed in order once the sink is back.
// A collector restarted while batches are spilled replays them too. Zero acknowledged loss.
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeRequest } from '../../src/otlp/index.js';
import { readStored, startCollector, storedLogRecords, tempDir } from '../harness/collector.js';

const yaml = (dir: string) => (): string => `
receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } } }
exporters:
  file: { directory: ${dir}/out, fsync: false, retry: { initial_interval: 100ms, max_interval: 200ms } }
spill: { directory: ${dir}/spill, fsync: batch }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: silent } }
  pipelines: { logs: { receivers: [otlp], exporters: [file] } }
`;

const logs = (from: number, n: number): Uint8Array =>
  encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: n }, (_, i) => ({ body: { stringValue: `line ${from + i}` } })) }] }] });

async function send(url: string, from: number, n: number): Promise<void> {
  const r = await fetch(`${url}/v1/logs`, { method: 'POST', body: logs(from, n), headers: { 'content-type': 'application/x-protobuf' } });
  assert.equal(r.status, 200);
}

function report(name: string, sent: number, delivered: string[]): void {
  const unique = new Set(delivered);
  const lost = sent - unique.size;
  console.log(`# ${name}: sent=${sent} acknowledged=${sent} delivered=${unique.size} duplicated=${delivered.length - unique.size} lost=${lost}`);
  assert.equal(lost, 0);
}

test('sink outage: spill, then replay in order when the sink returns', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const c = await startCollector({ yaml: yaml(dir) });
  await send(c.otlpUrl, 0, 100);
  await new Promise((r) => setTimeout(r, 300));
  // outage: the output directory is moved away (its files kept) and a file takes its place
  renameSync(join(dir, 'out'), join(dir, 'before'));
  writeFileSync(join(dir, 'out'), 'blocked');
  for (let k = 1; k <= 5; k++) {
    await send(c.otlpUrl, k * 100, 100);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.ok((await c.service.metrics.value('atc_spill_enqueued_batches_total')) >= 1);
  // recovery
  rmSync(join(dir, 'out'));
  mkdirSync(join(dir, 'out'));
  for (let i = 0; i < 100 && (await c.service.metrics.value('atc_spill_queue_batches')) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await c.service.metrics.value('atc_spill_queue_batches'), 0);
  await c.shutdown();
  const delivered = storedLogRecords([...readStored(join(dir, 'before')), ...readStored(join(dir, 'out'))]).map((l) => (l.record['body'] as { stringValue: string }).stringValue);
  report('file sink outage', 600, delivered);
  // replayed in order: the lines sent during the outage come out ascending
  const during = delivered.map((s) => Number(s.split(' ')[1])).filter((n) => n >= 100);
  assert.deepEqual(during, [...during].sort((a, b) => a - b));
});

test('restart while batches are spilled: they are replayed by the next run', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'out'), 'blocked');
  const first = await startCollector({ yaml: yaml(dir) });
  await send(first.otlpUrl, 0, 250);
  await new Promise((r) => setTimeout(r, 500));
  await first.shutdown();
  assert.ok((await first.service.metrics.value('atc_spill_enqueued_batches_total')) >= 1);
  rmSync(join(dir, 'out'));
  mkdirSync(join(dir, 'out'));
  const second = await startCollector({ yaml: yaml(dir) });
  for (let i = 0; i < 100 && (await second.service.metrics.value('atc_spill_replayed_batches_total')) < 1; i++) await new Promise((r) => setTimeout(r, 100));
  await second.shutdown();
  const delivered = storedLogRecords(readStored(join(dir, 'out'))).map((l) => (l.record['body'] as { stringValue: string }).stringValue);
  report('restart with spilled batches', 250, delivered);
});
