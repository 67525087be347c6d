// Ring throughput: records/s and GB/s through write + drain at 64 B, 1 KiB and 64 KiB, single
// thread and with two worker-thread producers, against a plain Buffer.copy of the same bytes.
import { Worker } from 'node:worker_threads';
import { Ring } from '../src/ring/ring.js';
import { printTable } from './table.js';

const TOTAL_BYTES = 512 * 1024 * 1024;

function singleThread(size: number): { recs: number; secs: number } {
  const ring = Ring.create(64 * 1024 * 1024);
  const payload = new Uint8Array(size).fill(7);
  const sink = new Uint8Array(4 * 1024 * 1024);
  let sinkPos = 0;
  const n = Math.floor(TOTAL_BYTES / size);
  const batch = Math.max(1, Math.floor((16 * 1024 * 1024) / (size + 24)));
  const t0 = process.hrtime.bigint();
  for (let done = 0; done < n; ) {
    const k = Math.min(batch, n - done);
    for (let i = 0; i < k; i++) ring.write(1, 0, 1, payload);
    // the consumer copies each record into a batch buffer, as the flush worker does
    ring.drain((r) => {
      if (sinkPos + r.payload.length > sink.length) sinkPos = 0;
      sink.set(r.payload, sinkPos);
      sinkPos += r.payload.length;
    });
    done += k;
  }
  return { recs: n, secs: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function plainCopy(size: number): { recs: number; secs: number } {
  const src = Buffer.alloc(size, 7);
  const dst = Buffer.alloc(64 * 1024 * 1024);
  const n = Math.floor(TOTAL_BYTES / size);
  let pos = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    if (pos + size > dst.length) pos = 0;
    src.copy(dst, pos);
    pos += size;
  }
  return { recs: n, secs: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function twoProducers(size: number): Promise<{ recs: number; secs: number }> {
  const ring = Ring.create(64 * 1024 * 1024);
  const per = Math.floor(TOTAL_BYTES / size / 2);
  const src = `
    const { workerData, parentPort } = require('node:worker_threads');
    const { sab, size, count, ringUrl } = workerData;
    import(ringUrl).then(async ({ Ring }) => {
      const ring = new Ring(sab);
      const p = new Uint8Array(size).fill(3);
      for (let i = 0; i < count; i++) while (ring.write(1, 0, 1, p) !== 'ok') await ring.waitForSpace(5);
      parentPort.postMessage('done');
    });`;
  const ringUrl = new URL('../src/ring/ring.js', import.meta.url).href;
  const t0 = process.hrtime.bigint();
  const ws = [0, 1].map(() => new Worker(src, { eval: true, workerData: { sab: ring.sab, size, count: per, ringUrl } }));
  let finished = 0;
  ws.forEach((w) => w.on('message', () => finished++));
  let got = 0;
  const sink = new Uint8Array(4 * 1024 * 1024);
  let sinkPos = 0;
  while (got < per * 2) {
    const n = ring.drain((r) => {
      if (sinkPos + r.payload.length > sink.length) sinkPos = 0;
      sink.set(r.payload, sinkPos);
      sinkPos += r.payload.length;
    });
    got += n;
    if (n === 0) await ring.waitForData(1, 5);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await Promise.all(ws.map((w) => w.terminate()));
  void finished;
  return { recs: got, secs };
}

export async function ringBench(): Promise<void> {
  const rows: Record<string, string | number>[] = [];
  for (const size of [64, 1024, 65536]) {
    const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
    for (const [name, fn] of [
      ['Buffer.copy (ceiling)', () => Promise.resolve(plainCopy(size))],
      ['ring, 1 thread', () => Promise.resolve(singleThread(size))],
      ['ring, 2 worker producers', () => twoProducers(size)],
    ] as const) {
      await fn(); // warm-up
      const r = await fn();
      rows.push({ record: label, path: name, 'records/s': r.recs / r.secs, 'GB/s': (r.recs * size) / r.secs / 1e9 });
    }
  }
  printTable(`Ring throughput (${TOTAL_BYTES / 1024 / 1024} MiB per run, consumer copies each record out)`, rows);
}

if (import.meta.url === `file://${process.argv[1]}`) await ringBench();
