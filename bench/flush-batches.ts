// The flush worker's batch path alone, in one thread: 100-span requests (~47 KB) appended to
// a Batcher, cut every 1 MiB (what 50 ms of ~200 k spans/s amounts to) or at 4 MiB, each
// batch zstd-compressed as the file exporter does and then handed back as delivered.
// Reports CPU per million spans and the time spent in garbage collection.
//   node --expose-gc dist/bench/flush-batches.js
import { PerformanceObserver } from 'node:perf_hooks';
import type { Batch } from '../src/component.js';
import { Batcher } from '../src/flush/batcher.js';
import { compressedBatch } from '../src/compression/batch-cache.js';
import { RequestFactory, newRunKey } from './side-by-side/fixture.js';
import { printTable } from './table.js';

function requests(n: number): Buffer[] {
  const k = newRunKey();
  const fs = Array.from({ length: 8 }, (_, v) => new RequestFactory(100, v, k.key, k.nonce));
  return Array.from({ length: n }, (_, i) => {
    const f = fs[i % fs.length]!;
    const b = Buffer.alloc(f.template.length);
    f.fill(b, i);
    return b;
  });
}

function run(cutBytes: number, seconds: number, reqs: Buffer[]): Record<string, string | number> {
  const b = new Batcher('traces', 4 * 1024 * 1024);
  const recycle = (b as unknown as { recycle?: (d: Uint8Array) => void }).recycle?.bind(b);
  let gcMs = 0;
  const obs = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) gcMs += e.duration;
  });
  obs.observe({ entryTypes: ['gc'] });
  const deliver = (batch: Batch): void => {
    compressedBatch(batch, 'zstd', 3);
    recycle?.(batch.data);
  };
  let spans = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
    const r = reqs[i % reqs.length]!;
    const full = b.add(r, 100, 0, 0);
    if (full) deliver(full);
    if (b.bytes >= cutBytes) deliver(b.cut(0));
    spans += 100;
  }
  const c = process.cpuUsage(c0);
  obs.disconnect();
  const cpuS = (c.user + c.system) / 1e6;
  return { 'cut at': cutBytes >= 1 << 20 ? `${cutBytes >> 20} MiB` : `${cutBytes >> 10} KiB`, 'spans/s': spans / ((performance.now() - t0) / 1000), 'CPU-s / 1M spans': (cpuS / spans) * 1e6, 'GC ms / s': gcMs / seconds, recycling: recycle ? 'yes' : 'no' };
}

export function flushBatchesBench(seconds = 3): void {
  const reqs = requests(64);
  const rows = [run(1024 * 1024, seconds, reqs), run(4 * 1024 * 1024, seconds, reqs), run(256 * 1024, seconds, reqs)];
  printTable('Flush path alone: Batcher + zstd level 3 per batch (one thread)', rows);
}

if (import.meta.url === `file://${process.argv[1]}`) flushBatchesBench();
