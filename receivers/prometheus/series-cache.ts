// Per-target series cache: a series' raw bytes `name{labels}` → what its samples need every
// scrape (attributes already encoded, relabel verdict, start time). A dcgm-exporter series keeps
// its labels for days, so after the first scrape a sample costs a hash, one compare and its
// value. Found by a 30-bit hash of the bytes (computed while the line is scanned) and verified
// byte for byte; series missing from two scrapes in a row are evicted, so the cache holds at
// most the series of the last two scrapes (bodies the memory budget already admitted).

export interface Series {
  readonly hash: number;
  /** the series as scraped: `name{labels}` bytes */
  readonly key: Buffer;
  /** sample name (interned per target: points of one metric share the string) */
  readonly name: string;
  /** NumberDataPoint attributes after metric relabeling; undefined when relabeling drops the series */
  readonly attrs: Uint8Array | undefined;
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
}

/** FNV-1a step, for hashing a series' bytes while they are scanned. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const fnv = (h: number, c: number): number => Math.imul(h ^ c, 16777619);
/** the table key: a small integer (V8 keeps it unboxed) */
export const slot = (h: number): number => h & 0x3fffffff;

export class SeriesCache {
  private readonly table = new Map<number, Series>();
  private readonly names = new Map<string, string>();
  /** series held, and their key + attribute bytes */
  size = 0;
  bytes = 0;

  /** The series whose key is body[s, e), hashed to `h` (a slot value). */
  find(h: number, body: Buffer, s: number, e: number): Series | undefined {
    for (let x = this.table.get(h); x !== undefined; x = x.next) {
      if (x.key.length === e - s && body.compare(x.key, 0, x.key.length, s, e) === 0) return x;
    }
    return undefined;
  }

  add(h: number, key: Buffer, name: string, attrs: Uint8Array | undefined, gen: number): Series {
    let n = this.names.get(name);
    if (n === undefined) {
      n = name;
      this.names.set(n, n);
    }
    const x: Series = { hash: h, key, name: n, attrs, seen: gen, startGen: -1, start: 0, last: 0, labels: undefined, rawLabels: undefined, next: this.table.get(h) };
    this.table.set(h, x);
    this.size++;
    this.bytes += key.length + (attrs?.length ?? 0);
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
          this.size--;
          this.bytes -= x.key.length + (x.attrs?.length ?? 0);
        }
        x = nx;
      }
      if (keep === undefined) this.table.delete(h);
      else if (keep !== head) this.table.set(h, keep);
    }
    // interning is only a speed-up (=== compares contents anyway): drop names of gone series
    if (this.names.size > this.size + 1024) this.names.clear();
  }
}
