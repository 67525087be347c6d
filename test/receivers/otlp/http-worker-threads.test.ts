// OTLP/HTTP served by the main thread and a worker thread on the same port (worker_threads: 1,
// reusePort, so the collector runs under Node 24): many keep-alive connections with unique
// spans; every acknowledged span lands in the file exporter's output exactly once, both
// threads served requests, the self-metrics count what both accepted; SIGTERM under load loses
// nothing acknowledged. On a Node without reusePort the key is refused at validation.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeRequest } from '../../../src/otlp/index.js';
import { hasReusePort } from '../../../receivers/otlp/reuse-port.js';
import { runCli, spawnCollector, type RunningCollector } from '../../harness/cli-process.js';
import { readStored, storedSpans, tempDir } from '../../harness/collector.js';
import { node24 } from '../../harness/node24.js';

const SPANS = 10;
const CONNECTIONS = 32;

function config(dir: string, workerThreads: number, extra = ''): string {
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0", worker_threads: ${workerThreads} } } }
exporters:
  file: { directory: ${dir}/data, fsync: false }
buffer: { flush_interval: 100ms${extra} }
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: info } }
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
`,
  );
  return file;
}

const spans = (conn: number, seq: number): Uint8Array =>
  encodeRequest('traces', {
    resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: SPANS }, (_, k) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: `c${conn}-r${seq}-s${k}` })) }] }],
  });

function post(agent: Agent, url: string, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/traces`, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Load {
  acked: Set<string>;
  requests: number;
  statuses: Record<string, number>;
}

/** CONNECTIONS keep-alive loops, each sending numbered requests until `more()` says stop. */
async function load(c: RunningCollector, more: (seq: number) => boolean): Promise<Load> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const out: Load = { acked: new Set(), requests: 0, statuses: {} };
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, conn) => {
      for (let seq = 0; more(seq); seq++) {
        let status = 'error';
        try {
          status = String(await post(agent, c.otlpUrl, spans(conn, seq)));
        } catch {
          // reset or refused once the receiver stopped: not acknowledged
        }
        out.requests++;
        out.statuses[status] = (out.statuses[status] ?? 0) + 1;
        if (status === '200') for (let k = 0; k < SPANS; k++) out.acked.add(`c${conn}-r${seq}-s${k}`);
        else await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  agent.destroy();
  return out;
}

/** A counter's value per label set from the Prometheus text, keyed by the label text. */
async function counter(c: RunningCollector, name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${c.telemetryUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Names of the stored spans, and how many names occur more than once. */
function stored(dir: string): { names: Set<string>; duplicates: number } {
  const all = storedSpans(readStored(join(dir, 'data'))).map((s) => String(s.span['name']));
  const names = new Set(all);
  return { names, duplicates: all.length - names.size };
}

test('worker_threads: 1 — both threads serve; every acknowledged span stored exactly once; the counters include the worker', { timeout: 240_000 }, async () => {
  const dir = tempDir();
  const c = await spawnCollector(['--config', config(dir, 1)], {}, node24());
  try {
    const REQUESTS = 40;
    const l = await load(c, (seq) => seq < REQUESTS);
    assert.equal(l.statuses['200'], CONNECTIONS * REQUESTS, JSON.stringify(l.statuses));
    // the worker's metrics arrive in one message per 250 ms
    await new Promise((r) => setTimeout(r, 800));
    const threads = await counter(c, 'atc_receiver_http_thread_requests_total');
    const main = threads.get('receiver="otlp",thread="main"') ?? 0;
    const worker = threads.get('receiver="otlp",thread="worker-1"') ?? 0;
    assert.ok(main > 0 && worker > 0, `both threads serve: main ${main}, worker ${worker}`);
    assert.equal(main + worker, l.requests, 'every request counted by the thread that served it');
    const accepted = await counter(c, 'atc_receiver_accepted_spans_total');
    assert.equal(accepted.get('receiver="otlp",transport="http"'), l.acked.size, 'accepted spans include what the worker took');
    c.child.kill('SIGTERM');
    assert.equal(await c.exited, 0, c.logs());
    const s = stored(dir);
    assert.equal(s.duplicates, 0, 'no span stored twice');
    assert.deepEqual([...l.acked].filter((n) => !s.names.has(n)), [], 'acknowledged spans lost');
    assert.equal(s.names.size, l.acked.size, 'spans stored that were never acknowledged');
  } finally {
    c.child.kill('SIGKILL');
  }
});

test('worker_threads: 1 — SIGTERM under load: every acknowledged span is stored, exit 0', { timeout: 240_000 }, async () => {
  const dir = tempDir();
  const c = await spawnCollector(['--config', config(dir, 1)], {}, node24());
  try {
    let stop = false;
    const running = load(c, () => !stop);
    await new Promise((r) => setTimeout(r, 2000));
    const threads = await counter(c, 'atc_receiver_http_thread_requests_total');
    c.child.kill('SIGTERM');
    const code = await c.exited;
    stop = true;
    const l = await running;
    assert.equal(code, 0, c.logs());
    assert.match(c.logs(), /shutdown complete/);
    assert.ok((threads.get('receiver="otlp",thread="worker-1"') ?? 0) > 0 && (threads.get('receiver="otlp",thread="main"') ?? 0) > 0, `both threads served before the signal: ${JSON.stringify([...threads])}`);
    assert.ok(l.acked.size > 1000, `only ${l.acked.size} spans acknowledged`);
    const s = stored(dir);
    assert.equal(s.duplicates, 0, 'no span stored twice');
    const lost = [...l.acked].filter((n) => !s.names.has(n));
    assert.equal(lost.length, 0, `${lost.length} acknowledged spans lost`);
  } finally {
    c.child.kill('SIGKILL');
  }
});

test('worker_threads with durability: disk fails the start, naming the key', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const file = config(dir, 1, `, durability: disk, wal: { directory: ${dir}/wal }`);
  await assert.rejects(spawnCollector(['--config', file], {}, node24()), /receivers\.otlp\.protocols\.http\.worker_threads: buffer\.durability: disk/);
});

test('reusePort: Node.js 22.12, 23.1 and later', () => {
  for (const v of ['v20.19.0', '22.11.0', '23.0.0', '18.20.1']) assert.equal(hasReusePort(v), false, v);
  for (const v of ['v22.12.0', '22.20.1', '23.1.0', 'v24.11.1', '25.0.0']) assert.equal(hasReusePort(v), true, v);
});

test('validate: worker_threads > 0 is refused with its key path where reusePort is missing', () => {
  const dir = tempDir();
  const r = runCli(['validate', '--config', config(dir, 2)]);
  if (hasReusePort()) {
    assert.equal(r.status, 0, r.stderr);
  } else {
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /receivers\.otlp\.protocols\.http\.worker_threads: worker threads share the port with reusePort, which needs Node\.js 22\.12/);
    assert.match(r.stderr, new RegExp(`this is Node\\.js ${process.version.replace(/\./g, '\\.')}`));
  }
  const ok = runCli(['validate', '--config', config(dir, 0)]);
  assert.equal(ok.status, 0, ok.stderr);
});
