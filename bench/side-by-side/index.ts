// `bench/side-by-side`: ai-trace-collector against the OpenTelemetry Collector (built with the
// Collector Builder), same machine, same load, each collector pinned to core 0 and everything
// else (load generator, Kafka broker, scrape targets) to core 1. Prints tables with ratios.
//   node dist/bench/side-by-side/index.js [--seconds 8] [--only w1,w2,w3,idle,grpc,fusion,fusion-flat,fusion-rate,cores] [--ours-only] [--half-rate spans/s] [--trials 1]
// Part of `npm run bench`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startKafka, type KafkaServer } from '../../test/harness/kafka.js';
import { printTable } from '../table.js';
import { oursTraces, otelcolTraces, type Output } from './configs.js';
import { installOtelcol } from './otelcol.js';
import { bytesUnder, readKafkaTopic, readOtelcolFile, readOurFiles } from './outputs.js';
import { startOtelcol, startOurs, COLLECTOR_CPU, LOAD_CPU } from './processes.js';
import { fusionWarmupSeconds, traceRun, type LoadOptions, type TraceRun, type TraceSide } from './run-load.js';
import { idleBench } from './idle.js';
import { scrapeBench } from './scrape.js';
import { coresBench } from './cores.js';
import { fileURLToPath } from 'node:url';
import { hasReusePort } from '../../receivers/otlp/reuse-port.js';
import { node24 } from '../../test/harness/node24.js';
import { createDefaultConfig } from '../../connectors/fusion/config.js';

export interface SideBySideOptions {
  seconds?: number;
  only?: string[];
  /** runs ours alone (no Collector build needed): W1, W2, gRPC and fusion rows, no ratios */
  oursOnly?: boolean;
  /** the "half load" rate in spans/s instead of half the slower collector's flat-out rate (fusion: of fusion on's) */
  halfRate?: number;
  /** alternating trials of W1, W2, fusion (off/on pairs) and the cores part (ratios of medians) */
  trials?: number;
}

function oursSide(output: (dir: string) => Output, opts: { fusion?: boolean } = {}): TraceSide {
  return {
    name: opts.fusion ? 'ours + fusion' : 'ours',
    start: (dir, ports) => startOurs(dir, oursTraces(dir, ports, output(dir), opts), ports.http),
    outputBytes: (dir) => outputBytes(output(dir), dir, 'ours'),
    read: (dir, each) => readOutput(output(dir), dir, 'ours', each),
  };
}

function otelcolSide(bin: string, output: (dir: string) => Output): TraceSide {
  return {
    name: 'Collector',
    start: (dir, ports) => {
      const o = output(dir);
      if (o.kind === 'file') mkdirSync(o.dir, { recursive: true }); // its file exporter does not create directories
      return startOtelcol(bin, dir, otelcolTraces(ports, o), ports.http);
    },
    outputBytes: (dir) => outputBytes(output(dir), dir, 'otelcol'),
    read: (dir, each) => readOutput(output(dir), dir, 'otelcol', each),
  };
}

function outputBytes(o: Output, _dir: string, who: 'ours' | 'otelcol'): number {
  if (o.kind === 'file') return bytesUnder(who === 'ours' ? o.dir : join(o.dir, 'traces.binpb'));
  if (o.kind === 'kafka') return bytesUnder(o.logDir);
  return 0;
}

async function readOutput(o: Output, _dir: string, who: 'ours' | 'otelcol', each: (r: Uint8Array) => void): Promise<void> {
  if (o.kind === 'file') {
    if (who === 'ours') readOurFiles(o.dir, each);
    else readOtelcolFile(join(o.dir, 'traces.binpb'), each);
  } else if (o.kind === 'kafka') await readKafkaTopic(o.brokers, o.topic, each);
}

function row(workload: string, r: TraceRun): Record<string, string | number> {
  // progress while the tables wait for the end
  // CPU by kind of thread, per million spans: which thread a change moved
  const threads = Object.entries(r.threadCpu)
    .filter(([k, v]) => v > 0 && k !== 'other' && v >= 0.01)
    .map(([k, v]) => `${k} ${((v / Math.max(1, r.delivery.delivered)) * 1e6).toFixed(2)}`)
    .join(', ');
  process.stderr.write(`  ${workload} / ${r.collector}: ${Math.round(r.load.spansPerSec)} spans/s, ${r.cpuPerMillion.toFixed(2)} CPU-s/1M${threads ? ` (${threads})` : ''}, lost ${r.delivery.lost}, load generator ${(r.load.cpuSeconds / r.load.elapsed).toFixed(2)} of its core\n`);
  return {
    workload,
    collector: r.collector,
    'spans/s acked': r.load.spansPerSec,
    'CPU-s / 1M spans': r.cpuPerMillion,
    'p50 ms': r.load.p50,
    'p99 ms': r.load.p99,
    'peak RSS MiB': r.peakRssMiB,
    // compression traded for CPU shows here (Kafka: the broker's log, replicas and indexes included)
    'out B/span': Number.isFinite(r.outputBytesPerSpan) ? Math.round(r.outputBytesPerSpan) : '—',
    'acked spans': r.delivery.expected,
    lost: r.delivery.lost,
    duplicates: r.delivery.duplicates,
    refused: Object.entries(r.load.statuses).filter(([k]) => k !== '200').map(([k, v]) => `${k}:${v}`).join(' ') || '0',
  };
}

export interface Ratio {
  what: string;
  ours: number;
  collector: number;
  /** how many times better ours is (higher is better) */
  ratio: number;
  goal: string;
}

function ratioRow(r: Ratio): Record<string, string | number> {
  // a measure of ours alone (gRPC against HTTP, fusion on against off) has no Collector column
  const num = (n: number): string | number => (Number.isFinite(n) ? n : '—');
  return { measure: r.what, ours: num(r.ours), Collector: num(r.collector), 'ours better by': Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : '—', goal: r.goal };
}

/**
 * Flat out for both, then both at half the slower one's flat-out rate; with `trials` > 1 each
 * step runs that many times, ours and the Collector alternating, and the ratios are of medians
 * (this machine's runs of one build move by 10–20 %).
 */
async function pair(label: string, key: string, base: string, ours: TraceSide, otelcol: TraceSide | undefined, o: LoadOptions & { halfRate?: number }, rows: Record<string, string | number>[], ratios: Ratio[], trials = 1): Promise<void> {
  const tag = (t: number): string => (trials > 1 ? ` (trial ${t + 1})` : '');
  const flatA: TraceRun[] = [];
  const flatB: TraceRun[] = [];
  for (let t = 0; t < trials; t++) {
    const a = await traceRun(ours, join(base, `${key}-ours-flat-${t}`), o);
    rows.push(row(`${label} flat out${tag(t)}`, a));
    flatA.push(a);
    if (!otelcol) continue;
    const b = await traceRun(otelcol, join(base, `${key}-otelcol-flat-${t}`), o);
    rows.push(row(`${label} flat out${tag(t)}`, b));
    flatB.push(b);
  }
  const med = (rs: TraceRun[], f: (r: TraceRun) => number): number => median(rs.map(f));
  if (!otelcol) {
    // --ours-only: a developer's quick before/after, no ratios
    const half = { ...o, rate: o.halfRate ?? Math.max(1, Math.round((0.5 * med(flatA, (r) => r.load.spansPerSec)) / 100)) };
    for (let t = 0; t < trials; t++) rows.push(row(`${label} half load (${half.rate * 100} spans/s)${tag(t)}`, await traceRun(ours, join(base, `${key}-ours-half-${t}`), half)));
    return;
  }
  const of = trials > 1 ? `, median of ${trials}` : '';
  const cpu = (r: TraceRun): number => r.cpuPerMillion;
  const rss = (r: TraceRun): number => r.peakRssMiB;
  ratios.push({ what: `${label} CPU-s / 1M spans, flat out${of}`, ours: med(flatA, cpu), collector: med(flatB, cpu), ratio: med(flatB, cpu) / med(flatA, cpu), goal: '≥ 2×, zero loss' });
  ratios.push({ what: `${label} peak RSS MiB, flat out${of}`, ours: med(flatA, rss), collector: med(flatB, rss), ratio: med(flatB, rss) / med(flatA, rss), goal: '≥ 1×' });
  const halfRate = o.halfRate ?? Math.max(1, Math.round((0.5 * Math.min(med(flatA, (r) => r.load.spansPerSec), med(flatB, (r) => r.load.spansPerSec))) / 100));
  const half = { ...o, rate: halfRate };
  const halfA: TraceRun[] = [];
  const halfB: TraceRun[] = [];
  for (let t = 0; t < trials; t++) {
    const c = await traceRun(ours, join(base, `${key}-ours-half-${t}`), half);
    rows.push(row(`${label} half load (${halfRate * 100} spans/s)${tag(t)}`, c));
    halfA.push(c);
    const d = await traceRun(otelcol, join(base, `${key}-otelcol-half-${t}`), half);
    rows.push(row(`${label} half load (${halfRate * 100} spans/s)${tag(t)}`, d));
    halfB.push(d);
  }
  const p99 = (r: TraceRun): number => r.load.p99;
  ratios.push({ what: `${label} CPU-s / 1M spans, half load${of}`, ours: med(halfA, cpu), collector: med(halfB, cpu), ratio: med(halfB, cpu) / med(halfA, cpu), goal: '≥ 2×, zero loss' });
  ratios.push({ what: `${label} p99 ms, half load${of}`, ours: med(halfA, p99), collector: med(halfB, p99), ratio: med(halfB, p99) / med(halfA, p99), goal: '≥ 1×' });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Fusion's own cost: `trials` pairs of runs at `load`, fusion off then on, one row each. The
 * host's speed drifts between runs by more than fusion's share, so each pair is compared on its
 * own and the goal takes the median of the pairs' ratios.
 */
async function fusionPairs(label: string, tag: string, load: LoadOptions, base: string, rows: Record<string, string | number>[], trials: number): Promise<{ ratio: Ratio; fusedSpansPerSec: number }> {
  const file = (dir: string): Output => ({ kind: 'file', dir: join(dir, 'data') });
  const extra: number[] = [];
  const rates: number[] = [];
  // the bench runs fusion with its default late window
  const warmup = fusionWarmupSeconds(load, createDefaultConfig().lateWindowBytes);
  for (let t = 0; t < trials; t++) {
    // run directories as before for one trial (ATC_BENCH_CPU_PROF names profiles by them)
    const dir = (side: string): string => join(base, `fusion-${side}${tag ? `-${tag}` : ''}${trials > 1 ? `-${t + 1}` : ''}`);
    const of = trials > 1 ? ` (trial ${t + 1})` : '';
    const plain = await traceRun(oursSide(file), dir('off'), load, warmup);
    rows.push(row(`fusion off, ${label}${of}`, plain));
    const fused = await traceRun(oursSide(file, { fusion: true }), dir('on'), load, warmup);
    rows.push(row(`fusion on, ${label}${of}`, fused));
    extra.push(fused.cpuPerMillion / plain.cpuPerMillion - 1);
    rates.push(fused.load.spansPerSec);
  }
  const what = `fusion: extra CPU per span, ${label}${trials > 1 ? `, median of ${trials} pairs (${extra.map((x) => x.toFixed(2)).join(', ')})` : ''}`;
  return { ratio: { what, ours: median(extra), collector: NaN, ratio: NaN, goal: '≤ 0.5 (+50 %)' }, fusedSpansPerSec: median(rates) };
}

export async function sideBySideBench(opts: SideBySideOptions = {}): Promise<void> {
  const seconds = opts.seconds ?? Number(process.env['ATC_BENCH_SECONDS'] ?? 8);
  const only = new Set(opts.only ?? ['w1', 'w2', 'w3', 'idle', 'grpc', 'fusion', 'cores']);
  // ATC_OTELCOL_BIN: a Collector built elsewhere (it needs the components of otelcol.ts);
  // the cores part measures ours alone
  const bin = opts.oursOnly || [...only].every((p) => p === 'cores') ? '' : process.env['ATC_OTELCOL_BIN'] || (await installOtelcol());
  const theirs = (output: (dir: string) => Output): TraceSide | undefined => (opts.oursOnly ? undefined : otelcolSide(bin, output));
  // Everything this process starts (load generator, broker, scrape targets, kcat) inherits
  // the load core; the collectors are started on their own core explicitly.
  const affinity = execFileSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' }).trim().split(' ').pop()!;
  execFileSync('taskset', ['-a', '-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });
  const base = mkdtempSync(join(tmpdir(), 'atc-side-'));
  const o: LoadOptions & { halfRate?: number } = { seconds, rate: 0, connections: 64, ...(opts.halfRate ? { halfRate: Math.round(opts.halfRate / 100) } : {}) };
  const rows: Record<string, string | number>[] = [];
  const ratios: Ratio[] = [];
  let kafka: KafkaServer | undefined;
  console.log(`\n${bin ? `side by side with the OpenTelemetry Collector (${bin})` : 'ours alone'}; collectors on CPU ${COLLECTOR_CPU}, load and servers on CPU ${LOAD_CPU}; ${seconds}s per run, 64 keep-alive connections, 100-span requests`);
  try {
    if (only.has('w1')) {
      const file = (dir: string): Output => ({ kind: 'file', dir: join(dir, 'data') });
      await pair('W1 OTLP/HTTP → zstd files', 'w1', base, oursSide(file), theirs(file), o, rows, ratios, opts.trials ?? 1);
    }
    // the broker inherits this process's core (LOAD_CPU)
    if (only.has('w2') || only.has('idle')) kafka = await startKafka({ partitions: 6 });
    if (only.has('w2') && kafka) {
      const k = kafka;
      const out = (dir: string): Output => ({ kind: 'kafka', brokers: k.brokers, topic: `side-${dir.split('/').pop()}`, logDir: k.logDir });
      await pair('W2 OTLP/HTTP → Kafka', 'w2', base, oursSide(out), theirs(out), o, rows, ratios, opts.trials ?? 1);
    }
    if (only.has('grpc')) {
      const file = (dir: string): Output => ({ kind: 'file', dir: join(dir, 'data') });
      const grpc = { ...o, grpc: true };
      const g = await traceRun(oursSide(file), join(base, 'grpc-ours'), grpc);
      rows.push(row('OTLP/gRPC → zstd files', g));
      const h = await traceRun(oursSide(file), join(base, 'http-ours'), o);
      rows.push(row('OTLP/HTTP → zstd files', h));
      ratios.push({ what: 'ours: OTLP/gRPC ÷ OTLP/HTTP CPU per span, each flat out', ours: g.cpuPerMillion / h.cpuPerMillion, collector: NaN, ratio: h.cpuPerMillion / g.cpuPerMillion, goal: '' });
      // Flat out the two carry different rates (the grpc-js load generator saturates its core
      // first), and CPU per span depends on the rate: the goal's comparison is at one rate both
      // sustain — half the gRPC flat-out rate, as for W1/W2's half load (or --half-rate). Near the
      // generator's own limit its requests queue in it (p50 0.4–0.6 s) and arrive in bursts, so
      // the 90 % row is printed beside it, not taken as the goal.
      const gRate = (f: number): number => Math.max(1, Math.floor((f * g.load.spansPerSec) / 100));
      for (const [tag, rate] of [['half', o.halfRate ?? gRate(0.5)], ['near', gRate(0.9)]] as const) {
        const same = { ...o, rate };
        const g2 = await traceRun(oursSide(file), join(base, `grpc-ours-${tag}`), { ...same, grpc: true });
        rows.push(row(`OTLP/gRPC → zstd files, ${rate * 100} spans/s`, g2));
        const h2 = await traceRun(oursSide(file), join(base, `http-ours-${tag}`), same);
        rows.push(row(`OTLP/HTTP → zstd files, ${rate * 100} spans/s`, h2));
        ratios.push({ what: `ours: OTLP/gRPC ÷ OTLP/HTTP CPU per span, both at ${rate * 100} spans/s`, ours: g2.cpuPerMillion / h2.cpuPerMillion, collector: NaN, ratio: h2.cpuPerMillion / g2.cpuPerMillion, goal: tag === 'half' ? 'gRPC ≤ 1.3× HTTP' : '' });
      }
      if (!opts.oursOnly) {
        const c = await traceRun(otelcolSide(bin, file), join(base, 'grpc-otelcol'), grpc);
        rows.push(row('OTLP/gRPC → zstd files', c));
        ratios.push({ what: 'OTLP/gRPC CPU-s / 1M spans', ours: g.cpuPerMillion, collector: c.cpuPerMillion, ratio: c.cpuPerMillion / g.cpuPerMillion, goal: '' });
      }
    }
    const trials = opts.trials ?? 1;
    if (only.has('fusion-rate') && o.halfRate !== undefined) {
      // the rows at one fixed rate only (a quicker before/after of fusion's own cost)
      const rate = { ...o, rate: o.halfRate };
      ratios.push((await fusionPairs(`${rate.rate * 100} spans/s`, 'rate', rate, base, rows, trials)).ratio);
    }
    if (only.has('fusion-flat')) {
      // the flat-out rows only (fusion's cost where the flush worker is the bottleneck)
      ratios.push((await fusionPairs('flat out', '', o, base, rows, trials)).ratio);
    }
    if (only.has('fusion')) {
      const flat = await fusionPairs('flat out', '', o, base, rows, trials);
      ratios.push(flat.ratio);
      // Flat out, fusion on refuses requests (503) that still cost CPU; at a rate both
      // sustain, the two runs carry the same spans.
      // (--half-rate fixes it, so that two builds compare at one rate)
      const rate = { ...o, rate: o.halfRate ?? Math.max(1, Math.round((0.5 * flat.fusedSpansPerSec) / 100)) };
      ratios.push((await fusionPairs(`${rate.rate * 100} spans/s`, 'rate', rate, base, rows, trials)).ratio);
    }
    if (rows.length > 0) printTable('Side by side: OTLP traces (lost/duplicates counted from the outputs against acknowledged requests)', rows);
    // ours needs reusePort for worker threads: on an older node the part runs in a Node 24
    // child (so ours and the load generator run under it), which prints its own tables
    const cores = only.has('cores') && hasReusePort();
    if (cores) ratios.push(...(await coresBench(base, o, opts.trials ?? 1)));
    if (only.has('w3')) ratios.push(...(await scrapeBench(bin, join(base, 'w3'), seconds, opts.oursOnly)));
    if (only.has('idle') && kafka && !opts.oursOnly) ratios.push(...(await idleBench(bin, join(base, 'idle'), kafka)));
    if (ratios.length > 0) printTable('Side by side: ratios (higher "better by" is better for ours)', ratios.map(ratioRow));
    if (only.has('cores') && !cores) {
      const args = ['--only', 'cores', '--seconds', String(seconds), '--trials', String(opts.trials ?? 1)];
      execFileSync(node24(), [fileURLToPath(import.meta.url), ...args], { stdio: 'inherit' });
    }
  } finally {
    await kafka?.close();
    // ATC_BENCH_KEEP=1 keeps the run directories (collectors' logs) for a look afterwards
    if (process.env['ATC_BENCH_KEEP']) console.log(`kept ${base}`);
    else rmSync(base, { recursive: true, force: true });
    execFileSync('taskset', ['-a', '-p', affinity, String(process.pid)], { stdio: 'ignore' });
  }
}

if (process.argv[1]?.endsWith('side-by-side/index.js')) {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, only: { type: 'string' }, 'ours-only': { type: 'boolean' }, 'half-rate': { type: 'string' }, trials: { type: 'string' } } });
  await sideBySideBench({ seconds: values.seconds ? Number(values.seconds) : undefined, only: values.only?.split(','), oursOnly: values['ours-only'], halfRate: values['half-rate'] ? Number(values['half-rate']) : undefined, trials: values.trials ? Number(values.trials) : undefined });
}
