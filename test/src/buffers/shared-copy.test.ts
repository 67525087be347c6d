// copyShared against a byte loop: both directions between shared and plain memory (and plain to
// plain, shared to shared), at every alignment of each end, for lengths around the direct-copy
// threshold and the scratch's chunk size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyShared } from '../../../src/buffers/shared-copy.js';

const LENGTHS = [0, 1, 7, 511, 512, 513, 4099, 65535, 65536, 65537, 131072 + 13];
const OFFSETS = [0, 1, 3, 5, 7, 8, 13];

function filled(len: number, shared: boolean, seed: number, view: number): Uint8Array {
  const a = new Uint8Array(shared ? new SharedArrayBuffer(len + view) : new ArrayBuffer(len + view), view, len);
  for (let i = 0; i < len; i++) a[i] = (i * 131 + seed) & 0xff;
  return a;
}

for (const [srcShared, dstShared] of [[true, false], [false, true], [false, false], [true, true]] as const) {
  test(`copies exactly, ${srcShared ? 'shared' : 'plain'} to ${dstShared ? 'shared' : 'plain'}, at any alignment`, () => {
    for (const n of LENGTHS) {
      for (const sv of OFFSETS) {
        // the source as a view into a larger array at offset `sv` (a record inside the ring)
        const src = filled(n, srcShared, 7, sv);
        for (const at of OFFSETS) {
          for (const dv of [0, 3]) {
            const dst = filled(n + at + 16, dstShared, 201, dv);
            const want = Uint8Array.from(dst);
            for (let i = 0; i < n; i++) want[at + i] = src[i]!;
            copyShared(dst, at, src);
            // compared byte by byte, to name the first wrong byte (the arrays are up to 128 KiB)
            let bad = -1;
            for (let i = 0; i < dst.length && bad < 0; i++) if (dst[i] !== want[i]) bad = i;
            assert.equal(bad, -1, `n ${n}, source view at ${sv}, at ${at}, destination view at ${dv}: byte ${bad}`);
          }
        }
      }
    }
  });
}
