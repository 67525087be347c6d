// File log record building alone, in-process, no I/O: pino JSON lines with trace context (the
// lines of filelog-tail) turned into ExportLogsServiceRequest bytes by the receiver's
// LogRequestBuilder, 1,000 records per request. Rates per CPU-second of this process, so a
// shared machine's neighbours do not skew them.
//   node dist/bench/filelog-records.js [seconds, default 10]
import { loadavg } from 'node:os';
import { encodeResource } from '../src/otlp/attributes-writer.js';
import { encodeRecordAttributes, LogRequestBuilder, type RecordInput } from '../receivers/filelog/log-record.js';
import { printTable } from './table.js';

const SECONDS = Number(process.argv[2] ?? 10);
const PER_REQUEST = 1000;

function lines(n: number): RecordInput[] {
  const out: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    const text = JSON.stringify({ level: 30, time: 1732800000000 + i, pid: 7, hostname: 'llm', msg: `decoded batch ${i}`, trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: '01', tokens: i % 512 });
    out.push({ text, timeNs: 1_764_349_200_000_000_000n + BigInt(i), stream: 'stdout', truncated: false });
  }
  return out;
}

const input = lines(PER_REQUEST);
const resource = encodeResource({ 'k8s.namespace.name': 'serving', 'k8s.pod.name': 'llm-0', 'k8s.container.name': 'server' });
const fileAttrs = encodeRecordAttributes({ 'log.file.path': '/var/log/pods/serving_llm-0_00000000-aaaa-bbbb-cccc-dddddddddddd/server/0.log' });
const builder = new LogRequestBuilder(true);

function request(): number {
  builder.begin(resource);
  const observed = 1_764_349_200_000_000_000n;
  for (const r of input) builder.add(r, fileAttrs, observed);
  return builder.finish()?.length ?? 0;
}

for (let i = 0; i < 200; i++) request(); // warm-up: let the JIT settle first
let records = 0;
let bytes = 0;
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
while (Number(process.hrtime.bigint() - t0) < SECONDS * 1e9) {
  bytes += request();
  records += PER_REQUEST;
}
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const c = process.cpuUsage(c0);
const cpu = (c.user + c.system) / 1e6;
printTable('File log records built (pino JSON + trace context → OTLP log records, in-process)', [
  { records, 'records/s': records / wall, 'records / CPU-s': records / cpu, 'OTLP MB / CPU-s': bytes / 1e6 / cpu, 'CPU s': cpu, 'load (1 min)': loadavg()[0]! },
]);
