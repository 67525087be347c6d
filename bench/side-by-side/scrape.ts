// W3: Prometheus scrape every 5 s of a dcgm-like exposition (51 k samples) and a node-exporter
// exposition (captured once from the real Debian node-exporter), served from this process so
// every scrape is counted; samples per CPU-second of each collector, and the data points that
// reached its output.
import { readFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { once } from 'node:events';
import { startNodeExporter } from '../../test/harness/node-exporter.js';
import { printTable } from '../table.js';
import { oursScrape, otelcolScrape } from './configs.js';
import type { Ratio } from './index.js';
import { readOtelcolFile, readOurFiles } from './outputs.js';
import { startOtelcol, startOurs, type Proc } from './processes.js';
import { newPorts } from './run-load.js';
import { countDataPoints } from './span-walk.js';

/** dcgm-exporter's 12 families, 8 GPUs on each of `hosts` nodes (532 → 51,072 samples). */
export function dcgmLike(hosts = 532): string {
  const fixture = readFileSync(join(process.cwd(), 'test/fixtures/prometheus/dcgm-exporter.txt'), 'utf8');
  const out: string[] = [];
  let samples: string[] = [];
  const flush = (): void => {
    for (let h = 0; h < hosts; h++) {
      const hx = h.toString(16).padStart(4, '0');
      for (const l of samples) out.push(l.replace('Hostname="gpu-node-17"', `Hostname="gpu-node-${h}"`).replace(/GPU-8a1c(\d{4})/, `GPU-${hx}$1`));
    }
    samples = [];
  };
  for (const line of fixture.split('\n')) {
    if (line.startsWith('# HELP')) flush();
    if (line.startsWith('#')) out.push(line);
    else if (line.trim() !== '') samples.push(line);
  }
  flush();
  return out.join('\n') + '\n';
}

function sampleCount(text: string): number {
  let n = 0;
  for (const l of text.split('\n')) if (l !== '' && !l.startsWith('#')) n++;
  return n;
}

interface Target {
  path: string;
  body: string;
  samples: number;
  hits: number;
}

async function serveTargets(targets: Target[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const t = targets.find((x) => x.path === req.url);
    if (!t) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(t.body, () => t.hits++);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

interface ScrapeRun {
  samplesPerCpuS: number;
  scrapes: number;
  cpuS: number;
  points: number;
  expected: number;
  peakRssMiB: number;
}

async function measure(proc: Proc, targets: Target[], windowS: number, readPoints: () => number): Promise<ScrapeRun> {
  // The first scrape of each target is warm-up (discovery, JIT, and series first seen: ours
  // encodes their attributes once and caches them). Its processing can outlast a second, so the
  // window opens a second after each target's second scrape, as in the steady state.
  const until = Date.now() + 30_000;
  while (Date.now() < until && targets.some((t) => t.hits < 2)) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000));
  const h0 = targets.map((t) => t.hits);
  const c0 = proc.cpu();
  await new Promise((r) => setTimeout(r, windowS * 1000));
  // the window's last scrape is processed within a second
  const h1 = targets.map((t) => t.hits);
  await new Promise((r) => setTimeout(r, 1000));
  const cpuS = proc.cpu() - c0;
  const samples = targets.reduce((n, t, i) => n + (h1[i]! - h0[i]!) * t.samples, 0);
  const expected = targets.reduce((n, t) => n + t.hits * t.samples, 0);
  const rss = proc.peakRssMiB();
  await proc.stop();
  return { samplesPerCpuS: samples / cpuS, scrapes: targets.reduce((n, t, i) => n + h1[i]! - h0[i]!, 0), cpuS, points: readPoints(), expected, peakRssMiB: rss };
}

export async function scrapeBench(bin: string, dir: string, seconds: number, oursOnly = false): Promise<Ratio[]> {
  mkdirSync(dir, { recursive: true });
  const ne = await startNodeExporter();
  const neText = await (await fetch(ne.url)).text();
  await ne.stop();
  const dcgm = dcgmLike();
  const targets: Target[] = [
    { path: '/dcgm', body: dcgm, samples: sampleCount(dcgm), hits: 0 },
    { path: '/node', body: neText, samples: sampleCount(neText), hits: 0 },
  ];
  const { server, port } = await serveTargets(targets);
  // at least 4 scrapes of each target inside the window
  const windowS = Math.max(20, seconds * 2);
  const scrapeCfg = [{ job: 'dcgm', target: `127.0.0.1:${port}`, path: '/dcgm' }, { job: 'node', target: `127.0.0.1:${port}`, path: '/node' }];
  try {
    targets.forEach((t) => (t.hits = 0));
    let ports = await newPorts();
    const oursDir = join(dir, 'ours');
    mkdirSync(oursDir, { recursive: true });
    const ours = await measure(await startOurs(oursDir, oursScrape(oursDir, ports, scrapeCfg), ports.http), targets, windowS, () => {
      let n = 0;
      readOurFiles(join(oursDir, 'ours-data'), (r) => (n += countDataPoints(r)));
      return n;
    });
    const r = (who: string, x: ScrapeRun): Record<string, string | number> => ({
      collector: who,
      'scrapes in window': x.scrapes,
      'CPU s': x.cpuS,
      'samples / CPU-s': x.samplesPerCpuS,
      'points written': x.points,
      'samples served': x.expected,
      'peak RSS MiB': x.peakRssMiB,
    });
    const title = `W3 Prometheus scrape every 5 s: dcgm-like ${targets[0]!.samples} samples + node-exporter ${targets[1]!.samples} samples, ${windowS}s window`;
    if (oursOnly) {
      printTable(title, [r('ours', ours)]);
      return [];
    }
    targets.forEach((t) => (t.hits = 0));
    ports = await newPorts();
    const otelDir = join(dir, 'otelcol');
    mkdirSync(join(otelDir, 'otelcol-data'), { recursive: true });
    const otel = await measure(await startOtelcol(bin, otelDir, otelcolScrape(otelDir, ports, scrapeCfg), ports.http), targets, windowS, () => {
      let n = 0;
      readOtelcolFile(join(otelDir, 'otelcol-data', 'metrics.binpb'), (r) => (n += countDataPoints(r)));
      return n;
    });
    printTable(title, [r('ours', ours), r('Collector', otel)]);
    return [{ what: 'W3 Prometheus samples per CPU-second', ours: ours.samplesPerCpuS, collector: otel.samplesPerCpuS, ratio: ours.samplesPerCpuS / otel.samplesPerCpuS, goal: '≥ 2×' }];
  } finally {
    server.close();
  }
}
