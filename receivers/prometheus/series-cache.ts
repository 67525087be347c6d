// Per-target series cache: a series' raw bytes `name{labels}` → what its samples need every
// scrape (attributes already encoded, relabel verdict, start time). A dcgm-exporter series keeps
// its labels for days and its place in the body, so after the first scrape a sample costs one
// compare (against the series that followed the previous one last time) and its value. Other
// lines are found by a 30-bit hash of the bytes (computed while the line is scanned), verified
// byte for byte; series missing from two scrapes in a row are evicted, so the cache holds at
// most the series of the last two scrapes (bodies the memory budget already admitted).

export interface Series {
  readonly hash: number;
  /**
   * A slab chunk holding the series' bytes: its key `name{labels}` as scraped at [at, at +
   * keyLength), then its NumberDataPoint attributes (after metric relabeling) for attrsLength
   * bytes. Offsets rather than views: no object per byte range for the GC to mark.
   */
  bytes: Uint8Array;
  at: number;
  readonly keyLength: number;
  /** -1: metric relabeling drops the series */
  readonly attrsLength: number;
  /** sample name (interned per target: points of one metric share the string) */
  readonly name: string;
  /** the name ends in _created (a counter's, histogram's or summary's creation time when its family is longer) */
  readonly createdName: boolean;
  /** generation (scrape number) that last saw the series */
  seen: number;
  /** cumulative start time: kept while the series is in consecutive scrapes and does not go down */
  startGen: number;
  start: number;
  last: number;
  /** labels after relabeling and the raw `{…}` text: only for histogram/summary/_created families, made on first need */
  labels: string[] | undefined;
  rawLabels: string | undefined;
  /** next series with the same hash */
  next: Series | undefined;
  /** the series after this one in the last scrape: the guess for the next line */
  follow: Series | undefined;
  /** evicted (a guess that is gone must not match) */
  gone: boolean;
}

/** Whether body[s, s + x.keyLength) is the series' key. */
export function keyAt(x: Series, body: Buffer, s: number): boolean {
  return body.compare(x.bytes, x.at, x.at + x.keyLength, s, s + x.keyLength) === 0;
}

/** FNV-1a step, for hashing a series' bytes while they are scanned. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const fnv = (h: number, c: number): number => Math.imul(h ^ c, 16777619);
/** the table key: a small integer (V8 keeps it unboxed) */
export const slot = (h: number): number => h & 0x3fffffff;

/**
 * Bytes of many series in few large buffers: one backing store per 256 KiB rather than two per
 * series, so the garbage collector has little to sweep (V8 tracks every ArrayBuffer).
 */
class Slab {
  static readonly SIZE = 256 * 1024;
  // plain Uint8Arrays: their subarray (one per point written) is cheaper than a Buffer's
  chunk = new Uint8Array(Slab.SIZE);
  used = 0;
  /** bytes handed out (live or not) */
  handedOut = 0;

  /** Room for `n` bytes: their offset in `chunk` (a chunk of their own when large). */
  take(n: number): number {
    if (n > Slab.SIZE / 4) {
      this.chunk = new Uint8Array(n);
      this.used = this.chunk.length; // the next take starts a new chunk
      return 0;
    }
    if (this.used + n > this.chunk.length) {
      this.chunk = new Uint8Array(Slab.SIZE);
      this.used = 0;
    }
    const at = this.used;
    this.used += n;
    this.handedOut += n;
    return at;
  }
}

export class SeriesCache {
  private readonly table = new Map<number, Series>();
  private slab = new Slab();
  private readonly names = new Map<string, string>();
  /** series held, and their key + attribute bytes */
  size = 0;
  bytes = 0;

  /** The series whose key is body[s, e), hashed to `h` (a slot value). */
  find(h: number, body: Buffer, s: number, e: number): Series | undefined {
    for (let x = this.table.get(h); x !== undefined; x = x.next) if (x.keyLength === e - s && keyAt(x, body, s)) return x;
    return undefined;
  }

  /** A series for body[s, e); `attrs` (undefined: dropped) is attrs.buf[0, attrs.pos). */
  add(h: number, body: Buffer, s: number, e: number, name: string, attrs: { buf: Uint8Array; pos: number } | undefined, gen: number): Series {
    const keyLength = e - s;
    const attrsLength = attrs === undefined ? -1 : attrs.pos;
    const slab = this.slab;
    const at = slab.take(keyLength + Math.max(0, attrsLength));
    body.copy(slab.chunk, at, s, e);
    if (attrs !== undefined) slab.chunk.set(attrs.buf.subarray(0, attrs.pos), at + keyLength);
    let n = this.names.get(name);
    if (n === undefined) {
      n = name;
      this.names.set(n, n);
    }
    const x: Series = { hash: h, bytes: slab.chunk, at, keyLength, attrsLength, name: n, createdName: n.endsWith('_created'), seen: gen, startGen: -1, start: 0, last: 0, labels: undefined, rawLabels: undefined, next: this.table.get(h), follow: undefined, gone: false };
    this.table.set(h, x);
    this.size++;
    this.bytes += keyLength + Math.max(0, attrsLength);
    return x;
  }

  /** Forgets series last seen before generation `gen`. */
  evict(gen: number): void {
    for (const [h, head] of this.table) {
      let keep: Series | undefined;
      for (let x: Series | undefined = head; x !== undefined; ) {
        const nx: Series | undefined = x.next;
        if (x.seen >= gen) {
          x.next = keep;
          keep = x;
        } else {
          x.gone = true;
          x.follow = undefined;
          this.size--;
          this.bytes -= x.keyLength + Math.max(0, x.attrsLength);
        }
        x = nx;
      }
      if (keep === undefined) this.table.delete(h);
      else if (keep !== head) this.table.set(h, keep);
    }
    // evicted series leave holes in the slab: copy the live ones to a new one when most is holes
    if (this.slab.handedOut > 2 * this.bytes + 4 * Slab.SIZE) {
      const slab = new Slab();
      for (const head of this.table.values()) {
        for (let x: Series | undefined = head; x !== undefined; x = x.next) {
          const n = x.keyLength + Math.max(0, x.attrsLength);
          const at = slab.take(n);
          slab.chunk.set(x.bytes.subarray(x.at, x.at + n), at);
          x.bytes = slab.chunk;
          x.at = at;
        }
      }
      this.slab = slab;
    }
    // interning is only a speed-up (=== compares contents anyway): drop names of gone series
    if (this.names.size > this.size + 1024) this.names.clear();
  }
}
