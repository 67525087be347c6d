// Multi-producer / single-consumer ring of variable-length records in one SharedArrayBuffer.
// Producers claim space with a CAS on HEAD, copy their bytes, then publish with one atomic
// store of the commit word. The consumer reads committed records in claim order, zeroes what
// it consumed (so stale bytes never look committed) and then advances TAIL. Atomics only:
// any thread that has the SharedArrayBuffer can produce, without locks or postMessage.
import { align8, CONSUMER_BEAT, CONSUMER_WAITING, CONTROL_BYTES, HEAD, HEADER_BYTES, isPowerOfTwo, PADDING, PRODUCERS_WAITING, RELEASES, TAIL, WAKES } from './layout.js';
import { copyShared } from '../buffers/shared-copy.js';

// Zeroing through memcpy from a zero page: TypedArray.fill on shared memory stores byte by
// byte and runs at a fifth of memcpy speed.
const ZEROS = Buffer.alloc(1024 * 1024);

/** the longest one shared wait for space lasts: the waiters' deadlines differ */
const SPACE_WAIT_MAX_MS = 50;

export type WriteStatus = 'ok' | 'full' | 'too_large';

export interface RingRecord {
  signal: number;
  source: number;
  flags: number;
  items: number;
  receivedAt: number;
  /** write-ahead log segment of the record (durability: disk), 0 otherwise */
  aux: number;
  /** a view into the ring: valid only until the consumer releases it */
  payload: Uint8Array;
}

export class Ring {
  readonly sab: SharedArrayBuffer;
  readonly capacity: number;
  private readonly mask: number;
  private readonly ctl: Int32Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly u8: Uint8Array;
  /** this thread's producers' shared wait for space (see waitForSpace) */
  private spaceWait: Promise<void> | undefined;

  /** Creates a new ring of `capacity` bytes (a power of two, at least 4 KiB). */
  static create(capacity: number): Ring {
    if (!isPowerOfTwo(capacity) || capacity < 4096 || capacity > 2 ** 30) {
      throw new RangeError(`ring capacity must be a power of two between 4 KiB and 1 GiB, got ${capacity}`);
    }
    return new Ring(new SharedArrayBuffer(CONTROL_BYTES + capacity));
  }

  /** Attaches to a ring created elsewhere (another thread). */
  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.capacity = sab.byteLength - CONTROL_BYTES;
    this.mask = this.capacity - 1;
    this.ctl = new Int32Array(sab, 0, CONTROL_BYTES / 4);
    this.i32 = new Int32Array(sab, CONTROL_BYTES, this.capacity / 4);
    this.f64 = new Float64Array(sab, CONTROL_BYTES, this.capacity / 8);
    this.u8 = new Uint8Array(sab, CONTROL_BYTES, this.capacity);
  }

  /** Largest payload one record can carry (so a wrap-around claim always fits). */
  get maxPayload(): number {
    return this.capacity / 2 - HEADER_BYTES;
  }

  usedBytes(): number {
    return (Atomics.load(this.ctl, HEAD) - Atomics.load(this.ctl, TAIL)) >>> 0;
  }

  /** Producer side: copy one record in. Never blocks. */
  write(signal: number, source: number, items: number, payload: Uint8Array, flags = 0, receivedAt = Date.now(), aux = 0): WriteStatus {
    const len = payload.length;
    if (len > this.maxPayload) return 'too_large';
    const need = align8(HEADER_BYTES + len);
    const ctl = this.ctl;
    let head: number;
    let off: number;
    let claim: number;
    for (;;) {
      head = Atomics.load(ctl, HEAD) >>> 0;
      const tail = Atomics.load(ctl, TAIL) >>> 0;
      // Negative only when the consumer rewound (below) between the two loads: HEAD is stale.
      const used = (head - tail) | 0;
      if (used < 0) continue;
      off = head & this.mask;
      const toEnd = this.capacity - off;
      claim = need <= toEnd ? need : toEnd + need;
      if (used + claim > this.capacity) return 'full';
      if (Atomics.compareExchange(ctl, HEAD, head | 0, (head + claim) | 0) === (head | 0)) break;
    }
    if (claim !== need) {
      // The record does not fit before the end: mark the rest as padding and start at 0.
      Atomics.store(this.i32, off >> 2, PADDING);
      off = 0;
    }
    const w = off >> 2;
    this.i32[w + 1] = (signal & 0xff) | ((source & 0xffff) << 8) | ((flags & 0xff) << 24);
    this.i32[w + 2] = items;
    this.i32[w + 3] = aux;
    this.f64[(off >> 3) + 2] = receivedAt;
    copyShared(this.u8, off + HEADER_BYTES, payload);
    // The seq-cst store publishes the plain writes above to the consumer's Atomics.load.
    Atomics.store(this.i32, w, len + 1);
    // Waking the consumer thread is the dearest step of a write (a lock in V8 and a task posted
    // to the worker), so it happens only when the consumer sleeps and the ring now holds what
    // it waits for: one record when idle, a batch's worth while a batch window is open. If it
    // starts to sleep after this check, it sees these bytes in its own check and does not.
    const want = Atomics.load(ctl, CONSUMER_WAITING);
    if (want !== 0 && this.usedBytes() >= want) this.wakeConsumer();
    return 'ok';
  }

  /**
   * Resolves when the consumer has freed space, or after `timeoutMs` (a wait already under way
   * in this thread may end up to SPACE_WAIT_MAX_MS later: callers loop to their deadline).
   * One wait per thread, shared by its producers: with each of 64 connections waiting on its
   * own, every release notified 64 waiters (a lock and a task posted each) and each woke to a
   * timer of its own and a retry.
   */
  waitForSpace(timeoutMs: number): Promise<void> {
    return (this.spaceWait ??= this.waitSpaceOnce(Math.min(timeoutMs, SPACE_WAIT_MAX_MS)));
  }

  private async waitSpaceOnce(timeoutMs: number): Promise<void> {
    const seen = Atomics.load(this.ctl, RELEASES);
    Atomics.add(this.ctl, PRODUCERS_WAITING, 1);
    try {
      await waitOn(this.ctl, RELEASES, seen, timeoutMs);
    } finally {
      Atomics.sub(this.ctl, PRODUCERS_WAITING, 1);
      // before the waiters resume: one that finds the ring still full waits anew
      this.spaceWait = undefined;
    }
  }

  /**
   * Consumer side: resolves once the ring holds at least `minBytes` (1: any record; producers
   * wake the consumer only then), on wakeConsumer(), or after `timeoutMs`.
   */
  async waitForData(minBytes: number, timeoutMs: number): Promise<void> {
    const ctl = this.ctl;
    const want = Math.max(1, Math.min(minBytes, this.capacity));
    const seen = Atomics.load(ctl, WAKES);
    Atomics.store(ctl, CONSUMER_WAITING, want);
    try {
      // after publishing the threshold: a producer that checked before it is seen here
      if (this.usedBytes() >= want) return;
      await waitOn(ctl, WAKES, seen, timeoutMs);
    } finally {
      Atomics.store(ctl, CONSUMER_WAITING, 0);
    }
  }

  /** Consumer side: one heartbeat (the consumer's loop is alive). */
  beat(): void {
    Atomics.add(this.ctl, CONSUMER_BEAT, 1);
  }

  /** The consumer's heartbeat counter: unchanged over a while = a stalled consumer. */
  beats(): number {
    return Atomics.load(this.ctl, CONSUMER_BEAT);
  }

  /** Wakes a consumer blocked in waitForData (shutdown, a change it must notice). */
  wakeConsumer(): void {
    Atomics.add(this.ctl, WAKES, 1);
    Atomics.notify(this.ctl, WAKES);
  }

  /** the last drain stopped at its `maxBytes` with records still waiting (a backlog) */
  drainLimited = false;

  /**
   * Consumer side: calls `fn` for each committed record in order, up to `maxBytes` of
   * ring space, then releases that space. `fn` must copy what it keeps. Returns the number
   * of records read. Only one thread may consume.
   */
  drain(fn: (rec: RingRecord) => boolean | void, maxBytes = this.capacity): number {
    const ctl = this.ctl;
    const start = Atomics.load(ctl, TAIL) >>> 0;
    const head = Atomics.load(ctl, HEAD) >>> 0;
    let tail = start;
    let zeroFrom = start; // consumed bytes not yet zeroed start here
    let count = 0;
    const rec: RingRecord = { signal: 0, source: 0, flags: 0, items: 0, receivedAt: 0, aux: 0, payload: this.u8.subarray(0, 0) };
    while (tail !== head && ((tail - start) >>> 0) < maxBytes) {
      const off = tail & this.mask;
      const w = off >> 2;
      const commit = Atomics.load(this.i32, w);
      if (commit === 0) break; // claimed but not yet committed: records stay in order
      if (commit === PADDING) {
        // Only the padding's commit word was written; the rest is still zero. Zeroing it
        // anyway would make the whole ring resident.
        this.zeroSpan(zeroFrom, (tail + 8) >>> 0);
        tail = (tail + (this.capacity - off)) >>> 0;
        zeroFrom = tail;
        continue;
      }
      const len = commit - 1;
      const meta = this.i32[w + 1]!;
      rec.signal = meta & 0xff;
      rec.source = (meta >>> 8) & 0xffff;
      rec.flags = meta >>> 24;
      rec.items = this.i32[w + 2]!;
      rec.aux = this.i32[w + 3]!;
      rec.receivedAt = this.f64[(off >> 3) + 2]!;
      rec.payload = this.u8.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len);
      count++;
      tail = (tail + align8(HEADER_BYTES + len)) >>> 0;
      if (fn(rec) === false) break;
    }
    this.drainLimited = tail !== head && ((tail - start) >>> 0) >= maxBytes;
    if (tail !== start) {
      this.zeroSpan(zeroFrom, tail);
      if (tail === head && (tail & this.mask) >= this.capacity >>> 2) tail = this.rewind(tail);
      this.release(tail);
    }
    return count;
  }

  /**
   * The ring is empty and its positions past a quarter of it: move both to the start of the
   * next lap, so that a consumer that keeps up only ever touches the first quarter and the rest
   * of the buffer's pages stay unmapped (peak RSS follows the backlog, not the capacity). A
   * producer that claims first wins and the ring simply goes on. Until TAIL follows, producers
   * see the skipped bytes as used: at least a quarter of the ring stays free meanwhile.
   */
  private rewind(tail: number): number {
    const next = (tail + this.capacity - (tail & this.mask)) >>> 0;
    return Atomics.compareExchange(this.ctl, HEAD, tail | 0, next | 0) === (tail | 0) ? next : tail;
  }

  private zero(start: number, end: number): void {
    for (let p = start; p < end; p += ZEROS.length) this.u8.set(end - p >= ZEROS.length ? ZEROS : ZEROS.subarray(0, end - p), p);
  }

  /** Zeroes the ring bytes between positions `from` and `to` (consumed: stale bytes must never look committed). */
  private zeroSpan(from: number, to: number): void {
    const a = from & this.mask;
    const span = (to - from) >>> 0;
    if (a + span <= this.capacity) this.zero(a, a + span);
    else {
      this.zero(a, this.capacity);
      this.zero(0, a + span - this.capacity);
    }
  }

  private release(to: number): void {
    Atomics.store(this.ctl, TAIL, to | 0);
    Atomics.add(this.ctl, RELEASES, 1);
    if (Atomics.load(this.ctl, PRODUCERS_WAITING) !== 0) Atomics.notify(this.ctl, RELEASES);
  }
}

/**
 * Atomics.waitAsync with a timer beside it: a pending waitAsync does not keep Node's event
 * loop alive, so without the timer a thread with nothing else to do would exit mid-wait.
 */
async function waitOn(ctl: Int32Array, index: number, value: number, timeoutMs: number): Promise<void> {
  const r = Atomics.waitAsync(ctl, index, value, timeoutMs);
  if (!r.async) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([r.value, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs + 1)))]);
  clearTimeout(timer);
}
