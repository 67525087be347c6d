// S3 exporter throughput against a local MinIO (objects/s, MB/s of batch data, collector CPU
// per MB) at 256 KiB, 4 MiB and 32 MiB batches; and zstd levels 1/3/9 (gzip for reference) on
// the same realistic OTLP spans: ratio, speed and CPU per MB.
//
//   npx tsc -p tsconfig.json && node dist/bench/s3-put.js [--mib 128]
import { parseArgs } from 'node:util';
import type { Batch } from '../src/component.js';
import { ConfigErrors } from '../src/config/errors.js';
import { createCodec, type Compression } from '../src/compression/codecs.js';
import { NOOP_METRICS } from '../src/telemetry/sink.js';
import { parseConfig } from '../exporters/s3/config.js';
import { S3Exporter } from '../exporters/s3/s3-exporter.js';
import { startMinio } from '../test/harness/minio.js';
import { traceRequest } from '../test/harness/s3-otlp-data.js';
import { pino } from 'pino';
import { printTable } from './table.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '128' } } });
const TOTAL = Number(values.mib) * 1024 * 1024;
const SIZES = [256 * 1024, 4 * 1024 * 1024, 32 * 1024 * 1024];
const MB = 1e6;

/** Distinct realistic span data, cut at request boundaries into batches of about `size`. */
function makePool(bytes: number): { parts: Uint8Array[]; spans: number[] } {
  const parts: Uint8Array[] = [];
  const spans: number[] = [];
  for (let n = 0; n < bytes; ) {
    const r = traceRequest(20);
    parts.push(r.bytes);
    spans.push(r.spans);
    n += r.bytes.length;
  }
  return { parts, spans };
}

function* batches(pool: { parts: Uint8Array[]; spans: number[] }, size: number, total: number): Generator<Batch> {
  let i = 0;
  for (let made = 0; made < total; ) {
    const chunk: Uint8Array[] = [];
    let len = 0;
    let items = 0;
    while (len < size) {
      const p = pool.parts[i % pool.parts.length]!;
      chunk.push(p);
      len += p.length;
      items += pool.spans[i % pool.parts.length]!;
      i++;
    }
    made += len;
    yield { signal: 'traces', data: Buffer.concat(chunk, len), items, createdAt: Date.now() };
  }
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

async function main(): Promise<void> {
  const t0 = Date.now();
  // Larger than zstd's window at every level measured, so repeats cannot flatter the ratio.
  const pool = makePool(40 * 1024 * 1024);
  const poolBytes = pool.parts.reduce((n, p) => n + p.length, 0);
  const poolSpans = pool.spans.reduce((n, s) => n + s, 0);
  console.log(`span data: ${(poolBytes / MB).toFixed(1)} MB, ${poolSpans} spans, ${(poolBytes / poolSpans).toFixed(0)} B/span (generated in ${Date.now() - t0} ms)`);

  // Compression on 4 MiB batches (the default max_batch_bytes).
  const compRows: Record<string, string | number>[] = [];
  const sample = [...batches(pool, 4 * 1024 * 1024, 32 * 1024 * 1024)];
  const inBytes = sample.reduce((n, b) => n + b.data.length, 0);
  for (const [name, level] of [['zstd', 1], ['zstd', 3], ['zstd', 9], ['gzip', 6]] as [Compression, number][]) {
    const codec = createCodec(name, level);
    codec.compress(sample[0]!.data); // warm up
    let out = 0;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    for (const b of sample) out += codec.compress(b.data).length;
    const wall = (performance.now() - w0) / 1000;
    const cpu = cpuMs(process.cpuUsage(c0));
    compRows.push({ codec: `${name} ${level}`, 'ratio': inBytes / out, 'MB/s': inBytes / MB / wall, 'CPU ms/MB': cpu / (inBytes / MB), 'B/span out': out / (poolSpans * (inBytes / poolBytes)) });
  }
  printTable('Compression of 4 MiB OTLP span batches (one core)', compRows);

  const minio = await startMinio();
  try {
    await minio.createBucket('bench');
    const logger = pino({ level: 'warn' });
    const rows: Record<string, string | number>[] = [];
    for (const compression of ['none', 'zstd'] as const) {
      for (const size of SIZES) {
        for (const concurrency of [1, 4]) {
          const errors = new ConfigErrors();
          const cfg = parseConfig({ bucket: 'bench', endpoint: minio.endpoint, force_path_style: true, prefix: `b${size}-${compression}-${concurrency}`, compression }, 'exporters.s3', errors);
          if (!errors.empty) throw new Error(errors.toString());
          const exp = new S3Exporter(cfg, { id: 's3', logger, metrics: NOOP_METRICS, health: { setReady() {} } }, { credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
          await exp.start();
          const total = Math.max(TOTAL, size * concurrency * 2);
          const list = [...batches(pool, size, total)];
          const bytes = list.reduce((n, b) => n + b.data.length, 0);
          let next = 0;
          let uploaded = 0;
          const c0 = process.cpuUsage();
          const w0 = performance.now();
          await Promise.all(Array.from({ length: concurrency }, async () => {
            while (next < list.length) {
              const b = list[next++]!;
              const r = await exp.export(b);
              if (r.outcome !== 'success') throw r.error;
              uploaded++;
            }
          }));
          const wall = (performance.now() - w0) / 1000;
          const cpu = cpuMs(process.cpuUsage(c0));
          await exp.shutdown();
          rows.push({
            batch: size >= 1024 * 1024 ? `${size / 1024 / 1024} MiB` : `${size / 1024} KiB`,
            compression: compression === 'zstd' ? 'zstd 3' : 'none',
            upload: size >= cfg.multipartThreshold ? 'multipart' : 'put',
            streams: String(concurrency),
            'objects/s': uploaded / wall,
            'MB/s (batch data)': bytes / MB / wall,
            'spans/s': list.reduce((n, b) => n + b.items, 0) / wall,
            'CPU ms/MB': cpu / (bytes / MB),
          });
        }
      }
    }
    printTable(`S3 exporter → local MinIO (${Number(values.mib)} MiB per row; CPU is the collector process, not MinIO)`, rows);
  } finally {
    await minio.close();
  }
}

await main();
