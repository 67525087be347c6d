// copyBytes against Uint8Array.set, for every length up to 70 (whole words and tails) at
// unaligned offsets, and what it returns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyBytes } from '../../../src/buffers/copy-bytes.js';

test('copies exactly src[start, end) to dst at `at`, nothing around it', () => {
  const src = Uint8Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff);
  for (let n = 0; n <= 70; n++) {
    for (const [start, at] of [[0, 0], [3, 5], [17, 1], [129, 130]] as const) {
      const dst = new Uint8Array(220).fill(0xee);
      const want = new Uint8Array(220).fill(0xee);
      want.set(src.subarray(start, start + n), at);
      assert.equal(copyBytes(dst, at, src, start, start + n), at + n);
      assert.deepEqual(dst, want, `n ${n}, start ${start}, at ${at}`);
    }
  }
});
