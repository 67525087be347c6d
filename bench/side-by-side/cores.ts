// `--only cores`: does ours scale with cores? W1 (OTLP/HTTP → zstd files) flat out, three ways
// (ours needs reusePort, Node ≥ 22.12: index.ts runs this part under Node 24 when needed): pinned to one core with worker_threads 0 (the baseline);
// given both cores with worker_threads 0 (the flush worker gets a core of its own, the
// receiver stays on one thread); given both cores with worker_threads 1 (two receiver threads).
// On a 2-CPU machine the load generator stays on CPU 1, so with both cores it shares one with
// ours: its CPU is reported beside ours (and the ceiling that sharing sets). With 3 CPUs or
// more it runs on CPUs 2.. and shares nothing. Throughput is spans/s acknowledged and
// delivered (zero loss checked).
import { cpus as onlineCpus } from 'node:os';
import { join } from 'node:path';
import { printTable } from '../table.js';
import { oursTraces, type Output } from './configs.js';
import { readOurFiles, bytesUnder } from './outputs.js';
import { startOurs, COLLECTOR_CPU, LOAD_CPU } from './processes.js';
import { traceRun, type LoadOptions, type TraceRun, type TraceSide } from './run-load.js';
import type { Ratio } from './index.js';

interface Setup {
  label: string;
  cpus: string;
  workerThreads: number;
}

const SETUPS: readonly Setup[] = [
  { label: 'one core, worker_threads 0', cpus: COLLECTOR_CPU, workerThreads: 0 },
  { label: 'two cores, worker_threads 0', cpus: '0,1', workerThreads: 0 },
  { label: 'two cores, worker_threads 1', cpus: '0,1', workerThreads: 1 },
];

function side(s: Setup): TraceSide {
  const out = (dir: string): Output => ({ kind: 'file', dir: join(dir, 'data') });
  return {
    name: `ours (${s.label})`,
    start: (dir, ports) => startOurs(dir, oursTraces(dir, ports, out(dir), { workerThreads: s.workerThreads }), ports.http, s.cpus),
    outputBytes: (dir) => bytesUnder(join(dir, 'data')),
    read: async (dir, each) => readOurFiles(join(dir, 'data'), each),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the three setups `trials` times, alternating; prints each run and the medians. */
export async function coresBench(base: string, o: LoadOptions, trials: number): Promise<Ratio[]> {
  // every online CPU: this process has pinned itself to LOAD_CPU already
  const cpus = onlineCpus().length;
  const loadCpus = cpus >= 3 ? `2-${cpus - 1}` : LOAD_CPU;
  const runs = new Map<Setup, TraceRun[]>(SETUPS.map((s) => [s, []]));
  const rows: Record<string, string | number>[] = [];
  for (let t = 0; t < trials; t++) {
    for (const s of SETUPS) {
      const r = await traceRun(side(s), join(base, `cores-${s.workerThreads}-${s.cpus.replace(',', '')}-${t}`), { ...o, loadCpus });
      runs.get(s)!.push(r);
      process.stderr.write(`  cores / ${s.label} #${t + 1}: ${Math.round(r.load.spansPerSec)} spans/s, ours ${r.cpuSeconds.toFixed(1)} CPU-s, load generator ${r.load.cpuSeconds.toFixed(1)} CPU-s, lost ${r.delivery.lost}\n`);
      rows.push({
        setup: s.label,
        trial: t + 1,
        'spans/s acked': r.load.spansPerSec,
        'ours CPU (cores busy)': r.cpuSeconds / o.seconds,
        'load generator CPU (cores busy)': r.load.cpuSeconds / o.seconds,
        'CPU-s / 1M spans': r.cpuPerMillion,
        // which thread is the bottleneck: cores busy per kind of thread
        'main / receiver workers / flush / V8+libuv': ['main', 'receiver workers', 'flush'].map((k) => ((r.threadCpu[k] ?? 0) / o.seconds).toFixed(2)).concat((((r.threadCpu['V8 helpers'] ?? 0) + (r.threadCpu['libuv pool'] ?? 0)) / o.seconds).toFixed(2)).join(' / '),
        'p99 ms': r.load.p99,
        'peak RSS MiB': r.peakRssMiB,
        lost: r.delivery.lost,
        duplicates: r.delivery.duplicates,
        refused: Object.entries(r.load.statuses).filter(([k]) => k !== '200').map(([k, v]) => `${k}:${v}`).join(' ') || '0',
      });
    }
  }
  printTable(`Scaling with cores: ours under Node ${process.versions.node}, W1 flat out, load generator on CPU ${loadCpus} (${trials} alternating trial${trials > 1 ? 's' : ''})`, rows);
  const rate = (s: Setup): number => median(runs.get(s)!.map((r) => r.load.spansPerSec));
  const [one, twoPlain, twoThreads] = SETUPS.map(rate) as [number, number, number];
  // With the load generator on the same two cores, two cores carry at most 2 / (c + l) spans/s
  // (c, l: ours' and the generator's CPU-s per span); one core saturated carries 1 / c. So no
  // collector can show more than 2c / (c + l) here, however well it scales.
  const oneRuns = runs.get(SETUPS[0]!)!;
  const c = median(oneRuns.map((r) => r.cpuPerMillion));
  const l = median(oneRuns.map((r) => (r.load.cpuSeconds / r.delivery.delivered) * 1e6));
  const ceiling: Ratio[] = loadCpus === LOAD_CPU ? [{ what: `cores: the most two shared cores allow, 2c / (c + l) (c = ${c.toFixed(2)}, l = ${l.toFixed(2)} CPU-s / 1M spans)`, ours: (2 * c) / (c + l), collector: NaN, ratio: NaN, goal: '' }] : [];
  return [
    ...ceiling,
    { what: 'cores: two cores + worker_threads 1 ÷ one core, spans/s', ours: twoThreads / one, collector: NaN, ratio: NaN, goal: '≥ 1.7×' },
    { what: 'cores: two cores + worker_threads 0 ÷ one core, spans/s', ours: twoPlain / one, collector: NaN, ratio: NaN, goal: '' },
  ];
}
