// Fusion's held traces by id: trace id → the slot holding it. A slot's id is kept once, as four
// words by slot (`words`: the late window reads it there); an index entry is only the id's
// 32-bit hash and the slot, 8 bytes, a hash match being confirmed against the slot's words.
// A trace that leaves is only marked so (`release`): its entry goes stale, found again only if
// the same id comes back before its slot is reused (then taken over), and the next rebuild drops
// it when the entries reach MAX_LOAD. Removing entries as traces left cost a second cache miss
// per trace (a probe into a table of a few MB at a random place), more than the rebuilds: a
// rebuild at the same size writes its entries about where they were, in one sequential pass
// (sweeping stale entries out in place, by backward shifts, cost more still). At 95k new
// traces/s held 2 s the index is ~6 MB, where a table of full ids was ~10 MB.
import { charWord, hashWords, randomSeed, startSlot, word } from './id-hash.js';

const EMPTY = -1;
const MIN_CAPACITY = 16;
/**
 * Rebuilt (stale entries dropped) beyond MAX_LOAD, stale entries included: at the same size
 * while the held ones stay within [MIN_LOAD, GROW_LOAD], else resized to REBUILT_LOAD of them. In
 * a steady state of traces arriving and leaving, every ~1.8 × held new traces, at one size.
 * REBUILT_LOAD was 0.4 (a rebuild every ~0.75 × held): a quarter halves the rebuilds' cost per
 * trace, and since fusion loads each lookup's first entry ahead (warm) the larger table does not
 * slow the lookups (docs/benchmarks.md, "Issue 18, twelfth pass").
 */
const MAX_LOAD = 0.7;
const GROW_LOAD = 0.5;
const MIN_LOAD = 0.1;
const REBUILT_LOAD = 0.25;

export class HeldIdIndex {
  /** by slot: the id of the trace it holds (or last held) as four words (see `word`) */
  words = new Int32Array(4 * 1024);
  /** by slot: the hash of its id, and whether a trace holds it (1) */
  private hashes = new Int32Array(1024);
  private held = new Uint8Array(1024);
  /** entries: the id's hash, then its slot (EMPTY: free) */
  private entries: Int32Array<ArrayBuffer> = new Int32Array(0);
  private capacity = 0;
  /** entries, stale ones included */
  private count = 0;
  /** slots held */
  private heldCount = 0;
  /** the entries before last: the next rebuild's at the same size (see allocate) */
  private spare: Int32Array<ArrayBuffer> | undefined;
  /** the id being looked up, as words, and its hash (set by the public methods) */
  private k0 = 0;
  private k1 = 0;
  private k2 = 0;
  private k3 = 0;
  private h = 0;

  constructor(private readonly seed: number = randomSeed()) {
    this.allocate(MIN_CAPACITY);
  }

  /** entries, stale ones included (tests) */
  get size(): number {
    return this.count;
  }

  /** entries allocated (tests: growth and shrinking) */
  get slots(): number {
    return this.capacity;
  }

  /**
   * The slot holding the id at buf[at, at + 16); when none does, enters it with `slot` (whose
   * words it writes, marked held) and returns -1: one probe for fusion's every new trace.
   */
  getOrAdd(buf: Uint8Array, at: number, slot: number): number {
    return this.getOrAddHashed(buf, at, this.hash(buf, at), slot);
  }

  /** The hash a lookup of the id at buf[at, at + 16) probes with (see warm). */
  hash(buf: Uint8Array, at: number): number {
    return hashWords(this.seed, word(buf, at), word(buf, at + 4), word(buf, at + 8), word(buf, at + 12));
  }

  /**
   * Loads the entry where a lookup of hash `h` begins and returns it; the caller folds the
   * values into one it keeps (else the loads could be dropped). A lookup's first load is a
   * cache miss per new trace, and in a loop that does the whole lookup and the holding after it
   * each miss waits for the one before; a loop of these loads alone, over the next spans of a
   * batch, has them under way together, and their lookups then find the entries in the cache.
   */
  warm(h: number): number {
    return this.entries[startSlot(h, this.capacity) * 2 + 1]!;
  }

  /** getOrAdd with the id's hash known (`hash(buf, at)`). */
  getOrAddHashed(buf: Uint8Array, at: number, h: number, slot: number): number {
    this.k0 = word(buf, at);
    this.k1 = word(buf, at + 4);
    this.k2 = word(buf, at + 8);
    this.k3 = word(buf, at + 12);
    this.h = h;
    const i = this.probe();
    if (i >= 0) {
      const v = this.entries[i * 2 + 1]!;
      if (this.held[v] === 1) return v;
      // the same id's stale entry (it left, its slot not reused since): taken over
      this.entries[i * 2 + 1] = slot;
      this.enter(slot);
      return EMPTY;
    }
    this.insertAt(-i - 1, slot);
    return EMPTY;
  }

  /** The slot holding the id given as 16 latin1 characters, or -1. */
  findKey(key: string): number {
    if (key.length !== 16) return EMPTY;
    this.k0 = charWord(key, 0);
    this.k1 = charWord(key, 4);
    this.k2 = charWord(key, 8);
    this.k3 = charWord(key, 12);
    this.h = hashWords(this.seed, this.k0, this.k1, this.k2, this.k3);
    const i = this.probe();
    if (i < 0) return EMPTY;
    const v = this.entries[i * 2 + 1]!;
    return this.held[v] === 1 ? v : EMPTY;
  }

  /** The trace in `slot` left: its entry goes stale (its words stay, for the late window). */
  release(slot: number): void {
    if (this.held[slot] !== 1) return;
    this.held[slot] = 0;
    this.heldCount--;
  }

  private next(i: number): number {
    return i + 1 === this.capacity ? 0 : i + 1;
  }

  /** the first entry of the loaded id and hash (held or stale), or -(the free entry where it would go) - 1 */
  private probe(): number {
    const { k0, k1, k2, k3, h } = this;
    const e = this.entries;
    const w = this.words;
    for (let i = startSlot(h, this.capacity); ; i = this.next(i)) {
      const v = e[i * 2 + 1]!;
      if (v === EMPTY) return -i - 1;
      if (e[i * 2] === h) {
        const k = v * 4;
        if (w[k] === k0 && w[k + 1] === k1 && w[k + 2] === k2 && w[k + 3] === k3) return i;
      }
    }
  }

  /** Enters the loaded id (known absent) with `slot` at free entry `free` (probed), rebuilding first if due. */
  private insertAt(free: number, slot: number): void {
    if (slot < 0) throw new Error('held id index: slots are ≥ 0');
    if (this.count + 1 > this.capacity * MAX_LOAD) {
      this.rebuild();
      free = this.freeFrom(startSlot(this.h, this.capacity));
    }
    const e = this.entries;
    e[free * 2] = this.h;
    e[free * 2 + 1] = slot;
    this.count++;
    this.enter(slot);
  }

  /** `slot` holds the loaded id (hash in `h`) from now on. */
  private enter(slot: number): void {
    if (slot >= this.held.length) this.growSlots(slot + 1);
    const w = this.words;
    const k = slot * 4;
    w[k] = this.k0;
    w[k + 1] = this.k1;
    w[k + 2] = this.k2;
    w[k + 3] = this.k3;
    this.hashes[slot] = this.h;
    if (this.held[slot] !== 1) this.heldCount++;
    this.held[slot] = 1;
  }

  private growSlots(n: number): void {
    const size = Math.max(n, this.held.length * 2);
    const words = new Int32Array(size * 4);
    words.set(this.words);
    this.words = words;
    const hashes = new Int32Array(size);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const held = new Uint8Array(size);
    held.set(this.held);
    this.held = held;
  }

  private freeFrom(i: number): number {
    const e = this.entries;
    while (e[i * 2 + 1] !== EMPTY) i = this.next(i);
    return i;
  }

  /**
   * Moves the live entries (their slot held, by an id of their hash) into a table sized for the
   * held slots and one more (see MAX_LOAD), in one pass; hashes are moved, not recomputed.
   */
  private rebuild(): void {
    const n = this.heldCount + 1;
    let capacity = this.capacity;
    if (n > capacity * GROW_LOAD || (n < capacity * MIN_LOAD && capacity > MIN_CAPACITY)) capacity = Math.max(MIN_CAPACITY, Math.ceil(n / REBUILT_LOAD));
    const old = this.entries;
    const oldCapacity = this.capacity;
    this.allocate(capacity);
    const e = this.entries;
    const { held, hashes } = this;
    let count = 0;
    for (let i = 0; i < oldCapacity; i++) {
      const v = old[i * 2 + 1]!;
      if (v === EMPTY) continue;
      const h = old[i * 2]!;
      if (held[v] !== 1 || hashes[v] !== h) continue;
      const j = this.freeFrom(startSlot(h, capacity));
      e[j * 2] = h;
      e[j * 2 + 1] = v;
      count++;
    }
    this.count = count;
  }

  private allocate(capacity: number): void {
    // a rebuild at the same size reuses the array before last: a fresh one each time is
    // external memory V8 answers with full collections
    const spare = this.spare;
    this.spare = this.entries.length > 0 ? this.entries : undefined;
    this.capacity = capacity;
    this.entries = spare !== undefined && spare.length === capacity * 2 ? spare : new Int32Array(capacity * 2);
    const e = this.entries;
    for (let i = 0; i < capacity; i++) e[i * 2 + 1] = EMPTY;
    this.count = 0;
  }
}
