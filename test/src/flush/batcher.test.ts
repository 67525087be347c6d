// The batcher: concatenates records, cuts at max_batch_bytes, sizes a new batch from the last
// one, and reuses only buffers it cut itself once they are handed back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Batcher } from '../../../src/flush/batcher.js';

const rec = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

test('a batch is the concatenation of its records; a record that overflows cuts the batch first', () => {
  const b = new Batcher('traces', 1000);
  assert.equal(b.add(rec(400, 1), 2, 10, 100), undefined);
  assert.equal(b.add(rec(400, 2), 3, 5, 100), undefined);
  const cut = b.add(rec(400, 3), 1, 20, 101);
  assert.ok(cut);
  assert.equal(cut.data.length, 800);
  assert.deepEqual([...new Set(cut.data.subarray(0, 400))], [1]);
  assert.deepEqual([...new Set(cut.data.subarray(400))], [2]);
  assert.equal(cut.items, 5);
  assert.equal(cut.oldestReceivedAt, 5);
  const rest = b.cut(102);
  assert.equal(rest.data.length, 400);
  assert.equal(rest.items, 1);
});

test('the next batch starts at the size the last one reached: no growth copies', () => {
  const b = new Batcher('traces', 4 * 1024 * 1024);
  for (let i = 0; i < 30; i++) b.add(rec(10_000, i), 1, 0, 0);
  b.cut(0);
  b.add(rec(10_000, 1), 1, 0, 0);
  const first = (b as unknown as { buf: Uint8Array }).buf.buffer;
  for (let i = 0; i < 29; i++) b.add(rec(10_000, i), 1, 0, 0);
  assert.equal((b as unknown as { buf: Uint8Array }).buf.buffer, first, 'the buffer never had to grow');
  assert.equal(b.cut(0).data.length, 300_000);
});

test('recycled buffers are reused; foreign ones are ignored; a held batch is never reused', () => {
  const b = new Batcher('logs', 1024 * 1024);
  b.add(rec(100_000, 7), 1, 0, 0);
  const one = b.cut(0);
  b.add(rec(100_000, 8), 1, 0, 0);
  const two = b.cut(0); // `one` not handed back: `two` must be other memory
  assert.notEqual(two.data.buffer, one.data.buffer);
  assert.deepEqual([...new Set(one.data)], [7]);
  b.recycle(one.data);
  b.recycle(new Uint8Array(200_000)); // not ours
  b.add(rec(100_000, 9), 1, 0, 0);
  const three = b.cut(0);
  assert.equal(three.data.buffer, one.data.buffer, 'the handed-back buffer was reused');
  assert.deepEqual([...new Set(three.data)], [9]);
  assert.deepEqual([...new Set(two.data)], [8], 'a batch not handed back is untouched');
});

test('batches handed back together (fusion frees a tick of them at once) are all reused; spares stay bounded', () => {
  const b = new Batcher('traces', 1024 * 1024); // spares hold four full batches' worth at most
  const cut = (fill: number): Uint8Array => {
    b.add(rec(75_000, fill), 1, 0, 0);
    return b.cut(0).data;
  };
  const first = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(cut);
  assert.equal(new Set(first.map((d) => d.buffer)).size, 10, 'none handed back yet: ten buffers');
  for (const d of first) b.recycle(d);
  const again = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20].map(cut);
  const reused = again.filter((d) => first.some((f) => f.buffer === d.buffer)).length;
  // each buffer is 393,216 bytes (the size class of room for four such records): ten fit in 4 MiB
  assert.equal(reused, 10);
  again.forEach((d, i) => assert.deepEqual([...new Set(d)], [11 + i], 'a reused buffer holds only its new batch'));
  // twenty handed back at once: over the bounds, all stay for the grace period (a pause in
  // traffic: the next burst needs them again) ...
  const more = Array.from({ length: 10 }, (_, i) => cut(21 + i));
  for (const d of [...again, ...more]) b.recycle(d);
  assert.equal(b.spareCount, 20);
  b.trimSpares(Date.now() + 1000);
  assert.equal(b.spareCount, 20, 'within the grace period');
  // ... then the spares keep what fits in 4 MiB, the rest go
  b.trimSpares(Date.now() + 10_000);
  assert.equal(b.spareCount, 10);
  const third = Array.from({ length: 20 }, (_, i) => cut(31 + i));
  assert.equal(third.filter((d) => again.some((f) => f.buffer === d.buffer) || more.some((f) => f.buffer === d.buffer)).length, 10);
});

test('a burst after a pause reuses every buffer the last one gave back, while within the grace period', () => {
  const b = new Batcher('traces', 1024 * 1024);
  const cut = (fill: number): Uint8Array => {
    b.add(rec(200_000, fill), 1, 0, 0);
    return b.cut(0).data;
  };
  // 40 batches in flight at once (fusion's window), far over the bounds (16, 4 MiB)
  const burst = Array.from({ length: 40 }, (_, i) => cut(i));
  for (const d of burst) b.recycle(d);
  b.trimSpares(Date.now() + 5000);
  const next = Array.from({ length: 40 }, (_, i) => cut(100 + i));
  assert.equal(next.filter((d) => burst.some((f) => f.buffer === d.buffer)).length, 40, 'no new buffer');
});

test('a record that overflows a batch opens the next one at the cut, not at its receive time', () => {
  const b = new Batcher('traces', 1000);
  b.add(rec(600, 1), 1, 10, 500);
  assert.equal(b.openedAt, 10, 'a batch dates from its oldest record');
  assert.ok(b.add(rec(600, 2), 1, 20, 900)); // read late (a backlog): cuts the first batch
  // dated from its receive time (20) the new batch would be due at once, one record in it
  assert.equal(b.openedAt, 900);
});

test('batches that vary in size, handed back seconds later a tick at a time (fusion), stop allocating once warm', () => {
  // a steady load as fusion sees it: batches of 20–28 records (±17 % around the mean), each held
  // for 40 batches (2 s of 50 ms windows), then handed back four at a time (a 200 ms tick)
  const b = new Batcher('traces', 4 * 1024 * 1024);
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const held: { data: Uint8Array; fill: number }[] = [];
  const seen = new Set<ArrayBufferLike>();
  let newAfterWarmUp = 0;
  for (let i = 0; i < 600; i++) {
    const fill = i % 251;
    const records = 20 + Math.floor(random() * 9);
    for (let r = 0; r < records; r++) b.add(rec(10_000, fill), 1, 0, 0);
    const data = b.cut(0).data;
    assert.equal(data.length, records * 10_000);
    if (!seen.has(data.buffer)) {
      seen.add(data.buffer);
      if (i >= 200) newAfterWarmUp++;
    }
    held.push({ data, fill });
    if (held.length >= 44) {
      for (const h of held.splice(0, 4)) {
        // nothing wrote into a batch while it was held (an outgrown buffer is reused, not this)
        assert.deepEqual([...new Set(h.data)], [h.fill]);
        b.recycle(h.data);
      }
    }
  }
  assert.equal(newAfterWarmUp, 0, `${newAfterWarmUp} buffers allocated after warm-up (${seen.size} in all)`);
});

test('a batch that outgrows its buffer moves to a larger one; the smaller one serves a later batch', () => {
  const b = new Batcher('traces', 4 * 1024 * 1024);
  for (let i = 0; i < 10; i++) b.add(rec(10_000, 1), 1, 0, 0);
  b.cut(0); // the next batch gets room for 125,000 bytes: 131,072 (its class)
  b.add(rec(10_000, 2), 1, 0, 0);
  const small = (b as unknown as { buf: Uint8Array }).buf.buffer;
  assert.equal(small.byteLength, 131_072);
  for (let i = 0; i < 29; i++) b.add(rec(10_000, 2), 1, 0, 0);
  const big = b.cut(0);
  assert.notEqual(big.data.buffer, small);
  assert.equal(big.data.length, 300_000);
  // the next batch starts at the big one's size (in a new buffer); the one after a small batch
  // fits the outgrown buffer, the smallest spare that does, and the big batch is untouched
  for (let i = 0; i < 11; i++) b.add(rec(10_000, 3), 1, 0, 0);
  assert.notEqual((b as unknown as { buf: Uint8Array }).buf.buffer, small);
  b.cut(0); // 110,000 bytes: the first batch's 65,536-byte buffer (outgrown too) is too small
  b.add(rec(10_000, 4), 1, 0, 0);
  assert.equal((b as unknown as { buf: Uint8Array }).buf.buffer, small);
  assert.deepEqual([...new Set(big.data)], [2]);
});
