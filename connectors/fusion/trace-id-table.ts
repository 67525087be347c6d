// A hash table from 16-byte trace ids to small integers, held in typed arrays: open addressing
// with linear probing, keyed on the id's bytes read as four 32-bit words. The late window indexes
// each generation of emitted traces by it (fusion's held traces have their own, smaller index:
// held-id-index.ts); a Map keyed by id strings cost a string, a map entry and, for the minute an
// emitted trace is remembered, old-generation garbage per trace.
import { charWord, hashWords, randomSeed, startSlot, word } from './id-hash.js';

const EMPTY = -1;
const MIN_CAPACITY = 16;
/**
 * Rebuilt (grown, shrunk) beyond MAX_LOAD or below MIN_LOAD, to
 * REBUILT_LOAD: linear probing over contiguous slots stays within a cache line or two at 0.7,
 * and a rebuild comes after at least 75 % more entries.
 */
const MAX_LOAD = 0.7;
const MIN_LOAD = 0.1;
const REBUILT_LOAD = 0.4;

/** a slot: the id's four words, then its value (EMPTY: free), in one run of memory */
const STRIDE = 5;
const VALUE = 4;

export class TraceIdTable {
  private capacity = 0;
  private slotsArr = new Int32Array(0);
  /** entries */
  private count = 0;
  /** the key being looked up, as words (set by the public methods) */
  private k0 = 0;
  private k1 = 0;
  private k2 = 0;
  private k3 = 0;

  constructor(
    capacity = MIN_CAPACITY,
    private readonly seed: number = randomSeed(),
  ) {
    this.allocate(Math.max(MIN_CAPACITY, capacity));
  }

  get size(): number {
    return this.count;
  }

  /** slots allocated (tests: growth) */
  get slots(): number {
    return this.capacity;
  }

  /** The value for the id at buf[at, at + 16), or -1. */
  get(buf: Uint8Array, at: number): number {
    this.load(buf, at);
    const i = this.find();
    return i < 0 ? EMPTY : this.slotsArr[i * STRIDE + VALUE]!;
  }

  /** The same, for an id held as a 16-character latin1 string. */
  getKey(key: string): number {
    this.loadKey(key);
    const i = this.find();
    return i < 0 ? EMPTY : this.slotsArr[i * STRIDE + VALUE]!;
  }

  /** Sets the id's value (≥ 0), replacing any it had. */
  set(buf: Uint8Array, at: number, value: number): void {
    this.load(buf, at);
    this.put(value);
  }

  /** Sets the value of the id held as four words (see `word`) at w[at, at + 4). */
  setWords(w: Int32Array, at: number, value: number): void {
    this.k0 = w[at]!;
    this.k1 = w[at + 1]!;
    this.k2 = w[at + 2]!;
    this.k3 = w[at + 3]!;
    this.put(value);
  }

  setKey(key: string, value: number): void {
    this.loadKey(key);
    this.put(value);
  }

  /** Removes the id; returns its value, or -1 when it was not there. */
  delete(buf: Uint8Array, at: number): number {
    this.load(buf, at);
    return this.remove();
  }

  deleteKey(key: string): number {
    this.loadKey(key);
    return this.remove();
  }

  private load(buf: Uint8Array, at: number): void {
    this.k0 = word(buf, at);
    this.k1 = word(buf, at + 4);
    this.k2 = word(buf, at + 8);
    this.k3 = word(buf, at + 12);
  }

  private loadKey(key: string): void {
    if (key.length !== 16) throw new Error('trace id key: 16 characters expected');
    this.k0 = charWord(key, 0);
    this.k1 = charWord(key, 4);
    this.k2 = charWord(key, 8);
    this.k3 = charWord(key, 12);
  }

  /** where slot i's entry would be placed first */
  private home(i: number): number {
    const a = this.slotsArr;
    const k = i * STRIDE;
    return startSlot(hashWords(this.seed, a[k]!, a[k + 1]!, a[k + 2]!, a[k + 3]!), this.capacity);
  }

  private next(i: number): number {
    return i + 1 === this.capacity ? 0 : i + 1;
  }

  /** the slot holding the loaded key, or -(the free slot where it would go) - 1 */
  private probe(): number {
    const a = this.slotsArr;
    const { k0, k1, k2, k3 } = this;
    for (let i = startSlot(hashWords(this.seed, k0, k1, k2, k3), this.capacity); ; i = this.next(i)) {
      const k = i * STRIDE;
      if (a[k + VALUE] === EMPTY) return -i - 1;
      if (a[k] === k0 && a[k + 1] === k1 && a[k + 2] === k2 && a[k + 3] === k3) return i;
    }
  }

  private find(): number {
    const i = this.probe();
    return i < 0 ? -1 : i;
  }

  private put(value: number): void {
    const i = this.probe();
    if (i >= 0) {
      if (value < 0) throw new Error('trace id table: values are ≥ 0');
      this.slotsArr[i * STRIDE + VALUE] = value;
      return;
    }
    this.insertAt(-i - 1, value);
  }

  /** Inserts the loaded key, known to be absent, at free slot `free` (probed), growing first if due. */
  private insertAt(free: number, value: number): void {
    if (value < 0) throw new Error('trace id table: values are ≥ 0');
    if (this.count + 1 > this.capacity * MAX_LOAD) {
      this.rebuild(true);
      free = -this.probe() - 1;
    }
    this.write(free, this.k0, this.k1, this.k2, this.k3, value);
  }

  private write(i: number, k0: number, k1: number, k2: number, k3: number, value: number): void {
    const a = this.slotsArr;
    const k = i * STRIDE;
    a[k] = k0;
    a[k + 1] = k1;
    a[k + 2] = k2;
    a[k + 3] = k3;
    a[k + VALUE] = value;
    this.count++;
  }

  /** inserts old[i]'s entry, known to be absent (growth, rebuild) */
  private insertFrom(old: Int32Array, i: number): void {
    const o = i * STRIDE;
    const a = this.slotsArr;
    let j = startSlot(hashWords(this.seed, old[o]!, old[o + 1]!, old[o + 2]!, old[o + 3]!), this.capacity);
    while (a[j * STRIDE + VALUE] !== EMPTY) j = this.next(j);
    this.write(j, old[o]!, old[o + 1]!, old[o + 2]!, old[o + 3]!, old[o + VALUE]!);
  }

  /** Deletes with backward shift: every entry after the hole that may move into it does. */
  private remove(): number {
    const i0 = this.find();
    if (i0 < 0) return EMPTY;
    const a = this.slotsArr;
    const old = a[i0 * STRIDE + VALUE]!;
    let hole = i0;
    for (let j = this.next(hole); a[j * STRIDE + VALUE] !== EMPTY; j = this.next(j)) {
      const home = this.home(j);
      // j's entry may fill the hole unless its home lies in (hole, j] (cyclically)
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      a.copyWithin(hole * STRIDE, j * STRIDE, j * STRIDE + STRIDE);
      hole = j;
    }
    a[hole * STRIDE + VALUE] = EMPTY;
    this.count--;
    // shrink when a burst has passed
    if (this.capacity > MIN_CAPACITY && this.count < this.capacity * MIN_LOAD) this.rebuild(false);
    return old;
  }

  /** Moves the entries into a table sized to hold them at REBUILT_LOAD (growing: at least one more). */
  private rebuild(growing: boolean): void {
    const old = this.slotsArr;
    const oldCapacity = this.capacity;
    const n = this.count;
    this.allocate(Math.max(MIN_CAPACITY, Math.ceil((n + (growing ? 1 : 0)) / REBUILT_LOAD)));
    for (let i = 0; i < oldCapacity; i++) if (old[i * STRIDE + VALUE]! !== EMPTY) this.insertFrom(old, i);
  }

  /** Empties it and keeps its slots (a table reused for the next generation). */
  clear(): void {
    const slots = this.slotsArr;
    for (let i = 0; i < this.capacity; i++) slots[i * STRIDE + VALUE] = EMPTY;
    this.count = 0;
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.slotsArr = new Int32Array(capacity * STRIDE);
    for (let i = 0; i < capacity; i++) this.slotsArr[i * STRIDE + VALUE] = EMPTY;
    this.count = 0;
  }
}

