// GPU receivers: Kineto events/s parsed and converted with the peak RSS of the collector
// process for a large trace (default 500 MB; ATC_BENCH_KINETO_MB), and the NVML poll cost per
// device per interval, against the NVML stub library (a real GPU: bench/gpu-check.sh).
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKinetoTrace } from '../test/fixtures/kineto/generate.js';
import { buildNvmlStub, writeScenario } from '../test/harness/nvml-stub/build.js';
import { printTable } from './table.js';

const CLI = fileURLToPath(new URL('../main.js', import.meta.url));

function metric(text: string, name: string): number {
  let n = 0;
  for (const l of text.split('\n')) if (l.startsWith(name) && !l.startsWith('#')) n += Number(l.split(' ').pop());
  return n;
}

/** user + system CPU seconds of a process so far (/proc/<pid>/stat, clock ticks of 1/100 s) */
const cpuSeconds = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

const vm = (pid: number, key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function run(config: string, env: NodeJS.ProcessEnv, until: (metrics: string) => boolean, timeoutMs: number): Promise<{ secs: number; metrics: string; peakMiB: number; baseMiB: number; cpu: number }> {
  // ATC_BENCH_NODE_ARGS: node flags for the collector (e.g. --cpu-prof --cpu-prof-dir=/tmp/p)
  const execArgv = (process.env['ATC_BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = fork(CLI, ['run', '--config', config], { execArgv, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ telemetry: { port: number } }>((resolve) => child.on('message', (m: unknown) => resolve(m as { telemetry: { port: number } })));
  const baseMiB = vm(child.pid!, 'VmRSS');
  const cpu0 = cpuSeconds(child.pid!);
  const t0 = Date.now();
  let metrics = '';
  while (Date.now() - t0 < timeoutMs) {
    metrics = await fetch(`http://127.0.0.1:${ready.telemetry.port}/metrics`).then((r) => r.text());
    if (until(metrics)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const secs = (Date.now() - t0) / 1000;
  const peakMiB = vm(child.pid!, 'VmHWM');
  const cpu = cpuSeconds(child.pid!) - cpu0;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return { secs, metrics, peakMiB, baseMiB, cpu };
}

export async function gpuReceiversBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'atc-bench-gpu-'));
  try {
    // Kineto
    const mb = Number(process.env['ATC_BENCH_KINETO_MB'] ?? 500);
    const prof = join(dir, 'profiles');
    mkdirSync(prof);
    const gen = await generateKinetoTrace(join(prof, 'rank0.1.pt.trace.json'), { targetBytes: mb * 1024 * 1024 });
    const cfg = join(dir, 'prof.yaml');
    writeFileSync(cfg, `receivers: { profiler: { traces: { directories: ["${prof}"], poll_interval: 100ms, settle_time: 100ms } } }
exporters: { file: { directory: ${dir}/out, compression: zstd, compression_level: 1, fsync: false } }
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: warn } }
  pipelines: { traces: { receivers: [profiler], exporters: [file] } }
`);
    const p = await run(cfg, {}, (m) => metric(m, 'atc_profiler_files_total') >= 1, 900_000);
    const events = metric(p.metrics, 'atc_profiler_trace_events_total');
    printTable(`Kineto trace → OTLP spans (profiler receiver → file exporter), ${(gen.bytes / 1048576).toFixed(0)} MB, ${gen.events.toLocaleString('en-US')} events`, [
      { measure: 'seconds from start to converted', value: p.secs },
      { measure: 'events converted / s', value: events / p.secs },
      { measure: 'MB / s', value: gen.bytes / 1048576 / p.secs },
      // on a shared machine wall time depends on the neighbours: the collector's own CPU time too
      { measure: 'collector CPU seconds (user + system)', value: p.cpu },
      { measure: 'events converted / CPU-second', value: events / p.cpu },
      { measure: 'machine load average (1 min) at the end', value: loadavg()[0]! },
      { measure: 'collector RSS at start (MiB)', value: p.baseMiB },
      { measure: 'collector peak RSS (MiB)', value: p.peakMiB },
    ]);
    rmSync(prof, { recursive: true, force: true });

    if (process.env['ATC_BENCH_NVML'] === '0') return;
    // NVML poll cost
    const rows: Record<string, string | number>[] = [];
    const lib = buildNvmlStub();
    for (const devices of [1, 8]) {
      const scen = join(dir, `nvml-${devices}.txt`);
      writeScenario(scen, {
        driverVersion: '550.54.15',
        devices: Array.from({ length: devices }, (_, i) => ({ uuid: `GPU-bench-0000-0000-0000-00000000000${i}`, name: 'NVIDIA H100 80GB HBM3', utilization: [80, 40], memory: { total: 85899345920, free: 5368709120, used: 80530636800 }, temperature: 70, powerMw: 600000, clocks: { graphics: 1755, sm: 1755, mem: 2619, video: 1545 }, clocksEventReasons: 0, processes: [{ pid: 1000 + i, usedBytes: 1e9 }] })),
        events: [],
      });
      const ncfg = join(dir, `nvml-${devices}.yaml`);
      writeFileSync(ncfg, `receivers: { nvml: { library_path: ${lib}, collection_interval: 100ms } }
exporters: { file: { directory: ${dir}/nvml-out, fsync: false } }
spill: { directory: ${dir}/spill-nvml }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: warn } }
  pipelines: { metrics: { receivers: [nvml], exporters: [file] }, logs: { receivers: [nvml], exporters: [file] } }
`);
      const r = await run(ncfg, { NVML_STUB_SCENARIO: scen }, (m) => metric(m, 'atc_nvml_poll_duration_seconds_count') >= 50, 60_000);
      const polls = metric(r.metrics, 'atc_nvml_poll_duration_seconds_count');
      const sum = metric(r.metrics, 'atc_nvml_poll_duration_seconds_sum');
      rows.push({ devices, polls, 'ms per poll': (sum / polls) * 1000, 'µs per device per poll': ((sum / polls) * 1e6) / devices });
    }
    printTable('NVML poll cost (stub library; every metric of every device, encoded to OTLP)', rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await gpuReceiversBench();
