// SIGTERM with requests in flight: receivers stop first, the ring drains, every batch is
// flushed, exit 0 — every span answered with 200 is in the files. A second signal exits at once.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeRequest } from '../../src/otlp/index.js';
import { spawnCollector } from '../harness/cli-process.js';
import { readStored, storedSpans, tempDir } from '../harness/collector.js';

function config(dir: string, extra = ''): string {
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  file: { directory: ${dir}/data, compression: zstd${extra} }
buffer: { flush_interval: 200ms }
spill: { enabled: ${extra.includes('retry') ? 'false' : 'true'}, directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: info } }
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
`,
  );
  return file;
}

const span = (worker: number, seq: number): Uint8Array =>
  encodeRequest('traces', {
    resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 20 }, (_, k) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: `w${worker}-r${seq}-s${k}` })) }] }],
  });

test('SIGTERM under load: every acknowledged span is written, exit 0', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  const c = await spawnCollector(['--config', config(dir)]);
  const acked = new Set<string>();
  let refused = 0;
  let stop = false;
  const workers = Array.from({ length: 8 }, async (_, w) => {
    for (let seq = 0; !stop; seq++) {
      try {
        const r = await fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body: span(w, seq), headers: { 'content-type': 'application/x-protobuf' } });
        await r.arrayBuffer();
        if (r.status === 200) for (let k = 0; k < 20; k++) acked.add(`w${w}-r${seq}-s${k}`);
        else refused++;
      } catch {
        refused++; // connection refused or reset once the receiver has stopped
        if (stop) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  c.child.kill('SIGTERM');
  const code = await c.exited;
  stop = true;
  await Promise.all(workers);
  assert.equal(code, 0, c.logs());
  const stored = new Set(storedSpans(readStored(join(dir, 'data'))).map((s) => String(s.span['name'])));
  assert.ok(acked.size > 1000, `only ${acked.size} spans acknowledged`);
  const lost = [...acked].filter((n) => !stored.has(n));
  assert.equal(lost.length, 0, `${lost.length} acknowledged spans lost`);
  assert.equal(stored.size, acked.size, 'spans stored that were never acknowledged');
  assert.match(c.logs(), /shutdown complete/);
  void refused;
});

test('a second signal exits at once while the first is still draining', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const c = await spawnCollector(['--config', config(dir, ', retry: { initial_interval: 10s }')]);
  // Make the export directory unusable so the drain is stuck retrying.
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  writeFileSync(join(dir, 'data'), 'not a directory');
  const r = await fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body: span(0, 0), headers: { 'content-type': 'application/x-protobuf' } });
  assert.equal(r.status, 200);
  await new Promise((res) => setTimeout(res, 500));
  c.child.kill('SIGTERM');
  await new Promise((res) => setTimeout(res, 300));
  const started = Date.now();
  c.child.kill('SIGINT');
  const code = await c.exited;
  assert.equal(code, 130, c.logs());
  assert.ok(Date.now() - started < 5000);
  assert.match(c.logs(), /second signal/);
});
