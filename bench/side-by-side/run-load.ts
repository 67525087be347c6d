// One measured load run: start a collector pinned to its core, warm it up, drive the load
// generator from the other core, wait until the output stops growing, read CPU and peak RSS,
// stop the collector (it drains), then count what arrived against what was acknowledged.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DeliveryCounter, type Delivery } from './delivery-count.js';
import { newRunKey } from './fixture.js';
import { LOAD_CPU, freePort, type Proc } from './processes.js';
import { threadCpuSeconds } from './thread-cpu.js';
import type { Ports } from './configs.js';

const execFileP = promisify(execFile);
const LOADGEN = fileURLToPath(new URL('./load-generator.js', import.meta.url));
export const SPANS_PER_REQUEST = 100;

export interface LoadOptions {
  seconds: number;
  /** requests per second; 0 = flat out */
  rate: number;
  connections: number;
  grpc?: boolean;
}

export interface LoadResult {
  requests: number;
  okRequests: number;
  spansAcked: number;
  spansPerSec: number;
  /** seconds the load ran */
  elapsed: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  bodyBytes: number;
  /** the load generator's own CPU seconds over the run */
  cpuSeconds: number;
}

export async function newPorts(): Promise<Ports> {
  return { http: await freePort(), grpc: await freePort(), telemetry: await freePort() };
}

export async function loadGenerator(ports: Ports, o: LoadOptions & { loadCpus?: string }, dir: string): Promise<{ result: LoadResult; acked: Uint8Array; key: Buffer; nonce: number }> {
  const rk = newRunKey();
  const ackedFile = join(dir, `acked-${rk.nonce}.bin`);
  const target = o.grpc ? `127.0.0.1:${ports.grpc}` : `http://127.0.0.1:${ports.http}/v1/traces`;
  const args = [LOADGEN, '--target', target, '--connections', String(o.connections), '--seconds', String(o.seconds), '--rate', String(o.rate), '--spans', String(SPANS_PER_REQUEST), '--key', rk.key.toString('hex'), '--nonce', String(rk.nonce), '--acked', ackedFile];
  if (o.grpc) args.push('--grpc');
  const { stdout } = await execFileP('taskset', ['-c', o.loadCpus ?? LOAD_CPU, process.execPath, ...args], { maxBuffer: 16 * 1024 * 1024, timeout: (o.seconds + 120) * 1000 });
  return { result: JSON.parse(stdout) as LoadResult, acked: new Uint8Array(readFileSync(ackedFile)), key: rk.key, nonce: rk.nonce };
}

/** Waits until the output size and the process's CPU stop moving (at most `maxMs`). */
export async function settle(proc: Proc, outputBytes: () => number, maxMs = 60_000): Promise<void> {
  const until = Date.now() + maxMs;
  let bytes = outputBytes();
  let cpu = proc.cpu();
  let quiet = 0;
  while (Date.now() < until && quiet < 3) {
    await new Promise((r) => setTimeout(r, 500));
    const b = outputBytes();
    const c = proc.cpu();
    quiet = b === bytes && c - cpu < 0.02 ? quiet + 1 : 0;
    bytes = b;
    cpu = c;
  }
}

export interface TraceRun {
  collector: string;
  load: LoadResult;
  cpuSeconds: number;
  cpuPerMillion: number;
  peakRssMiB: number;
  /** output bytes (compressed files, or the Kafka log) written during the load, per span delivered */
  outputBytesPerSpan: number;
  delivery: Delivery;
  /** CPU seconds during the load by kind of thread (threadCpuSeconds) */
  threadCpu: Record<string, number>;
}

export interface TraceSide {
  name: string;
  start(dir: string, ports: Ports): Promise<Proc>;
  outputBytes(dir: string): number;
  /** reads every request the collector delivered (after it stopped) */
  read(dir: string, each: (request: Uint8Array) => void): Promise<void>;
}

/**
 * Warm-up before a measured run: 2 s, and at a fixed rate long enough for 5,000 requests (at
 * most 20 s). V8 optimizes each function after a number of calls, so at a low rate ours keeps
 * compiling for many seconds (at 200 requests/s the receiver alone still spent 19 % of its CPU
 * in TurboFan 3–9 s in); the goal is the steady state of a long-running collector. The
 * Collector gets the same warm-up.
 */
export function warmupSecondsFor(o: LoadOptions): number {
  return o.rate > 0 ? Math.min(20, Math.max(2, Math.ceil(5000 / o.rate))) : 2;
}

/** outline bytes the late window keeps per span of this load (measured: 84 MB of chunks for 21 s at 95,400 spans/s) */
const OUTLINE_BYTES_PER_SPAN = 42;

/**
 * Warm-up before fusion's runs: until fusion's late window is full, its steady state. Until then
 * each emission's outline goes into a newly allocated chunk (up to late_window_bytes, 64 MiB by
 * default), which V8 counts as external memory and answers with a full collection of fusion's
 * large heap every 2–4 s; once full, the chunks are reused and those collections come every
 * ~10 s (docs/benchmarks.md, "Issue 18, eighth pass"). At 95,400 spans/s that takes ~17 s; flat
 * out (a rate not known before) 20 s. Both runs of a pair get it, so they differ in fusion only.
 */
export function fusionWarmupSeconds(o: LoadOptions, lateWindowBytes: number): number {
  const fill = o.rate > 0 ? Math.ceil(lateWindowBytes / (o.rate * 100 * OUTLINE_BYTES_PER_SPAN)) + 2 : 20;
  return Math.max(warmupSecondsFor(o), Math.min(62, fill));
}

export async function traceRun(side: TraceSide, dir: string, o: LoadOptions & { loadCpus?: string }, warmupSeconds = warmupSecondsFor(o)): Promise<TraceRun> {
  mkdirSync(dir, { recursive: true });
  const ports = await newPorts();
  const proc = await side.start(dir, ports);
  try {
    if (warmupSeconds > 0) await loadGenerator(ports, { ...o, seconds: warmupSeconds }, dir);
    await settle(proc, () => side.outputBytes(dir), 30_000);
    const cpu0 = proc.cpu();
    const threads0 = threadCpuSeconds(proc.pid);
    const bytes0 = side.outputBytes(dir);
    const lg = await loadGenerator(ports, o, dir);
    await settle(proc, () => side.outputBytes(dir));
    const cpu1 = proc.cpu();
    const threads1 = threadCpuSeconds(proc.pid);
    const bytes1 = side.outputBytes(dir);
    const rss = proc.peakRssMiB();
    await proc.stop();
    const counter = new DeliveryCounter(lg.key, lg.nonce, lg.acked.length, SPANS_PER_REQUEST);
    await side.read(dir, (r) => counter.add(r));
    const cpuSeconds = cpu1 - cpu0;
    const delivery = counter.report(lg.acked);
    if (delivery.lost > 0) {
      // say why: the collector's own log (errors only; the rest is start-up noise)
      const log = join(dir, side.name === 'Collector' ? 'otelcol.log' : 'ours.log');
      const errs = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => /error|drop|too large|fail/i.test(l)) : [];
      process.stderr.write(`  ${side.name} lost ${delivery.lost} acknowledged spans; its log says (${errs.length} lines, first 3):\n${errs.slice(0, 3).map((l) => `    ${l.slice(0, 400)}`).join('\n')}\n`);
    }
    return {
      collector: side.name,
      load: lg.result,
      cpuSeconds,
      // per span that was acknowledged and arrived: dropping work must not look cheap
      cpuPerMillion: delivery.delivered > 0 ? (cpuSeconds / delivery.delivered) * 1e6 : NaN,
      peakRssMiB: rss,
      outputBytesPerSpan: delivery.delivered > 0 ? (bytes1 - bytes0) / delivery.delivered : NaN,
      delivery,
      threadCpu: Object.fromEntries(Object.entries(threads1).map(([k, v]) => [k, v - (threads0[k] ?? 0)])),
    };
  } finally {
    await proc.stop();
  }
}
