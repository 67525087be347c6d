// The zstd level / thread trade-off on realistic batches: 4 MiB and 256 KiB of concatenated
// 100-span OTLP requests (fresh ids, as the side-by-side load generator sends them), through
// one reused compressor as the exporters use it. Reports CPU ms per MB (process CPU time, so
// zstd's own worker threads count) and the ratio.
//   node dist/bench/zstd-levels.js
import * as zstd from 'zstd-napi';
import { RequestFactory, newRunKey } from './side-by-side/fixture.js';
import { printTable } from './table.js';

function batch(bytes: number): Buffer {
  const k = newRunKey();
  const factories = Array.from({ length: 8 }, (_, v) => new RequestFactory(100, v, k.key, k.nonce));
  const one = Buffer.alloc(factories[0]!.template.length);
  const parts: Buffer[] = [];
  let n = 0;
  for (let seq = 0; n < bytes; seq++) {
    const f = factories[seq % factories.length]!;
    const b = one.length === f.template.length ? one : Buffer.alloc(f.template.length);
    f.fill(b, seq);
    parts.push(Buffer.from(b));
    n += b.length;
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function zstdLevelsBench(seconds = 1.5): void {
  const rows: Record<string, string | number>[] = [];
  for (const size of [4 * 1024 * 1024, 256 * 1024]) {
    const data = batch(size);
    for (const [level, workers] of [[1, 0], [3, 0], [6, 0], [9, 0], [3, 2], [-1, 0]] as const) {
      const c = new zstd.Compressor();
      c.setParameters(workers > 0 ? { compressionLevel: level, nbWorkers: workers } : { compressionLevel: level });
      let out = c.compress(data);
      for (let i = 0; i < 3; i++) out = c.compress(data);
      let n = 0;
      const w0 = performance.now();
      const c0 = cpuMs();
      while (performance.now() - w0 < seconds * 1000) {
        out = c.compress(data);
        n++;
      }
      const cpu = cpuMs() - c0;
      const wall = performance.now() - w0;
      const mb = (n * data.length) / 1e6;
      rows.push({ batch: size >= 1 << 20 ? `${size >> 20} MiB` : `${size >> 10} KiB`, level, threads: workers || 1, 'CPU ms / MB': cpu / mb, 'MB/s (wall)': mb / (wall / 1000), ratio: data.length / out.length });
    }
  }
  printTable('zstd level and threads on OTLP span batches (one reused compressor)', rows);
}

if (import.meta.url === `file://${process.argv[1]}`) zstdLevelsBench();
