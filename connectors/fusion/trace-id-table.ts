// A hash table from 16-byte trace ids to small integers, held in typed arrays: open addressing
// with linear probing, keyed on the id's bytes read as four 32-bit words. Fusion indexes every
// held and every recently emitted trace by it; a Map keyed by id strings cost a string, a map
// entry and, for the minute an emitted trace is remembered, old-generation garbage per trace.
// The hash is seeded per table, so ids chosen by a client cannot be aimed at one probe run.
import { randomBytes } from 'node:crypto';

const EMPTY = -1;
const MIN_CAPACITY = 16;
/**
 * Rebuilt (grown, shrunk, stale entries dropped) beyond MAX_LOAD or below MIN_LOAD, to
 * REBUILT_LOAD: linear probing over contiguous slots stays within a cache line or two at 0.7,
 * and a rebuild comes after at least 75 % more entries.
 */
const MAX_LOAD = 0.7;
const MIN_LOAD = 0.1;
const REBUILT_LOAD = 0.4;

/** four bytes as a signed 32-bit integer (little-endian), as an Int32Array stores them */
export function word(buf: Uint8Array, at: number): number {
  return buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24);
}

function charWord(s: string, at: number): number {
  return s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24);
}

/** a slot: the id's four words, then its value (EMPTY: free), in one run of memory */
const STRIDE = 5;
const VALUE = 4;

/**
 * Tells a rebuild whether an entry (its value; its id as four words at words[at, at + 4))
 * still counts: an owner that lets entries go stale instead of
 * deleting them (fusion's held traces: the slot's trace left, or another trace took the slot)
 * has them dropped in the rebuild's one pass.
 */
export type EntryLive = (value: number, words: Int32Array, at: number) => boolean;

export class TraceIdTable {
  private capacity = 0;
  private slotsArr = new Int32Array(0);
  /** entries, stale ones included */
  private count = 0;
  /** values below it are stale: dropped at the next rebuild (see `staleBelow`) */
  private stale = 0;
  /** the slots a rebuild left (kept when entries go stale: rebuilds then keep the size) */
  private spare: Int32Array<ArrayBuffer> | undefined;
  /** the key being looked up, as words (set by the public methods) */
  private k0 = 0;
  private k1 = 0;
  private k2 = 0;
  private k3 = 0;

  constructor(
    capacity = MIN_CAPACITY,
    private readonly seed: number = randomBytes(4).readInt32LE(0),
    private readonly isLive?: EntryLive,
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

  /**
   * The id's value if it is there; else sets it to `value` and returns -1. One probe where a
   * get that misses and the set after it took two (fusion's every new trace).
   */
  getOrSet(buf: Uint8Array, at: number, value: number): number {
    this.load(buf, at);
    const i = this.probe();
    if (i >= 0) return this.slotsArr[i * STRIDE + VALUE]!;
    this.insertAt(-i - 1, value);
    return EMPTY;
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

  /**
   * Entries whose value is below `min` are stale from now on: they stay visible to lookups (the
   * caller tells them apart by value) until the table next grows or shrinks, which drops them
   * in its one pass, instead of a pass of its own.
   */
  staleBelow(min: number): void {
    this.stale = min;
  }

  /** Drops every entry whose value is below `min` now (values below it are not stale later). */
  dropBelow(min: number): void {
    const keep = this.stale;
    this.stale = min;
    this.rebuild(false);
    this.stale = keep;
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

  /** murmur3's 32-bit mixing over the seeded words */
  private hashOf(k0: number, k1: number, k2: number, k3: number): number {
    let h = this.seed ^ Math.imul(k0, 0xcc9e2d51);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
    h ^= Math.imul(k1, 0xcc9e2d51);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
    h ^= Math.imul(k2, 0xcc9e2d51);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
    h ^= Math.imul(k3, 0xcc9e2d51);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h;
  }

  /** the first slot a hash probes: the hash scaled to the capacity (any capacity, not only powers of two) */
  private start(h: number): number {
    return Math.min(this.capacity - 1, Math.floor(((h >>> 0) * this.capacity) / 4294967296));
  }

  /** where slot i's entry would be placed first */
  private home(i: number): number {
    const a = this.slotsArr;
    const k = i * STRIDE;
    return this.start(this.hashOf(a[k]!, a[k + 1]!, a[k + 2]!, a[k + 3]!));
  }

  private next(i: number): number {
    return i + 1 === this.capacity ? 0 : i + 1;
  }

  /** the slot holding the loaded key, or -(the free slot where it would go) - 1 */
  private probe(): number {
    const a = this.slotsArr;
    const { k0, k1, k2, k3 } = this;
    for (let i = this.start(this.hashOf(k0, k1, k2, k3)); ; i = this.next(i)) {
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
    let j = this.start(this.hashOf(old[o]!, old[o + 1]!, old[o + 2]!, old[o + 3]!));
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

  /**
   * Moves the live entries (stale ones dropped) into a table sized to hold them at REBUILT_LOAD
   * (growing: at least one more).
   */
  private rebuild(growing: boolean): void {
    const old = this.slotsArr;
    const oldCapacity = this.capacity;
    const stale = this.stale;
    const isLive = this.isLive;
    let live = 0;
    for (let i = 0; i < oldCapacity; i++) {
      const o = i * STRIDE;
      const v = old[o + VALUE]!;
      if (v < stale) continue;
      // the id as the array and an offset: four int32 arguments would be boxed (beyond 31 bits)
      if (isLive !== undefined && !isLive(v, old, o)) old[o + VALUE] = EMPTY;
      else live++;
    }
    this.allocate(Math.max(MIN_CAPACITY, Math.ceil((live + (growing ? 1 : 0)) / REBUILT_LOAD)));
    for (let i = 0; i < oldCapacity; i++) if (old[i * STRIDE + VALUE]! >= stale) this.insertFrom(old, i);
  }

  /** Empties it and keeps its slots (a table reused for the next generation). */
  clear(): void {
    const slots = this.slotsArr;
    for (let i = 0; i < this.capacity; i++) slots[i * STRIDE + VALUE] = EMPTY;
    this.count = 0;
    this.stale = 0;
  }

  private allocate(capacity: number): void {
    const old = this.slotsArr;
    // A rebuild at about the same size (stale entries dropped, as many live) reuses the array
    // before last: a fresh one each time is external memory V8 answers with full collections.
    const spare = this.spare;
    this.spare = old.length > 0 && this.isLive !== undefined ? old : undefined;
    const spareSlots = spare === undefined ? 0 : spare.length / STRIDE;
    if (spare !== undefined && spareSlots >= capacity && spareSlots <= capacity * 1.25) {
      this.capacity = spareSlots;
      this.slotsArr = spare;
    } else {
      this.capacity = capacity;
      this.slotsArr = new Int32Array(capacity * STRIDE);
    }
    capacity = this.capacity;
    for (let i = 0; i < capacity; i++) this.slotsArr[i * STRIDE + VALUE] = EMPTY;
    this.count = 0;
  }
}

