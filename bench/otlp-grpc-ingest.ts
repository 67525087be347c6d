// OTLP/gRPC ingest: spans/s and latency through the gRPC receiver (bytes in, bytes stored),
// with the load generator in its own process, beside OTLP/HTTP in the same run.
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, runIngest } from './otlp-http-ingest.js';
import { printTable } from './table.js';

const CLI = fileURLToPath(new URL('../main.js', import.meta.url));
const LOADGEN = fileURLToPath(new URL('./grpc-load-generator.js', import.meta.url));

async function runGrpc(concurrency: number, seconds: number, spans: number): Promise<{ spansPerSec: number; p50: number; p99: number; cpuPerMillion: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'atc-bench-grpc-'));
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, `receivers: { otlp: { protocols: { grpc: { endpoint: "127.0.0.1:0" } } } }
exporters: { file: { directory: ${dir}/data, compression: zstd } }
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: warn } }
  pipelines: { traces: { receivers: [otlp], exporters: [file] } }
`);
  const child = fork(CLI, ['run', '--config', cfg], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  type Ready = { receivers: { otlp: { grpc: { port: number } } } };
  const ready = await new Promise<Ready>((resolve) => child.on('message', (m: unknown) => resolve(m as Ready)));
  const cpu0 = cpuSeconds(child.pid!);
  const out = execFileSync(process.execPath, [LOADGEN, `127.0.0.1:${ready.receivers.otlp.grpc.port}`, String(concurrency), String(seconds), String(spans)], { encoding: 'utf8' });
  const cpu1 = cpuSeconds(child.pid!);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
  const r = JSON.parse(out) as { spansPerSec: number; p50: number; p99: number; spans: number };
  return { ...r, cpuPerMillion: ((cpu1 - cpu0) / r.spans) * 1e6 };
}

export async function grpcBench(seconds = Number(process.env['ATC_BENCH_SECONDS'] ?? 5)): Promise<void> {
  const rows: Record<string, string | number>[] = [];
  const g = await runGrpc(16, seconds, 100);
  rows.push({ protocol: 'OTLP/gRPC', 'spans/s': g.spansPerSec, 'p50 ms': g.p50, 'p99 ms': g.p99, 'collector CPU s / 1M spans': g.cpuPerMillion });
  const h = await runIngest(16, seconds, 100);
  rows.push({ protocol: 'OTLP/HTTP', 'spans/s': h.spansPerSec, 'p50 ms': h.p50, 'p99 ms': h.p99, 'collector CPU s / 1M spans': h.cpuPerMillion });
  rows.push({ protocol: 'gRPC ÷ HTTP CPU per span', 'spans/s': '', 'p50 ms': '', 'p99 ms': '', 'collector CPU s / 1M spans': g.cpuPerMillion / h.cpuPerMillion });
  printTable(`OTLP/gRPC vs OTLP/HTTP ingest → file (16 concurrent, 100-span requests, ${seconds}s each)`, rows);
}

if (import.meta.url === `file://${process.argv[1]}`) await grpcBench();
