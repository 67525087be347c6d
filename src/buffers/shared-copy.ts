// Large copies into and out of the ring's SharedArrayBuffer. V8 copies to or from shared memory
// with its relaxed (atomic) memmove: eight bytes at a time where source and destination sit
// alike modulo 8, else one byte at a time — ~2.5 GB/s against ~10 here (docs/benchmarks.md,
// "eleventh pass"). The batcher appends records at any offset, and a gRPC message that came in
// one DATA frame starts 5 bytes into it, so such copies were mostly byte by byte. Those go
// through a small plain scratch instead: shared ↔ scratch at matching alignment, scratch ↔
// plain by an ordinary memmove.

const WORD = 8;
const CHUNK = 64 * 1024;
/** below this a byte-by-byte copy costs less than the two steps */
const DIRECT_BELOW = 512;
/** one per thread (each worker loads its own copy of this module); only used within a call */
const scratch = new Uint8Array(CHUNK + WORD);

function isShared(a: Uint8Array): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** `dst.set(src, at)`, at word speed when one of the two is shared memory. */
export function copyShared(dst: Uint8Array, at: number, src: Uint8Array): void {
  const n = src.length;
  if (n < DIRECT_BELOW || ((dst.byteOffset + at - src.byteOffset) & (WORD - 1)) === 0) {
    dst.set(src, at);
    return;
  }
  const srcShared = isShared(src);
  if (srcShared === isShared(dst)) {
    // plain to plain is a memmove already; shared to shared is not the ring's case
    dst.set(src, at);
    return;
  }
  // the scratch takes the shared side's alignment; chunks are whole words, so it holds for each
  const r = srcShared ? src.byteOffset & (WORD - 1) : (dst.byteOffset + at) & (WORD - 1);
  for (let i = 0; i < n; i += CHUNK) {
    const len = Math.min(CHUNK, n - i);
    scratch.set(src.subarray(i, i + len), r);
    dst.set(scratch.subarray(r, r + len), at + i);
  }
}
