// Starting both collectors pinned to a core, and reading their CPU time and peak RSS from
// /proc, which counts every thread (flush worker, Go runtime threads, GC helpers) alike.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// the program's entry (registers the components, then runs the command line)
const CLI = fileURLToPath(new URL('../../main.js', import.meta.url));
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Core for the collector under test, and for everything else (load, broker, targets). */
export const COLLECTOR_CPU = '0';
export const LOAD_CPU = '1';

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** user + system CPU seconds so far, all threads */
  cpu(): number;
  /** peak resident set (VmHWM), MiB */
  peakRssMiB(): number;
  /** SIGTERM, wait for exit (SIGKILL after 30 s) */
  stop(): Promise<void>;
}

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

async function waitForPort(port: number, child: ChildProcess, name: string, log: () => string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited before listening:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`${name} not listening on ${port} after ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function pinned(name: string, cpus: string, argv: string[], readyPort: number, logFile: string): Promise<Proc> {
  // placeholder credentials: an S3 exporter configured for the idle run never sends
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench-secret', AWS_REGION: 'us-east-1' };
  const child = spawn('taskset', ['-c', cpus, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  // the tail of the log; more of it when ATC_BENCH_NODE_ARGS asks for traces (--trace-gc)
  const tail = process.env['ATC_BENCH_NODE_ARGS'] ? 4_000_000 : 20_000;
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-tail);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit');
  const proc: Proc = {
    name,
    child,
    pid: child.pid!,
    cpu: () => cpuSeconds(child.pid!),
    peakRssMiB: () => peakRssMiB(child.pid!),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(t);
      }
      writeFileSync(logFile, out);
    },
  };
  return waitForPort(readyPort, child, name, () => out).then(
    () => proc,
    async (e: Error) => {
      await proc.stop();
      throw e;
    },
  );
}

/** ai-trace-collector `run` with `yaml`, ready once `readyPort` accepts. */
export function startOurs(dir: string, yaml: string, readyPort: number, cpus = COLLECTOR_CPU, nodeArgs: string[] = ['--max-semi-space-size=4']): Promise<Proc> {
  // nodeArgs: as `npm start` and the container image run it
  const cfg = join(dir, 'ours.yaml');
  writeFileSync(cfg, yaml);
  // ATC_BENCH_CPU_PROF=DIR: a V8 CPU profile of every thread of ours, per run in DIR/<run>
  // (summarise with dist/bench/cpu-profile-top.js). Sampled every 5 ms, not 1 ms: the
  // samplers' own CPU would keep a run from ever looking quiet (settle) after its load.
  const prof = process.env['ATC_BENCH_CPU_PROF'];
  const profArgs = prof ? ['--cpu-prof', '--cpu-prof-interval=5000', `--cpu-prof-dir=${join(prof, basename(dir))}`] : [];
  // ATC_BENCH_NODE_ARGS: extra node/V8 flags for ours, space-separated (experiments)
  const extra = (process.env['ATC_BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  return pinned('ours', cpus, [process.execPath, ...profArgs, ...nodeArgs, ...extra, CLI, 'run', '--config', cfg], readyPort, join(dir, 'ours.log'));
}

export function startOtelcol(bin: string, dir: string, yaml: string, readyPort: number, cpus = COLLECTOR_CPU): Promise<Proc> {
  const cfg = join(dir, 'otelcol.yaml');
  writeFileSync(cfg, yaml);
  return pinned('otelcol', cpus, [bin, '--config', cfg], readyPort, join(dir, 'otelcol.log'));
}
