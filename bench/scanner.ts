// The protobuf scanner alone (the protocol gate every OTLP request passes): spans/s and MB/s
// on the 100-span ~48 KB requests of the side-by-side load, plus logs and metrics bodies.
// Run alone: `node dist/bench/scanner.js [seconds per row]`.
import { fileURLToPath } from 'node:url';
import { encodeRequest } from '../src/otlp/index.js';
import { scanRequest, scanRequestGeneric } from '../src/otlp/scanner.js';
import type { Signal } from '../src/component.js';
import { spanRequest } from './otlp-fixtures.js';
import { templateRequest } from './side-by-side/fixture.js';
import { printTable } from './table.js';

function logsRequest(n: number): Uint8Array {
  const logRecords = Array.from({ length: n }, (_, i) => ({
    timeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i)),
    severityNumber: 9,
    severityText: 'INFO',
    body: { stringValue: `request ${i} served in ${i % 97} ms by worker ${i % 8} (prompt tokens ${200 + i})` },
    attributes: [{ key: 'k8s.pod.name', value: { stringValue: `llm-${i % 13}` } }, { key: 'log.iostream', value: { stringValue: 'stdout' } }],
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
  }));
  return encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords }] }] });
}

function metricsRequest(n: number): Uint8Array {
  const dataPoints = Array.from({ length: n }, (_, i) => ({ timeUnixNano: '1700000000000000000', asDouble: i * 1.5, attributes: [{ key: 'gpu', value: { stringValue: String(i % 8) } }, { key: 'UUID', value: { stringValue: 'GPU-5e2c1a8e-9f3b-4c1d-8a7e-0b1c2d3e4f50' } }] }));
  return encodeRequest('metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'DCGM_FI_DEV_GPU_UTIL', gauge: { dataPoints } }] }] }] });
}

/** Rates per CPU-second of this process (not wall time: the machine may be shared). */
function measure(signal: Signal, body: Uint8Array, seconds: number, scan = scanRequest): Record<string, string | number> {
  const items = scan(signal, body).items;
  for (let i = 0; i < 200; i++) scan(signal, body); // warm-up
  let n = 0;
  const c0 = process.cpuUsage();
  const cpu = (): number => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  while (cpu() < seconds) {
    for (let i = 0; i < 50; i++) scan(signal, body);
    n += 50;
  }
  const s = cpu();
  return { signal, 'body bytes': body.length, items, 'requests/cpu-s': n / s, 'items/cpu-s': (n * items) / s, 'MB/cpu-s': (n * body.length) / s / 1e6 };
}

/**
 * `path`: both (default) or one of the two trace paths alone. In one process the second path
 * measured runs after the first has shaped V8's type feedback for the shared code, so compare
 * the paths with one process each: `node dist/bench/scanner.js 3 fast` then `... 3 generic`.
 */
export function scannerBench(seconds = 2, path: 'both' | 'fast' | 'generic' = 'both'): void {
  const serving = templateRequest(100, 0);
  const rows: Record<string, string | number>[] = [];
  if (path !== 'generic') rows.push({ ...measure('traces', spanRequest(100), seconds), path: 'fast' }, { ...measure('traces', serving, seconds), path: 'fast (side-by-side request)' });
  if (path !== 'fast') rows.push({ ...measure('traces', spanRequest(100), seconds, scanRequestGeneric), path: 'generic' }, { ...measure('traces', serving, seconds, scanRequestGeneric), path: 'generic (side-by-side request)' });
  if (path === 'both') rows.push(measure('logs', logsRequest(200), seconds), measure('metrics', metricsRequest(500), seconds));
  printTable('Protobuf scanner (validation + item count, one core)', rows);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) scannerBench(Number(process.argv[2] ?? 2), (process.argv[3] ?? 'both') as 'both' | 'fast' | 'generic');
