// The main thread's side of the OTLP/HTTP worker threads, in process (the suite's Node 20 has
// no reusePort, so the worker is the only listener on its port here): a worker writes what it
// acknowledges into the shared ring and its counters reach the main thread's metrics; a worker
// that dies is reported (log, counter, /readyz) and restarted, then serves again; shutdown
// waits for it to exit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { DEFAULT_HTTP } from '../../../receivers/otlp/config.js';
import { HttpWorkerPool } from '../../../receivers/otlp/http-worker-pool.js';
import { DEFAULT_BUFFER } from '../../../src/config/collector-config.js';
import { encodeRequest } from '../../../src/otlp/index.js';
import { IntakeState } from '../../../src/pipeline/intake-state.js';
import { Ring } from '../../../src/ring/ring.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { PromMetrics } from '../../../src/telemetry/registry.js';
import { freePort } from '../../harness/minio.js';

const body = (n: number): Uint8Array =>
  encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 3 }, (_, k) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: `r${n}-s${k}` })) }] }] });

async function post(port: number, n: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', body: body(n), headers: { 'content-type': 'application/x-protobuf', connection: 'close' } });
  await r.arrayBuffer();
  return r.status;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a worker thread writes into the ring, is restarted after it dies, and exits on shutdown', { timeout: 60_000 }, async () => {
  const ring = Ring.create(1 << 20);
  const intake = new IntakeState();
  const metrics = new PromMetrics({ processMetrics: false });
  const health = new HealthRegistry();
  const port = await freePort();
  const cfg = { ...DEFAULT_HTTP, endpoint: `127.0.0.1:${port}` };
  const spec = { ring: ring.sab, intake: intake.sab, source: 3, signals: ['traces' as const], buffer: DEFAULT_BUFFER };
  const pool = new HttpWorkerPool({ id: 'otlp', cfg, host: '127.0.0.1', port, consumer: spec, logLevel: 'silent' }, 1, metrics, pino({ level: 'silent' }), health.scope('receiver'));
  await pool.start();
  try {
    for (let n = 0; n < 5; n++) assert.equal(await post(port, n), 200);
    const names: string[] = [];
    ring.drain((rec) => void names.push(`${rec.source}:${rec.items}`));
    assert.deepEqual(names, Array(5).fill('3:3'), 'each acknowledged request is one ring record of this source');
    await until('the worker metrics', async () => (await metrics.value('atc_receiver_accepted_spans_total')) === 15);
    assert.equal(await metrics.value('atc_receiver_http_thread_requests_total', { thread: 'worker-1' }), 5);

    const worker = (pool as unknown as { live: Map<number, Worker> }).live.get(1)!;
    await worker.terminate();
    assert.equal(await metrics.value('atc_receiver_http_worker_deaths_total'), 1);
    assert.equal(health.get('receiver', 'otlp')?.ready, false, 'not ready while a worker is down');
    assert.match(health.get('receiver', 'otlp')?.reason ?? '', /worker thread 1 died/);
    await until('the restart', () => pool.serving === 1 && health.get('receiver', 'otlp')?.ready === true);
    assert.equal(await post(port, 99), 200, 'the restarted worker serves');
    let after = 0;
    ring.drain(() => void after++);
    assert.equal(after, 1);
  } finally {
    await pool.shutdown();
  }
  assert.equal(pool.serving, 0, 'every worker exited');
  await assert.rejects(post(port, 100), 'nothing listens after shutdown');
});
