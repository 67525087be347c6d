// OTLP/HTTP ingest: spans/s accepted and p50/p99 request latency at a fixed concurrency, the
// collector running `run` from the CLI (file exporter, zstd) and the load generator in a
// separate process. Also reports the collector's CPU time per million spans.
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable } from './table.js';

const CLI = fileURLToPath(new URL('../main.js', import.meta.url));
const LOADGEN = fileURLToPath(new URL('./load-generator.js', import.meta.url));

interface LoadResult { spansPerSec: number; p50: number; p99: number; spans: number; statuses: Record<string, number>; bodyBytes: number }

export function cpuSeconds(pid: number): number {
  const stat = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' });
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

export interface IngestOptions {
  fusion?: boolean;
  /** YAML for `exporters:` with one exporter named `out` (default: the file exporter) */
  exporter?: string;
  /** read after the load, before shutdown: the collector's /metrics text */
  onMetrics?: (text: string) => void;
  /** poll /metrics after the load until this holds (at most 60 s), e.g. every span delivered */
  settled?: (text: string) => boolean;
}

export async function runIngest(concurrency: number, seconds: number, spans: number, opts: IngestOptions = {}): Promise<LoadResult & { cpuPerMillion: number }> {
  const fusion = opts.fusion ?? false;
  const dir = mkdtempSync(join(tmpdir(), 'atc-bench-'));
  const cfg = join(dir, 'config.yaml');
  const outId = opts.exporter ? opts.exporter.split(':')[0]!.trim() : 'file/out';
  writeFileSync(cfg, `receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } } }
exporters: { ${opts.exporter ?? `file/out: { directory: ${dir}/data, compression: zstd }`} }
${fusion ? 'connectors: { fusion: { decision_wait: 2s } }' : ''}
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: warn } }
  pipelines:
${fusion ? `    traces: { receivers: [otlp], exporters: [fusion] }
    traces/fused: { receivers: [fusion], exporters: [${outId}] }` : `    traces: { receivers: [otlp], exporters: [${outId}] }`}
`);
  const child = fork(CLI, ['run', '--config', cfg], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  type Ready = { telemetry: { port: number }; receivers: { otlp: { http: { port: number } } } };
  const ready = await new Promise<Ready>((resolve) => child.on('message', (m: unknown) => resolve(m as Ready)));
  const url = `http://127.0.0.1:${ready.receivers.otlp.http.port}/v1/traces`;
  const cpu0 = cpuSeconds(child.pid!);
  const out = execFileSync(process.execPath, [LOADGEN, url, String(concurrency), String(seconds), String(spans)], { encoding: 'utf8' });
  const cpu1 = cpuSeconds(child.pid!);
  const r = JSON.parse(out) as LoadResult;
  if (opts.onMetrics) {
    const read = (): Promise<string> => fetch(`http://127.0.0.1:${ready.telemetry.port}/metrics`).then((x) => x.text());
    let text = await read();
    for (let i = 0; i < 240 && opts.settled && !opts.settled(text); i++) {
      await new Promise((res) => setTimeout(res, 250));
      text = await read();
    }
    opts.onMetrics(text);
  }
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
  return { ...r, cpuPerMillion: ((cpu1 - cpu0) / r.spans) * 1e6 };
}

export async function ingestBench(seconds = Number(process.env['ATC_BENCH_SECONDS'] ?? 5)): Promise<void> {
  const rows: Record<string, string | number>[] = [];
  for (const [concurrency, spans] of [[16, 100], [64, 100], [16, 1000]] as const) {
    const r = await runIngest(concurrency, seconds, spans);
    rows.push({
      concurrency,
      'spans/request': spans,
      'request bytes': r.bodyBytes,
      'spans/s': r.spansPerSec,
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      'collector CPU s / 1M spans': r.cpuPerMillion,
      statuses: Object.entries(r.statuses).map(([k, v]) => `${k}:${v}`).join(' '),
    });
  }
  printTable(`OTLP/HTTP protobuf ingest → ring → file exporter (zstd), ${seconds}s per row, load generator in its own process`, rows);
}

if (import.meta.url === `file://${process.argv[1]}`) await ingestBench();
