// Buffers handed back for reuse, bounded in count and bytes. A request for one gets the
// smallest that is large enough; when the bounds are reached, a buffer handed back takes the
// place of a smaller spare, so the spares follow sizes that grew. With buffers of size classes
// (size-class.ts), a spare fits the next request of about the same size.

export class SpareBuffers {
  private readonly list: Uint8Array[] = [];
  private total = 0;

  /**
   * @param maxCount spares kept at most
   * @param maxBytes their bytes at most (one buffer larger than this is still kept, alone)
   */
  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {}

  get count(): number {
    return this.list.length;
  }

  get bytes(): number {
    return this.total;
  }

  /** The smallest spare of at least `need` bytes (taken out), or undefined. */
  take(need: number): Uint8Array | undefined {
    const l = this.list;
    let best = -1;
    for (let i = 0; i < l.length; i++) if (l[i]!.length >= need && (best < 0 || l[i]!.length < l[best]!.length)) best = i;
    if (best < 0) return undefined;
    const b = l[best]!;
    l[best] = l[l.length - 1]!;
    l.pop();
    this.total -= b.length;
    return b;
  }

  /** Keeps `buf` (nothing may read or write it any more) if the bounds allow, evicting smaller spares. */
  keep(buf: Uint8Array): void {
    const l = this.list;
    const cap = Math.max(this.maxBytes, buf.length);
    while (l.length >= this.maxCount || this.total + buf.length > cap) {
      let smallest = 0;
      for (let i = 1; i < l.length; i++) if (l[i]!.length < l[smallest]!.length) smallest = i;
      const s = l[smallest];
      if (s === undefined || s.length >= buf.length) return;
      l[smallest] = l[l.length - 1]!;
      l.pop();
      this.total -= s.length;
    }
    l.push(buf);
    this.total += buf.length;
  }
}
