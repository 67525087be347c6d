// Size classes: the smallest power of two, or one and a half times one, at or above a size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sizeClass } from '../../../src/buffers/size-class.js';

test('a size maps to the smallest class at or above it', () => {
  // the classes from 1 KiB on, written out rather than computed the same way
  const classes = [1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768];
  for (let n = 1; n <= 32768; n++) {
    const want = classes.find((c) => c >= n)!;
    assert.equal(sizeClass(n), want, `size ${n}`);
  }
  assert.equal(sizeClass(2_400_000), 3 * 1024 * 1024);
  assert.equal(sizeClass(3 * 1024 * 1024 + 1), 4 * 1024 * 1024);
  assert.equal(sizeClass(9_300_000), 12 * 1024 * 1024);
});

test('never under the minimum; the minimum need not be a class', () => {
  assert.equal(sizeClass(10, 65536), 65536);
  assert.equal(sizeClass(65537, 65536), 98304);
  assert.equal(sizeClass(100, 1000), 1000);
  assert.equal(sizeClass(1001, 1000), 1024);
});
