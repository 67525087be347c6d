// Accumulates ring records of one pipeline into one growing buffer: since concatenated
// requests of one type form one valid request, a batch costs one copy per record.
// Per-batch garbage is kept down three ways: a new batch starts at the size the last one
// reached (no doubling-and-copying on the way to 4 MiB), buffers of delivered batches come
// back through recycle() when nothing downstream can still hold them, and every buffer is of a
// size class (size-class.ts), so a spare fits the next batch although batches vary in size.
import type { Batch, Signal } from '../component.js';
import { sizeClass } from '../buffers/size-class.js';
import { SpareBuffers } from '../buffers/spare-buffers.js';
import { copyShared } from '../buffers/shared-copy.js';

export interface CutBatch extends Batch {
  /** receive time of the oldest record, for the end-to-end flush latency */
  readonly oldestReceivedAt: number;
  /**
   * source-side acknowledgement (the ring record's aux: a write-ahead log segment when > 0,
   * a delivery ticket when < 0) → records of it in this batch; undefined when none
   */
  readonly sourceAcks: Map<number, number> | undefined;
}

export class Batcher {
  private buf: Uint8Array;
  private len = 0;
  private items = 0;
  private oldest = 0;
  private sourceAcks: Map<number, number> | undefined;
  /** size of the last cut batch: the next one likely needs as much */
  private lastCut = 0;
  /** buffers of delivered batches, ready for reuse (at most SPARES, SPARE_BATCHES × max batch bytes) */
  private readonly spares: SpareBuffers;
  private readonly owned = new WeakSet<ArrayBufferLike>();
  /**
   * when the oldest record of the current batch was received (flush_interval runs from
   * here, so a record read late from the ring does not wait a whole window more), or when
   * the batch before it was cut for size
   */
  openedAt = 0;

  constructor(
    readonly signal: Signal,
    private readonly maxBatchBytes: number,
  ) {
    this.buf = new Uint8Array(0);
    this.spares = new SpareBuffers(SPARES, SPARE_BATCHES * maxBatchBytes, SPARE_GRACE_MS);
  }

  get bytes(): number {
    return this.len;
  }

  /** Appends; returns a full batch first if this record would overflow the current one. */
  add(payload: Uint8Array, items: number, receivedAt: number, now: number, ack = 0): CutBatch | undefined {
    let cut: CutBatch | undefined;
    if (this.len > 0 && this.len + payload.length > this.maxBatchBytes) cut = this.cut(now);
    if (this.len === 0) {
      // A record that overflowed the last batch opens the next one now: it was read in a
      // drain that is still going (a backlog), and dating the batch from its receive time would
      // make that batch due at once — one request per batch, each taking a whole buffer.
      this.openedAt = cut !== undefined ? now : Math.min(now, receivedAt);
      this.oldest = receivedAt;
      // a spare as large as the last batch will do; a new buffer gets a quarter more room
      if (this.buf.length < payload.length) this.buf = this.take(Math.max(payload.length, Math.min(this.maxBatchBytes, this.lastCut)), Math.max(64 * 1024, Math.min(this.maxBatchBytes, Math.max(payload.length * 4, this.lastCut + (this.lastCut >> 2))), payload.length));
    } else if (this.len + payload.length > this.buf.length) {
      const need = this.len + payload.length;
      const next = this.take(need, Math.min(this.buf.length * 2, Math.max(this.maxBatchBytes, need)));
      next.set(this.buf.subarray(0, this.len));
      // never handed out: the outgrown buffer is a spare at once
      this.keep(this.buf);
      this.buf = next;
    }
    // payload is in the ring's shared memory, appended at any offset (see shared-copy.ts)
    copyShared(this.buf, this.len, payload);
    this.len += payload.length;
    this.items += items;
    if (receivedAt < this.oldest) {
      this.oldest = receivedAt;
      if (receivedAt < this.openedAt) this.openedAt = receivedAt;
    }
    if (ack !== 0) {
      // one small map per batch, and only for records that carry an acknowledgement
      this.sourceAcks ??= new Map();
      this.sourceAcks.set(ack, (this.sourceAcks.get(ack) ?? 0) + 1);
    }
    return cut;
  }

  /** Hands the current bytes out as a batch; the next batch starts in a fresh buffer. */
  cut(now: number): CutBatch {
    const batch: CutBatch = {
      signal: this.signal,
      data: this.buf.subarray(0, this.len),
      items: this.items,
      createdAt: now,
      oldestReceivedAt: this.oldest,
      sourceAcks: this.sourceAcks,
    };
    this.sourceAcks = undefined;
    this.lastCut = this.len;
    // Exporters may hold the batch (retries): its memory comes back only through recycle().
    this.buf = new Uint8Array(0);
    this.len = 0;
    this.items = 0;
    return batch;
  }

  /**
   * Hands back the data of a batch this batcher cut, for reuse: called by the batch's
   * BufferHold once nothing reads it any more (never for a pinned one).
   */
  recycle(data: Uint8Array): void {
    if (data.byteOffset !== 0 || !this.owned.has(data.buffer)) return;
    this.keep(new Uint8Array(data.buffer));
  }

  /** Keeps a buffer nothing reads as a spare (within the spares' bounds). */
  private keep(whole: Uint8Array): void {
    if (whole.length * 2 < this.lastCut) return; // too small to be worth keeping
    this.spares.keep(whole, Date.now());
  }

  /** Lets spares over the bounds go once their grace has passed (the flush loop, every turn). */
  trimSpares(now: number): void {
    this.spares.trim(now);
  }

  /** spare buffers held (tests) */
  get spareCount(): number {
    return this.spares.count;
  }

  /**
   * The smallest spare of at least `need` bytes, else a new buffer of `size` or more (its size
   * class). Spares too small stay: batches vary, and the next one may fit them.
   */
  private take(need: number, size: number): Uint8Array {
    return this.spares.take(need) ?? this.alloc(Math.max(need, size));
  }

  private alloc(n: number): Uint8Array {
    // a record larger than a batch gets its own size; batches get their class (at most the cap)
    const b = new Uint8Array(n > this.maxBatchBytes ? n : Math.min(sizeClass(n, MIN_BUFFER), Math.max(this.maxBatchBytes, MIN_BUFFER)));
    this.owned.add(b.buffer);
    return b;
  }
}

const MIN_BUFFER = 64 * 1024;

// Delivered batches come back one by one without fusion, a tick's worth at a time with it
// (fusion emits held traces every 200 ms at most, each freeing the batches they came in: at
// 95k spans/s that is four ~2.3 MB batches, and an eviction frees more at once). Without fusion
// at most a batch or two are ever spare, so the bound costs memory only where it saves it.
const SPARES = 16;
/** spares hold at most this many full batches' worth of memory */
const SPARE_BATCHES = 4;
/**
 * Spares over those bounds stay this long. When traffic pauses, fusion emits its whole window
 * and every batch buffer it held (2 s of traffic: ~45 of 3 MB at 95k spans/s) comes back at
 * once; the next burst needs as many again, and allocating them anew cost their zeroing and
 * V8's full collections for the external memory, in the measured window of every bench run
 * after a warm-up (14 buffers allocated within a second, 23.6 s into a run).
 */
const SPARE_GRACE_MS = 10_000;
