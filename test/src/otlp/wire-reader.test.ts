// The wire reader's varints: one-byte values (the fast path) and longer ones read back what
// putVarint wrote, within the reader's window only; a varint cut by the window's end throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { putVarint, Reader, WireError } from '../../../src/otlp/wire.js';

test('varints of one to eight bytes read back, one after another', () => {
  const values = [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31 - 1, 2 ** 32, 2 ** 53 - 1];
  const buf = new Uint8Array(100);
  let end = 0;
  for (const v of values) end = putVarint(buf, end, v);
  const r = new Reader(buf, 0, end);
  for (const v of values) assert.equal(r.varint(), v);
  assert.equal(r.pos, end);
});

test('the window bounds a varint: a one-byte value past its end is not read', () => {
  const buf = Uint8Array.from([5, 0x96, 0x01, 7]);
  assert.throws(() => new Reader(buf, 1, 2).varint(), WireError); // 0x96 continues past the window
  const r = new Reader(buf, 0, 1);
  assert.equal(r.varint(), 5);
  assert.throws(() => r.varint(), /truncated varint/); // 0x96 01 lies beyond the window
  assert.equal(new Reader(buf, 1, 3).varint(), 150);
  // one-byte values just past an empty window
  assert.throws(() => new Reader(buf, 0, 0).varint(), /truncated varint/);
  assert.throws(() => new Reader(buf, 3, 3).varint(), /truncated varint/);
});
