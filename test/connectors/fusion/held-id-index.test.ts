// Fusion's index of held traces (hash and slot per entry, the id itself by slot) against a Map
// keyed by the ids as strings: random adds and releases over reused slots in small tables
// (wrap-around, stale entries, rebuilds), ids whose 32-bit hashes are equal, a steady state of
// traces arriving and leaving, and ids read from a buffer at any offset or given as latin1 keys;
// lookups with the hash computed ahead (fusion's warmed path) against the same model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeldIdIndex } from '../../../connectors/fusion/held-id-index.js';
import { hashWords, word } from '../../../connectors/fusion/id-hash.js';
import { rng } from '../../harness/prng.js';

function randomId(r: () => number): Buffer {
  const b = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** Fusion's use: a slot per held id from a free list, given back when its id leaves. */
class Model {
  readonly bySlot = new Map<number, string>();
  readonly byKey = new Map<string, number>();
  private readonly free: number[] = [];
  private nextSlot = 0;
  peek(): number {
    return this.free.length > 0 ? this.free[this.free.length - 1]! : this.nextSlot;
  }
  add(key: string): number {
    const slot = this.free.length > 0 ? this.free.pop()! : this.nextSlot++;
    this.bySlot.set(slot, key);
    this.byKey.set(key, slot);
    return slot;
  }
  remove(slot: number): void {
    this.byKey.delete(this.bySlot.get(slot)!);
    this.bySlot.delete(slot);
    this.free.push(slot);
  }
}

function assertSame(x: HeldIdIndex, m: Model, ids: Buffer[]): void {
  for (const id of ids) assert.equal(x.findKey(id.toString('latin1')), m.byKey.get(id.toString('latin1')) ?? -1);
}

test('random adds and releases over reused slots agree with a Map (small tables, wrap-around)', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const x = new HeldIdIndex(seed * 7919);
    const m = new Model();
    const ids = Array.from({ length: 30 }, () => randomId(r));
    for (let op = 0; op < 600; op++) {
      if (r() < 0.6) {
        const id = ids[Math.floor(r() * ids.length)]!;
        const key = id.toString('latin1');
        const held = m.byKey.get(key);
        const slot = m.peek();
        // fusion's path: the hash computed (and the first entry loaded) ahead of the lookup
        let got: number;
        if (op % 2 === 0) got = x.getOrAdd(id, 0, slot);
        else {
          const h = x.hash(id, 0);
          assert.equal(typeof x.warm(h), 'number');
          got = x.getOrAddHashed(id, 0, h, slot);
        }
        assert.equal(got, held ?? -1);
        if (held === undefined) assert.equal(m.add(key), slot);
      } else if (m.bySlot.size > 0) {
        const slots = [...m.bySlot.keys()];
        const slot = slots[Math.floor(r() * slots.length)]!;
        x.release(slot);
        m.remove(slot);
      }
      assertSame(x, m, ids);
    }
  }
});

test('ids with equal 32-bit hashes are told apart by their words', () => {
  const seed = 4242;
  const r = rng(3);
  // at 300,000 random ids, pairs with one hash are all but certain (~10 expected)
  const byHash = new Map<number, Buffer>();
  const pairs: [Buffer, Buffer][] = [];
  for (let i = 0; i < 300_000 && pairs.length < 4; i++) {
    const id = randomId(r);
    const h = hashWords(seed, word(id, 0), word(id, 4), word(id, 8), word(id, 12));
    const other = byHash.get(h);
    if (other !== undefined && !other.equals(id)) pairs.push([other, id]);
    else byHash.set(h, id);
  }
  assert.ok(pairs.length >= 2, `${pairs.length} colliding pairs found`);
  const x = new HeldIdIndex(seed);
  // hash() is the hash the lookups probe with (findKey computes it from the key's characters)
  for (const [a, b] of pairs) assert.equal(x.hash(a, 0), x.hash(b, 0));
  assert.equal(x.hash(pairs[0]![0], 0), hashWords(seed, word(pairs[0]![0], 0), word(pairs[0]![0], 4), word(pairs[0]![0], 8), word(pairs[0]![0], 12)));
  let slot = 0;
  for (const [a, b] of pairs) {
    const sa = slot++;
    const sb = slot++;
    assert.equal(x.getOrAdd(a, 0, sa), -1);
    assert.equal(x.getOrAdd(b, 0, sb), -1, 'the second id of a hash is a new one');
    assert.equal(x.getOrAdd(a, 0, 99), sa);
    assert.equal(x.getOrAdd(b, 0, 99), sb);
  }
  // releasing the first of each pair leaves the second found
  for (let p = 0; p < pairs.length; p++) {
    const [a, b] = pairs[p]!;
    x.release(2 * p);
    assert.equal(x.findKey(a.toString('latin1')), -1);
    assert.equal(x.findKey(b.toString('latin1')), 2 * p + 1);
  }
  // a released id that comes back takes its stale entry over, not a new one
  const [a] = pairs[0]!;
  const before = x.size;
  assert.equal(x.getOrAdd(a, 0, 50), -1);
  assert.equal(x.size, before);
  assert.equal(x.findKey(a.toString('latin1')), 50);
  assert.equal(x.findKey(pairs[0]![1].toString('latin1')), 1);
});

test('grows with its entries; a steady state of arrivals and departures keeps its size; ids in a buffer at any offset', () => {
  const r = rng(99);
  const x = new HeldIdIndex(12345);
  const n = 60_000;
  const buf = Buffer.alloc(16 * n + 3);
  for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(r() * 256);
  const at = (i: number): number => 3 + i * 16;
  const free: number[] = [];
  const slotOf = new Int32Array(n).fill(-1);
  let next = 0;
  // 5,000 held at a time: id i arrives, id i - 5,000 leaves (its slot reused)
  let maxSlots = 0;
  for (let i = 0; i < n; i++) {
    if (i >= 5000) {
      x.release(slotOf[i - 5000]!);
      free.push(slotOf[i - 5000]!);
    }
    const slot = free.length > 0 ? free.pop()! : next++;
    assert.equal(x.getOrAdd(buf, at(i), slot), -1, `id ${i} is new`);
    slotOf[i] = slot;
    if (i === 2) assert.deepEqual(x.words.subarray(4 * slot, 4 * slot + 4), Int32Array.of(word(buf, at(2)), word(buf, at(2) + 4), word(buf, at(2) + 8), word(buf, at(2) + 12)));
    maxSlots = Math.max(maxSlots, x.slots);
  }
  assert.equal(next, 5000, 'slots reused');
  // 5,000 live: rebuilt to them at a quarter load (REBUILT_LOAD), never grown by the 55,000 that left
  assert.ok(maxSlots <= Math.ceil(5001 / 0.25), `${maxSlots} entries`);
  assert.ok(x.size <= maxSlots * 0.7);
  for (let i = 0; i < n; i++) assert.equal(x.findKey(buf.toString('latin1', at(i), at(i) + 16)), i < n - 5000 ? -1 : slotOf[i], `id ${i}`);
  for (let i = n - 5000; i < n; i++) assert.equal(x.getOrAdd(buf, at(i), -5), slotOf[i]);
  assert.equal(x.findKey('short'), -1);
});
