// The probes mean one thing each (src/telemetry/probes.ts), checked on real processes:
// - /readyz polled every 10 ms from launch never says ready before both OTLP ports accept
//   connections (a GPU-less node with an optional NVML receiver and a write-ahead log to open);
// - a sink that is down while batches spill to disk never makes the collector unready, and
//   /status shows the exporter degraded with its reason;
// - an intake that refuses everything (ring full behind a dead sink, no spill) for longer than
//   service.readiness.ring_full_for turns /readyz 503 with the reason, and 200 again once the
//   sink is back; /healthz stays 200 throughout (a waiting flush worker is alive).
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeRequest } from '../../src/otlp/index.js';
import { CLI } from '../harness/cli-process.js';
import { startCollector, tempDir, type TestCollector } from '../harness/collector.js';
import { freePort } from '../harness/kafka.js';

const collectors: TestCollector[] = [];
after(async () => {
  for (const c of collectors) await c.shutdown().catch(() => {});
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** status of GET url, or 'down' when nothing answers */
async function probe(url: string): Promise<number | 'down'> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'down';
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const spans = (n: number, pad = 0): Uint8Array =>
  encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: n }, (_, i) => ({ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: `s${i}${'p'.repeat(pad)}` })) }] }] });

async function post(url: string, body: Uint8Array): Promise<number | 'down'> {
  try {
    const res = await fetch(`${url}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' }, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'down';
  }
}

/** A collector whose only exporter is otlphttp to `port`, with `extra` YAML (spill, buffer, retry). */
async function behindSink(port: number, retry: string, extra: (dataDir: string) => string): Promise<TestCollector> {
  const c = await startCollector({
    yaml: (dataDir) => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${port}, retry: ${retry} }
${extra(dataDir)}
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  readiness: { ring_full_for: 1s }
  pipelines: { traces: { receivers: [otlp], exporters: [otlphttp] } }
`,
  });
  collectors.push(c);
  return c;
}

/** Posts 50-span requests back to back until stopped; counts the answers. */
function spanLoad(url: string): { posts: Record<string, number>; stop(): Promise<void> } {
  const posts: Record<string, number> = {};
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const st = await post(url, spans(50, 400));
      posts[String(st)] = (posts[String(st)] ?? 0) + 1;
      if (st !== 200) await sleep(20);
    }
  })();
  return {
    posts,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

test('/readyz polled every 10 ms from launch: never ready before both OTLP ports accept; a GPU-less node with optional NVML becomes ready', { timeout: 180_000 }, async () => {
  for (let run = 0; run < 3; run++) {
    const dir = tempDir('atc-probes-');
    const [http, grpc, tele] = [await freePort(), await freePort(), await freePort()];
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${http} }, grpc: { endpoint: 127.0.0.1:${grpc} } } }
  nvml: { library_path: ${join(dir, 'no-driver', 'libnvidia-ml.so.1')} }
exporters:
  file: { directory: ${join(dir, 'data')}, fsync: false }
buffer: { durability: disk, wal: { directory: ${join(dir, 'wal')} } }
spill: { directory: ${join(dir, 'spill')} }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:${tele} }, logs: { level: warn } }
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
    metrics: { receivers: [otlp, nvml], exporters: [file] }
`,
    );
    const child = fork(CLI, ['run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const seen: Record<string, number> = {};
    const early: string[] = [];
    let readyPolls = 0;
    const t0 = Date.now();
    while (readyPolls < 20 && Date.now() - t0 < 60_000) {
      const st = await probe(`http://127.0.0.1:${tele}/readyz`);
      seen[String(st)] = (seen[String(st)] ?? 0) + 1;
      if (st === 200) {
        readyPolls++;
        const [h, g] = await Promise.all([accepts(http), accepts(grpc)]);
        if (!h || !g) early.push(`ready at +${Date.now() - t0} ms but http ${h ? 'open' : 'closed'}, grpc ${g ? 'open' : 'closed'}`);
      }
      await sleep(10);
    }
    try {
      assert.deepEqual(early, [], out);
      assert.equal(readyPolls, 20, `never ready: ${JSON.stringify(seen)}\n${out}`);
      // and it does its job: a span is taken
      assert.equal(await post(`http://127.0.0.1:${http}`, spans(3)), 200);
      console.log(`# run ${run}: /readyz answers while starting ${JSON.stringify(seen)}`);
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
    }
  }
});

test('a sink that is down while batches spill: /readyz stays 200 under load, /status shows the exporter degraded with its reason', { timeout: 120_000 }, async () => {
  const dead = await freePort();
  const c = await behindSink(dead, '{ initial_interval: 100ms, max_interval: 500ms }', (dataDir) => `
spill: { enabled: true, directory: ${dataDir}.spill }
buffer: { size: 1MiB, max_batch_bytes: 256KiB, max_inflight_batches: 1 }`);
  const statuses: Record<string, number> = {};
  const load = spanLoad(c.otlpUrl);
  const posts = load.posts;
  const t0 = Date.now();
  while (Date.now() - t0 < 4000) {
    const st = await probe(`${c.telemetryUrl}/readyz`);
    statuses[String(st)] = (statuses[String(st)] ?? 0) + 1;
    await sleep(10);
  }
  await load.stop();
  assert.deepEqual(Object.keys(statuses), ['200'], `readyz: ${JSON.stringify(statuses)}`);
  assert.ok((posts['200'] ?? 0) > 20, `posts: ${JSON.stringify(posts)}`);
  assert.ok((await c.service.metrics.value('atc_spill_enqueued_batches_total')) > 0, 'nothing spilled');
  const doc = (await (await fetch(`${c.telemetryUrl}/status`)).json()) as { ready: boolean; components: { id: string; kind: string; state: string; reason: string | null }[] };
  const exp = doc.components.find((x) => x.kind === 'exporter' && x.id === 'otlphttp');
  assert.equal(doc.ready, true);
  assert.equal(exp?.state, 'degraded');
  assert.match(exp?.reason ?? '', /ECONNREFUSED|connect/i);
  assert.equal((await fetch(`${c.telemetryUrl}/healthz`)).status, 200);
});

test('an intake that refuses everything for longer than ring_full_for: /readyz 503 with the reason, 200 again once the sink is back; /healthz 200 throughout', { timeout: 120_000 }, async () => {
  const sinkPort = await freePort();
  const c = await behindSink(sinkPort, '{ initial_interval: 100ms, max_interval: 300ms, max_elapsed_time: 0s }', (dataDir) => `
spill: { enabled: false, directory: ${dataDir}.spill }
buffer: { size: 1MiB, max_batch_bytes: 256KiB, max_inflight_batches: 1, block_timeout: 20ms, flush_interval: 50ms }`);
  const load = spanLoad(c.otlpUrl);
  const posts = load.posts;
  try {
    // the ring fills behind the dead sink; once refusing for 1 s the collector is unready
    let body: { status: string; reason: string | null } | undefined;
    for (let i = 0; i < 600; i++) {
      const res = await fetch(`${c.telemetryUrl}/readyz`);
      const b = (await res.json()) as { status: string; reason: string | null };
      if (res.status === 503) {
        body = b;
        break;
      }
      await sleep(50);
    }
    assert.ok(body, `never unready: posts ${JSON.stringify(posts)}`);
    assert.match(body.reason ?? '', /every request refused for \d+\.\d s/);
    assert.ok((posts['503'] ?? 0) > 0);
    assert.equal((await fetch(`${c.telemetryUrl}/healthz`)).status, 200, 'a flush worker waiting on its exporter is alive');
    const doc = (await (await fetch(`${c.telemetryUrl}/status`)).json()) as { ready: boolean; ready_reason: string | null };
    assert.equal(doc.ready, false);
    assert.match(doc.ready_reason ?? '', /every request refused/);

    // the sink comes: the ring drains, requests are taken, ready again
    const sink = await startCollector({
      yaml: (dataDir) => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:${sinkPort} } } } }
exporters: { file: { directory: ${dataDir}, fsync: false } }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines: { traces: { receivers: [otlp], exporters: [file] } }
`,
    });
    collectors.push(sink);
    let readyAgain = false;
    for (let i = 0; i < 600 && !readyAgain; i++) {
      readyAgain = (await probe(`${c.telemetryUrl}/readyz`)) === 200;
      if (!readyAgain) await sleep(50);
    }
    assert.ok(readyAgain, `not ready again after the sink came: posts ${JSON.stringify(posts)}`);
    assert.ok((await sink.service.metrics.value('atc_receiver_accepted_spans_total')) > 0);
  } finally {
    await load.stop();
  }
  assert.equal((await fetch(`${c.telemetryUrl}/healthz`)).status, 200);
});

test('the flush worker beats while the collector idles (what /healthz watches)', { timeout: 30_000 }, async () => {
  const c = await startCollector();
  collectors.push(c);
  const ring = c.service.ring!;
  const b0 = ring.beats();
  await sleep(2500);
  assert.ok(ring.beats() >= b0 + 2, `beats ${b0} → ${ring.beats()}`);
  const res = await fetch(`${c.telemetryUrl}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok', reason: null });
});
