// The SharedArrayBuffer ring: order, wrap-around, full and too-large records, and several
// worker-thread producers racing a consumer that stalls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { PRODUCERS_WAITING } from '../../../src/ring/layout.js';
import { Ring } from '../../../src/ring/ring.js';

test('records come out in order with their header fields', () => {
  const ring = Ring.create(4096);
  assert.equal(ring.write(1, 7, 3, Uint8Array.from([1, 2, 3]), 5, 1234.5), 'ok');
  assert.equal(ring.write(2, 8, 0, new Uint8Array(0)), 'ok');
  const got: unknown[] = [];
  ring.drain((r) => {
    got.push({ signal: r.signal, source: r.source, flags: r.flags, items: r.items, t: r.receivedAt, payload: [...r.payload] });
  });
  assert.deepEqual(got[0], { signal: 1, source: 7, flags: 5, items: 3, t: 1234.5, payload: [1, 2, 3] });
  assert.deepEqual((got[1] as { payload: number[] }).payload, []);
  assert.equal(ring.usedBytes(), 0);
});

test('wrap-around keeps records whole and in order', () => {
  const ring = Ring.create(4096);
  let next = 0;
  let expect = 0;
  for (let round = 0; round < 200; round++) {
    for (let k = 0; k < 3; k++) {
      const size = 100 + ((round * 37 + k * 11) % 900);
      const p = new Uint8Array(size).fill(next & 0xff);
      if (ring.write(1, 0, next, p) === 'ok') next++;
    }
    ring.drain((r) => {
      assert.equal(r.items, expect);
      assert.ok(r.payload.every((b) => b === (expect & 0xff)));
      expect++;
    });
  }
  assert.equal(expect, next);
  assert.ok(next > 500);
});

test('full ring refuses, too-large records are refused outright', () => {
  const ring = Ring.create(4096);
  assert.equal(ring.write(1, 0, 1, new Uint8Array(ring.maxPayload + 1)), 'too_large');
  let n = 0;
  while (ring.write(1, 0, 1, new Uint8Array(100)) === 'ok') n++;
  assert.equal(ring.write(1, 0, 1, new Uint8Array(100)), 'full');
  assert.ok(ring.usedBytes() > 4096 - 128);
  assert.equal(ring.drain(() => {}), n);
  assert.equal(ring.write(1, 0, 1, new Uint8Array(ring.maxPayload)), 'ok');
});

test('drain stops at a record that is claimed but not committed', () => {
  // Simulated by a consumer callback that reads while more records arrive: newer records
  // become visible only on the next drain, never out of order.
  const ring = Ring.create(4096);
  ring.write(1, 0, 0, new Uint8Array(10));
  const seen: number[] = [];
  ring.drain((r) => {
    seen.push(r.items);
    ring.write(1, 0, 1, new Uint8Array(10));
  });
  ring.drain((r) => {
    seen.push(r.items);
  });
  assert.deepEqual(seen, [0, 1]);
});

test('four worker producers race one stalling consumer: every record once, in per-producer order, intact', { timeout: 120_000 }, async () => {
  const ring = Ring.create(64 * 1024);
  const producers = 4;
  const perProducer = 5000;
  const workers = Array.from({ length: producers }, (_, id) =>
    new Worker(new URL('./producer-worker.js', import.meta.url), { workerData: { sab: ring.sab, id, count: perProducer, maxSize: 3000, seed: 1 + id * 7919 } }),
  );
  const done = workers.map((w) => new Promise<{ fulls: number }>((resolve, reject) => {
    w.on('message', resolve);
    w.on('error', reject);
  }));
  const nextSeq = new Array<number>(producers).fill(0);
  let total = 0;
  let stalls = 0;
  let finished = false;
  const allDone = Promise.all(done).then((r) => {
    finished = true;
    return r;
  });
  while (!finished || ring.usedBytes() > 0) {
    const n = ring.drain((r) => {
      const dv = new DataView(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
      const producer = dv.getUint32(0, true);
      const s = dv.getUint32(4, true);
      assert.equal(r.source, producer);
      assert.equal(s, nextSeq[producer], `producer ${producer} out of order`);
      assert.equal(r.items, r.payload.length);
      assert.equal(r.signal, 1 + (s % 3));
      for (let i = 8; i < r.payload.length; i += 97) assert.equal(r.payload[i], (s + i) & 0xff);
      nextSeq[producer]!++;
      total++;
    }, 16 * 1024);
    if (total % 1500 < n) {
      // the consumer stalls now and then: producers see a full ring and must wait
      stalls++;
      await new Promise((r) => setTimeout(r, 5));
    } else if (n === 0) {
      await ring.waitForData(1, 20);
    }
  }
  const results = await allDone;
  await Promise.all(workers.map((w) => w.terminate()));
  assert.equal(total, producers * perProducer);
  assert.deepEqual(nextSeq, new Array<number>(producers).fill(perProducer));
  assert.ok(stalls > 0);
  assert.ok(results.some((r) => r.fulls > 0), 'the ring never filled: the test did not exercise the full path');
  assert.equal(ring.usedBytes(), 0);
});

test('a waiting consumer is woken once the ring holds what it asked for, not by every record', async () => {
  const ring = Ring.create(64 * 1024);
  const recordBytes = 104; // 24-byte header + 80-byte payload, 8-aligned
  let woke = false;
  const waited = ring.waitForData(1000, 60_000).then(() => {
    woke = true;
  });
  let writes = 0;
  while (!woke && writes < 100) {
    assert.equal(ring.write(1, 0, 1, new Uint8Array(recordBytes - 24)), 'ok');
    writes++;
    await new Promise((r) => setImmediate(r));
  }
  await waited;
  // the tenth record crosses 1,000 bytes; none before it may wake the consumer
  assert.ok(writes >= Math.ceil(1000 / recordBytes), `woken after ${writes} records`);
  assert.ok(ring.usedBytes() >= 1000);
  // already there: no wait at all; wakeConsumer() ends any wait whatever it asked for
  await ring.waitForData(1000, 60_000);
  const big = ring.waitForData(ring.capacity, 60_000);
  ring.wakeConsumer();
  await big;
});

test('producers of one thread waiting for space share one wait: the consumer wakes one sleeper, and every producer gets in', async () => {
  const ring = Ring.create(4096);
  const ctl = new Int32Array(ring.sab, 0, 64);
  const payload = new Uint8Array(1000); // 1,024 bytes with the header: four fill the ring
  let filled = 0;
  while (ring.write(1, 0, 1, payload) === 'ok') filled++;
  assert.equal(filled, 4);
  const got: number[] = [];
  let waits = 0;
  const producer = async (id: number): Promise<void> => {
    while (ring.write(1, id, 1, payload) !== 'ok') {
      waits++;
      await ring.waitForSpace(60_000);
    }
    got.push(id);
  };
  const producers = Promise.all([...Array(20).keys()].map((id) => producer(100 + id)));
  await new Promise((r) => setImmediate(r));
  // 20 producers blocked, one sleeper the consumer sees (each notify is a lock and a task)
  assert.equal(waits, 20);
  assert.equal(Atomics.load(ctl, PRODUCERS_WAITING), 1);
  const drained: number[] = [];
  while (drained.length < filled + 20) {
    ring.drain((r) => {
      drained.push(r.source);
    }, 1);
    await new Promise((r) => setTimeout(r, 1));
  }
  await producers;
  assert.deepEqual([...got].sort((a, b) => a - b), [...Array(20).keys()].map((i) => 100 + i));
  assert.equal(drained.filter((s) => s >= 100).length, 20);
  assert.equal(Atomics.load(ctl, PRODUCERS_WAITING), 0);
});

// Bytes of the ring a test can inspect directly: the records area after the control words.
function recordBytes(ring: Ring): Uint8Array {
  return new Uint8Array(ring.sab, ring.sab.byteLength - ring.capacity);
}

test('a consumer that keeps up keeps the records in the first part of the ring (its pages are never written)', () => {
  const ring = Ring.create(64 * 1024);
  const bytes = recordBytes(ring);
  // Many laps' worth of records, drained after every few: a 64 KiB ring carries 2 MiB.
  let next = 0;
  let expect = 0;
  let highest = 0;
  for (let round = 0; round < 1000; round++) {
    for (let k = 0; k < 4; k++) {
      const p = new Uint8Array(200 + ((round * 31 + k * 7) % 300)).fill((next % 250) + 1);
      assert.equal(ring.write(1, 0, next, p), 'ok');
      next++;
    }
    // Before draining: find the furthest byte ever written (records leave nonzero payloads).
    for (let i = bytes.length - 1; i > highest; i--) {
      if (bytes[i] !== 0) {
        highest = i;
        break;
      }
    }
    ring.drain((r) => {
      assert.equal(r.items, expect);
      assert.ok(r.payload.every((b) => b === (expect % 250) + 1));
      expect++;
    });
  }
  assert.equal(expect, next);
  // Positions are rewound once the emptied ring is past a quarter (16 KiB): at most one
  // round (4 records of < 524 bytes with headers) lies beyond it.
  assert.ok(highest < 16 * 1024 + 4 * 528, `bytes written up to ${highest}`);
  assert.ok(bytes.every((b) => b === 0), 'consumed bytes are zeroed');
});

test('with a backlog the whole ring is used, and a record that does not fit before the end wraps behind padding', () => {
  const ring = Ring.create(16 * 1024);
  const bytes = recordBytes(ring);
  // Fill most of the ring without draining: records go past the quarter mark, up to the end.
  let n = 0;
  const size = 1224; // 24-byte header + 1,200 bytes: 13 fit (15,912 bytes), 472 left before the end
  while (ring.write(1, 0, n, new Uint8Array(size - 24).fill(7)) === 'ok') n++;
  assert.equal(n, 13);
  assert.ok(bytes.subarray(14 * 1024, 15 * 1024).some((b) => b !== 0), 'the backlog reached the last quarter');
  // Drain all but the last record so the next write wraps: it does not fit in the 472 bytes
  // before the end, which become padding.
  assert.equal(ring.drain(() => {}, (n - 1) * size), n - 1);
  const free = ring.capacity - ring.usedBytes();
  assert.ok(free > 1024);
  const before = ring.usedBytes();
  assert.equal(ring.write(1, 0, n, new Uint8Array(2000).fill(9)), 'ok');
  assert.ok(ring.usedBytes() > before + 2000, 'the record wrapped (padding counted as used)');
  const seen: number[] = [];
  ring.drain((r) => {
    seen.push(r.items);
  });
  assert.deepEqual(seen, [n - 1, n]);
  assert.equal(ring.usedBytes(), 0);
  assert.ok(bytes.every((b) => b === 0), 'records and the padding word are zeroed');
});
