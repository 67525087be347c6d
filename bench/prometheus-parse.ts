// Prometheus receiver hot path: a scrape body (bytes, as received) → OTLP metrics request bytes,
// for each target's repeated scrapes. Two paths over the same bodies, alternated round by round:
//   in place — ScrapeEncoder: byte scan + per-target series cache (what the receiver runs)
//   general  — body.toString + parseExposition + encodeScrape (OpenMetrics and malformed bodies)
// Expositions: the W3 dcgm-like target (51,072 samples, bench/side-by-side/scrape.ts), the
// dcgm-exporter fixture (8 GPUs) and a real node-exporter scrape (Debian's) when available; each
// scrape's values differ from the last (three bodies in turn), as a live target's do.
//   node dist/bench/prometheus-parse.js [seconds per path and exposition, default 3]
// Rates per CPU-second (the process's user + system time, GC included) beside ms per scrape.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { printTable } from './table.js';
import { dcgmLike } from './side-by-side/scrape.js';
import { parseExposition } from '../receivers/prometheus/parser.js';
import { ScrapeEncoder } from '../receivers/prometheus/scrape-encoder.js';
import { encodeScrape, StartTimes, type TargetInfo } from '../receivers/prometheus/to-otlp.js';
import { startNodeExporter } from '../test/harness/node-exporter.js';

const SECONDS = Number(process.argv[2] ?? 3);
const ROUNDS = 3;
const LIMITS = { labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0, sampleLimit: 0 };
const EXTRAS = [{ name: 'up', value: 1 }];
const cpuNow = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** Three bodies of one target: the values of every sample line moved by 0, 1, 2. */
function bodies(text: string): Buffer[] {
  return [0, 1, 2].map((d) => Buffer.from(d === 0 ? text : text.replace(/ (\d+)(\.\d+)?\n/g, (_, i: string, f = '') => ` ${Number(i) + d}${f}\n`)));
}

interface Path {
  scrape(body: Buffer, ms: number): number;
}

function general(t: TargetInfo): Path {
  const starts = new StartTimes();
  return {
    scrape: (body, ms) => encodeScrape(parseExposition(body.toString('utf8'), false, LIMITS), t, ms, starts, EXTRAS).bytes.length,
  };
}

function inPlace(t: TargetInfo): Path {
  const enc = new ScrapeEncoder(t, LIMITS, []);
  return {
    scrape: (body, ms) => {
      enc.scan(body, false);
      return enc.encode(ms, EXTRAS).bytes.length;
    },
  };
}

/** CPU µs and scrapes of `path` over `seconds` of wall time. */
function measure(path: Path, bs: Buffer[], seconds: number): { cpuUs: number; wallNs: number; n: number; bytes: number } {
  let n = 0;
  let bytes = 0;
  const c0 = cpuNow();
  const t0 = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - t0) < seconds * 1e9) bytes = path.scrape(bs[n % bs.length]!, 1_764_000_000_000 + n++ * 5000);
  return { cpuUs: cpuNow() - c0, wallNs: Number(process.hrtime.bigint() - t0), n, bytes };
}

function run(name: string, text: string): Record<string, string | number>[] {
  const t: TargetInfo = { resource: new Uint8Array(0), labels: ['cluster', 'lab'], honorLabels: false, honorTimestamps: true };
  const bs = bodies(text);
  const samples = parseExposition(text, false).samples;
  const paths: [string, Path][] = [
    ['general', general(t)],
    ['in place', inPlace(t)],
  ];
  for (const [, p] of paths) for (let i = 0; i < 6; i++) p.scrape(bs[i % 3]!, i); // warm-up, cache filled
  const tot = paths.map(() => ({ cpuUs: 0, wallNs: 0, n: 0, bytes: 0 }));
  for (let r = 0; r < ROUNDS; r++) {
    paths.forEach(([, p], i) => {
      const m = measure(p, bs, SECONDS / ROUNDS);
      const x = tot[i]!;
      x.cpuUs += m.cpuUs;
      x.wallNs += m.wallNs;
      x.n += m.n;
      x.bytes = m.bytes;
    });
  }
  return paths.map(([path], i) => {
    const x = tot[i]!;
    return {
      exposition: name,
      path,
      samples: samples,
      'KiB in': Math.round(bs[0]!.length / 1024),
      scrapes: x.n,
      'samples / CPU-s': Math.round((samples * x.n) / (x.cpuUs / 1e6)),
      'CPU ms per scrape': x.cpuUs / 1e3 / x.n,
      'OTLP KiB': Math.round(x.bytes / 1024),
    };
  });
}

const rows = [...run('W3 dcgm-like (532 nodes × 8 GPUs)', dcgmLike()), ...run('dcgm-exporter fixture (8 GPUs)', readFileSync(join(process.cwd(), 'test/fixtures/prometheus/dcgm-exporter.txt'), 'utf8'))];
try {
  const ne = await startNodeExporter();
  const text = await (await fetch(ne.url)).text();
  await ne.stop();
  rows.push(...run('node-exporter (Debian, this host)', text));
} catch (e) {
  console.error(`node-exporter not available: ${(e as Error).message}`);
}
printTable(`Prometheus scrape body → OTLP request (one core, ${SECONDS} s per path, ${ROUNDS} alternating rounds, load ${loadavg()[0]!.toFixed(1)})`, rows);
