// File log receiver: lines/s and MiB/s tailed from CRI container logs (pino JSON bodies with
// trace context) into the file exporter, from files written before the collector starts.
// The collector runs in this process, so its CPU time is this process's from start to all
// exported (wall time on a shared machine depends on the neighbours). Lines per file scale
// with ATC_BENCH_FILELOG_SCALE (default 1: 8 × 50,000 and 400 × 1,000 lines).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../test/harness/collector.js';
import { printTable } from './table.js';

export async function filelogBench(): Promise<void> {
  const rows: Record<string, string | number>[] = [];
  const scale = Number(process.env['ATC_BENCH_FILELOG_SCALE'] ?? 1);
  for (const [files, perFile] of [[8, 50_000], [400, 1_000]] as const) {
    const linesPerFile = Math.round(perFile * scale);
    const root = mkdtempSync(join(tmpdir(), 'atc-bench-filelog-'));
    let bytes = 0;
    for (let f = 0; f < files; f++) {
      const dir = join(root, 'pods', `serving_llm-${f}_0000000${f}-aaaa-bbbb-cccc-dddddddddddd`, 'server');
      mkdirSync(dir, { recursive: true });
      const lines: string[] = [];
      for (let i = 0; i < linesPerFile; i++) {
        const body = JSON.stringify({ level: 30, time: 1732800000000 + i, pid: 7, hostname: 'llm', msg: `decoded batch ${i}`, trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: '01', tokens: i % 512 });
        lines.push(`2026-11-28T17:00:00.${String(i % 1e9).padStart(9, '0')}Z stdout F ${body}`);
      }
      const text = lines.join('\n') + '\n';
      bytes += Buffer.byteLength(text);
      writeFileSync(join(dir, '0.log'), text);
    }
    const total = files * linesPerFile;
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const c = await startCollector({
      yaml: (dataDir) => `
receivers: { filelog: { include: ["${root}/pods/*/*/*.log"], start_at: beginning, poll_interval: 50ms, checkpoint_dir: ${root}/cp } }
exporters: { file: { directory: ${dataDir}, fsync: false } }
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines: { logs: { receivers: [filelog], exporters: [file] } }
`,
    });
    while ((await c.service.metrics.value('atc_exporter_sent_log_records_total')) < total) await new Promise((r) => setTimeout(r, 20));
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    await c.shutdown();
    rmSync(root, { recursive: true, force: true });
    rows.push({ files, 'lines/file': linesPerFile, lines: total, 'lines/s': total / secs, 'MiB/s': bytes / secs / 1048576, 'seconds (start to all exported)': secs, 'CPU s': cpuSecs, 'lines / CPU-s': total / cpuSecs, 'load (1 min)': loadavg()[0]! });
  }
  printTable('File log receiver: CRI + pino JSON lines tailed into the file exporter', rows);
}

if (import.meta.url === `file://${process.argv[1]}`) await filelogBench();
