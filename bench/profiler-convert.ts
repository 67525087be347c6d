// The Kineto converter alone (both passes, spans encoded, batches dropped), in this process: the
// cost of receivers/profiler without the pipeline and exporter around it, for profiling
// (`node --cpu-prof dist/bench/profiler-convert.js`) and before/after runs of the converter.
//   ATC_BENCH_KINETO_MB  size of the generated trace (default 100)
//   ATC_BENCH_KINETO_FILE an existing trace to convert instead (kept)
//   ATC_BENCH_RUNS       conversions in a row (default 1)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CATEGORIES } from '../receivers/profiler/kineto.js';
import { convertTraceFile } from '../receivers/profiler/trace-file.js';
import { generateKinetoTrace } from '../test/fixtures/kineto/generate.js';
import { printTable } from './table.js';

export async function profilerConvertBench(): Promise<void> {
  const given = process.env['ATC_BENCH_KINETO_FILE'];
  const dir = given ? undefined : mkdtempSync(join(tmpdir(), 'atc-bench-kineto-'));
  try {
    const path = given ?? join(dir!, 'rank0.1.pt.trace.json');
    if (!given) await generateKinetoTrace(path, { targetBytes: Number(process.env['ATC_BENCH_KINETO_MB'] ?? 100) * 1024 * 1024 });
    const mb = statSync(path).size / 1048576;
    const rows: Record<string, string | number>[] = [];
    const runs = Number(process.env['ATC_BENCH_RUNS'] ?? 1);
    for (let i = 0; i < runs; i++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let out = 0;
      const r = await convertTraceFile(path, { categories: new Set(DEFAULT_CATEGORIES), resource: { 'service.name': 'bench' } }, (data) => {
        out += data.length;
        return Promise.resolve();
      });
      const secs = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(cpu0);
      const cpu = (c.user + c.system) / 1e6;
      rows.push({ run: i + 1, events: r.events, spans: r.spans, 'wall s': secs, 'events/s': r.events / secs, 'CPU s': cpu, 'events/CPU-s': r.events / cpu, 'OTLP MB': out / 1048576, 'peak RSS MiB': process.resourceUsage().maxRSS / 1024, load: loadavg()[0]! });
    }
    printTable(`Kineto converter alone (${mb.toFixed(0)} MB trace)`, rows);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await profilerConvertBench();
