// Prometheus receiver hot path: parse an exposition and write it as OTLP metrics bytes.
// Expositions: dcgm-exporter style (12 families × 8 GPUs, scaled up to a dense node by
// repeating families per GPU set) and a real node-exporter scrape (Debian's) when available.
//   node dist/bench/prometheus-parse.js [seconds per exposition, default 2]
// Rates per CPU-second (the process's user + system time) beside the wall-clock ones: on a
// shared machine wall time depends on the neighbours.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { printTable } from './table.js';
import { parseExposition } from '../receivers/prometheus/parser.js';
import { encodeScrape, StartTimes } from '../receivers/prometheus/to-otlp.js';
import { startNodeExporter } from '../test/harness/node-exporter.js';

function dcgmScaled(copies: number): string {
  const base = readFileSync(join(process.cwd(), 'test/fixtures/prometheus/dcgm-exporter.txt'), 'utf8');
  const out: string[] = [];
  for (let c = 0; c < copies; c++) out.push(base.replace(/DCGM_FI_/g, c === 0 ? 'DCGM_FI_' : `DCGM_FI_X${c}_`));
  return out.join('');
}

const SECONDS = Number(process.argv[2] ?? 2);
const cpuNow = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

function run(name: string, text: string, seconds = SECONDS): Record<string, string | number> {
  const target = { resource: new Uint8Array(0), labels: ['cluster', 'lab'], honorLabels: false, honorTimestamps: true };
  const starts = new StartTimes();
  const first = parseExposition(text, false);
  for (let i = 0; i < 20; i++) encodeScrape(parseExposition(text, false), target, Date.now(), starts, []);
  let n = 0;
  let parseNs = 0;
  let encNs = 0;
  let bytes = 0;
  let parseCpuUs = 0;
  let encCpuUs = 0;
  const t0 = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - t0) < seconds * 1e9) {
    const ca = cpuNow();
    const a = process.hrtime.bigint();
    const r = parseExposition(text, false);
    const b = process.hrtime.bigint();
    const cb = cpuNow();
    bytes = encodeScrape(r, target, Date.now(), starts, []).bytes.length;
    encNs += Number(process.hrtime.bigint() - b);
    encCpuUs += cpuNow() - cb;
    parseNs += Number(b - a);
    parseCpuUs += cb - ca;
    n++;
  }
  const samples = first.samples * n;
  return {
    exposition: name,
    series: first.samples,
    'KiB in': Math.round(text.length / 1024),
    'parse samples/s': samples / (parseNs / 1e9),
    'parse+OTLP samples/s': samples / ((parseNs + encNs) / 1e9),
    'parse samples / CPU-s': samples / (parseCpuUs / 1e6),
    'parse+OTLP samples / CPU-s': samples / ((parseCpuUs + encCpuUs) / 1e6),
    'ms per scrape': (parseNs + encNs) / 1e6 / n,
    'OTLP KiB': Math.round(bytes / 1024),
  };
}

const rows = [run('dcgm-exporter (8 GPUs)', dcgmScaled(1)), run('dcgm-style, 100× families', dcgmScaled(100))];
try {
  const ne = await startNodeExporter();
  const text = await (await fetch(ne.url)).text();
  await ne.stop();
  rows.push(run('node-exporter (Debian, this host)', text));
} catch (e) {
  console.error(`node-exporter not available: ${(e as Error).message}`);
}
printTable(`Prometheus exposition → OTLP (one core, ${SECONDS} s each, load ${loadavg()[0]!.toFixed(1)})`, rows);
