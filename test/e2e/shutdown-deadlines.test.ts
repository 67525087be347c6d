// SIGTERM at any point of start-up, and with slow clients connected: the collector exits 0
// within service.shutdown_timeout, and every request it answered 200 is in the output.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeRequest } from '../../src/otlp/index.js';
import { IngestWal } from '../../src/wal/ingest-wal.js';
import { CLI, spawnCollector } from '../harness/cli-process.js';
import { readStored, storedSpans, tempDir } from '../harness/collector.js';
import { freePort } from '../harness/kafka.js';

const SHUTDOWN_MS = 6000;
// process start/exit overhead on a loaded 2-core machine, on top of the deadline
const SLACK_MS = 2500;

const spans = (tag: string, n: number, pad = 0): Uint8Array =>
  encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: n }, (_, k) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: `${tag}-s${k}${pad ? ' ' + 'x'.repeat(pad) : ''}` })) }] }] });

function config(dir: string, port: number, extra = ''): string {
  const file = join(dir, 'config.yaml');
  writeFileSync(file, `receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:${port}" } } } }
exporters: { file: { directory: ${dir}/out } }
buffer: { size: 1MiB, max_batch_bytes: 256KiB, flush_interval: 50ms${extra} }
spill: { directory: ${dir}/spill }
service:
  shutdown_timeout: ${SHUTDOWN_MS}ms
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: info } }
  pipelines: { traces: { receivers: [otlp], exporters: [file] } }
`);
  return file;
}

interface Child {
  child: ChildProcess;
  exited: Promise<number | null>;
  logs: () => string;
  /** the first log line: signal handlers are installed */
  starting: Promise<void>;
  /** the WAL open logged records to replay (the replay follows once the flush worker runs) */
  replayAhead: Promise<void>;
  ready: Promise<void>;
}

function launch(configFile: string): Child {
  const child = fork(CLI, ['run', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let out = '';
  let markStarting!: () => void;
  const starting = new Promise<void>((r) => (markStarting = r));
  let markReplayAhead!: () => void;
  const replayAhead = new Promise<void>((r) => (markReplayAhead = r));
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('"msg":"starting"')) markStarting();
    if (out.includes('replaying them')) markReplayAhead();
  });
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve) => child.on('message', (m: { type: string }) => m.type === 'ready' && resolve()));
  return { child, exited, logs: () => out, starting, replayAhead, ready };
}

/** Posts numbered requests to the port until stopped; remembers the span names answered 200. */
function load(port: number, run: number): { stop(): Promise<Set<string>> } {
  const acked = new Set<string>();
  let stopped = false;
  const loops = Array.from({ length: 3 }, async (_, w) => {
    for (let seq = 0; !stopped; seq++) {
      const tag = `run${run}-w${w}-r${seq}`;
      try {
        const r = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', body: spans(tag, 5), headers: { 'content-type': 'application/x-protobuf' }, signal: AbortSignal.timeout(5000) });
        await r.arrayBuffer();
        if (r.status === 200) for (let k = 0; k < 5; k++) acked.add(`${tag}-s${k}`);
      } catch {
        await new Promise((r) => setTimeout(r, 10)); // not listening yet, or closed
      }
    }
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      return acked;
    },
  };
}

test('SIGTERM at 21 points of start-up (WAL replay included): exit 0 within the deadline, nothing answered 200 lost', { timeout: 480_000 }, async () => {
  // a write-ahead log with 2 MiB of records to replay through a 1 MiB ring: start-up spends a while in it
  const walSeed = tempDir();
  const { wal } = await IngestWal.open({ directory: walSeed, maxBytes: 1 << 30, segmentBytes: 1 << 20, fsync: 'never' });
  for (let i = 0; i < 1000; i++) await wal.append(0, 1, 1, spans(`seed${i}`, 1, 2000), 1);
  await wal.close();

  // run 0 measures how long a start takes (to "ready") to spread the signals over it
  let startMs = 0;
  const runs = 21;
  let duringReplay = 0;
  // Spread signals can all miss the replay on a machine whose timing differs from run 0's; then
  // up to 4 more runs aim at it: signalled a growing delay after the WAL announced its replay.
  // Whether one lands inside the replay is timing (printed, not asserted): every run is checked
  // for exit 0 within the deadline and nothing answered 200 lost.
  const extra = 4;
  let run = 0;
  for (; run < runs || (duringReplay === 0 && run < runs + extra); run++) {
    const dir = tempDir();
    cpSync(walSeed, join(dir, 'wal'), { recursive: true });
    const port = await freePort();
    const c = launch(config(dir, port, `, durability: disk, wal: { directory: ${dir}/wal, fsync: never }`));
    const traffic = load(port, run);
    await c.starting;
    const t0 = Date.now();
    if (run === 0) {
      await c.ready;
      startMs = Date.now() - t0;
    } else if (run < runs) {
      await Promise.race([new Promise((r) => setTimeout(r, ((run - 1) / (runs - 2)) * startMs * 1.3)), c.exited]);
    } else {
      await Promise.race([c.replayAhead, c.exited]);
      await Promise.race([new Promise((r) => setTimeout(r, (run - runs) * 40)), c.exited]);
    }
    const signalled = Date.now();
    c.child.kill('SIGTERM');
    const code = await c.exited;
    const took = Date.now() - signalled;
    const acked = await traffic.stop();
    assert.equal(code, 0, `run ${run}: exit code ${code}\n${c.logs()}`);
    assert.ok(took < SHUTDOWN_MS + SLACK_MS, `run ${run}: exit took ${took} ms\n${c.logs()}`);
    if (c.logs().includes('stop requested during the write-ahead log replay')) duringReplay++;
    // a stop before the exporters started leaves no output directory
    const out = new Set(existsSync(join(dir, 'out')) ? storedSpans(readStored(join(dir, 'out'))).map((s) => String(s.span['name'])) : []);
    const lost = [...acked].filter((n) => !out.has(n));
    assert.deepEqual(lost, [], `run ${run}: answered 200 but not written\n${c.logs()}`);
  }
  console.log(`# SIGTERM during start-up: ${run} runs over a ${startMs} ms start, ${duringReplay} during the WAL replay, all exit 0, nothing lost`);
});

test('slow clients during SIGTERM: cut at the deadline, exit 0 within service.shutdown_timeout', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const port = await freePort();
  const c = await spawnCollector(['--config', config(dir, port)]);
  const ok = await fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body: spans('before', 3), headers: { 'content-type': 'application/x-protobuf' } });
  assert.equal(ok.status, 200);
  const open = (first: string): Promise<{ socket: Socket; answer: Promise<string> }> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(first);
        let got = '';
        socket.on('data', (d) => (got += d.toString()));
        resolve({ socket, answer: new Promise((r) => socket.on('close', () => r(got))) });
      });
      socket.on('error', reject);
    });
  // headers never finished; a body that stops half-way; both trickle a byte now and then
  const slowHeaders = await open('POST /v1/traces HTTP/1.1\r\nhost: x\r\n');
  const slowBody = await open('POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\ncontent-length: 100000\r\n\r\n\x0a');
  const trickle = setInterval(() => {
    slowHeaders.socket.write('x');
    slowBody.socket.write('\x00');
  }, 500);
  const signalled = Date.now();
  c.child.kill('SIGTERM');
  const code = await c.exited;
  const took = Date.now() - signalled;
  clearInterval(trickle);
  assert.equal(code, 0, c.logs());
  assert.ok(took < SHUTDOWN_MS + SLACK_MS, `exit took ${took} ms (deadline ${SHUTDOWN_MS} ms)`);
  assert.ok(took >= SHUTDOWN_MS / 3 - 200, `exit after ${took} ms: the slow clients were not given their time`);
  // both connections are closed by then: one without a whole header at once (Node's close()
  // treats it as idle), one whose body stalls at the deadline with 408 (which the client may
  // miss: closing with its unread bytes resets the connection)
  assert.match(await slowHeaders.answer, /^(HTTP\/1\.1 408 .*)?$/s);
  assert.match(await slowBody.answer, /^(HTTP\/1\.1 408 .*)?$/s);
  assert.match(c.logs(), /cutting slow clients/);
  const out = storedSpans(readStored(join(dir, 'out'))).map((s) => String(s.span['name']));
  assert.deepEqual(out.sort(), ['before-s0', 'before-s1', 'before-s2']);
});
