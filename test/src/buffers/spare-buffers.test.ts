// Spare buffers: the smallest that fits is handed out; bounds hold, and a larger buffer handed
// back displaces a smaller spare rather than being dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpareBuffers } from '../../../src/buffers/spare-buffers.js';

test('take hands out the smallest spare that is large enough, or nothing', () => {
  const s = new SpareBuffers(8, 1 << 20);
  const [a, b, c] = [new Uint8Array(3000), new Uint8Array(1000), new Uint8Array(2000)];
  s.keep(a);
  s.keep(b);
  s.keep(c);
  assert.equal(s.take(1500), c);
  assert.equal(s.take(4000), undefined);
  assert.equal(s.take(500), b);
  assert.equal(s.take(500), a);
  assert.equal(s.take(1), undefined);
  assert.equal(s.bytes, 0);
});

test('bounds: count and bytes; a larger buffer displaces smaller spares, a smaller one is dropped', () => {
  const s = new SpareBuffers(3, 10_000);
  const small = [new Uint8Array(2000), new Uint8Array(2500), new Uint8Array(3000)];
  for (const b of small) s.keep(b);
  assert.equal(s.count, 3);
  s.keep(new Uint8Array(1000)); // full, and smaller than every spare: dropped
  assert.deepEqual([s.count, s.bytes], [3, 7500]);
  const big = new Uint8Array(6000);
  s.keep(big); // 7,500 + 6,000 > 10,000: the two smallest go
  assert.deepEqual([s.count, s.bytes], [2, 9000]);
  assert.equal(s.take(5000), big);
  assert.equal(s.take(2800), small[2]);
  // one buffer over the byte bound is still kept, alone
  const huge = new Uint8Array(50_000);
  s.keep(huge);
  assert.equal(s.take(40_000), huge);
});

test('grace: spares over the bounds stay until they have been spare graceMs, then the smallest go', () => {
  const s = new SpareBuffers(2, 1 << 20, 1000);
  const [a, b, c, d] = [new Uint8Array(100), new Uint8Array(400), new Uint8Array(300), new Uint8Array(200)];
  s.keep(a, 0);
  s.keep(b, 0);
  s.keep(c, 500);
  s.keep(d, 900); // four over a bound of two: within their grace, all stay
  assert.deepEqual([s.count, s.bytes], [4, 1000]);
  s.trim(999);
  assert.equal(s.count, 4);
  s.trim(1000); // a and b are past their grace: a (the smaller) goes, then b, as c and d are not
  assert.deepEqual([s.count, s.bytes], [2, 500]);
  assert.equal(s.take(250), c);
  assert.equal(s.take(150), d);
  // a spare taken and kept again starts its grace anew
  s.keep(a, 2000);
  s.keep(b, 2000);
  s.keep(c, 2500);
  s.trim(2999);
  assert.equal(s.count, 3);
  s.trim(3000);
  assert.deepEqual([s.count, s.bytes], [2, 700], 'the smallest past its grace (a) went');
});
