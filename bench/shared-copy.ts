// Copies of 48,701-byte records (a 100-span request) out of a 64 MiB SharedArrayBuffer into a
// 4 MiB batch buffer, and from plain buffers into the shared one, as the flush worker and the
// receivers do: `Uint8Array.set` against copyShared, with both ends aligned alike modulo 8 and
// not. Run: node dist/bench/shared-copy.js
import { copyShared } from '../src/buffers/shared-copy.js';
import { printTable } from './table.js';

const SHARED_BYTES = 64 * 1024 * 1024;
const RECORD = 48_701;
const ROUNDS = 8;

type Copy = (dst: Uint8Array, at: number, src: Uint8Array) => void;
const viaSet: Copy = (dst, at, src) => dst.set(src, at);

/** GB/s copying every record of the shared area out (or in), records 8-aligned in it */
function run(copy: Copy, out: boolean, skew: number): number {
  const shared = new Uint8Array(new SharedArrayBuffer(SHARED_BYTES));
  for (let i = 0; i < shared.length; i += 64) shared[i] = i & 0xff;
  const batch = new Uint8Array(4 * 1024 * 1024 + 16).fill(1);
  const stride = (RECORD + 7) & ~7;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < ROUNDS; r++) {
    let at = skew;
    for (let p = 0; p + stride <= SHARED_BYTES; p += stride) {
      if (at + RECORD > batch.length) at = skew;
      if (out) copy(batch, at, shared.subarray(p, p + RECORD));
      else copy(shared, p, batch.subarray(at, at + RECORD));
      // appended back to back, as the batcher does: the skew moves with each odd-length record
      at += out ? RECORD : stride;
      bytes += RECORD;
    }
  }
  return bytes / Number(process.hrtime.bigint() - t0);
}

export function sharedCopyBench(): void {
  const rows: Record<string, string | number>[] = [];
  for (const [what, out, skew] of [
    ['ring → batch, appended back to back', true, 0],
    ['request → ring, aligned alike', false, 0],
    ['request → ring, 5 bytes in (a gRPC frame)', false, 5],
  ] as const) {
    for (const [name, copy] of [['Uint8Array.set', viaSet], ['copyShared', copyShared]] as const) {
      run(copy, out, skew); // warm-up
      rows.push({ copy: what, with: name, 'GB/s': run(copy, out, skew) });
    }
  }
  printTable(`Copies to and from shared memory (${RECORD}-byte records, ${SHARED_BYTES / 1024 / 1024} MiB × ${ROUNDS})`, rows);
}

if (import.meta.url === `file://${process.argv[1]}`) sharedCopyBench();
