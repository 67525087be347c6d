// Buffers handed back for reuse, bounded in count and bytes. A request for one gets the
// smallest that is large enough; when the bounds are reached, a buffer handed back takes the
// place of a smaller spare, so the spares follow sizes that grew. With buffers of size classes
// (size-class.ts), a spare fits the next request of about the same size.

export class SpareBuffers {
  private readonly list: Uint8Array[] = [];
  /** when each spare was kept (ms; by list index) */
  private readonly keptAt: number[] = [];
  private total = 0;

  /**
   * @param maxCount spares kept at most
   * @param maxBytes their bytes at most (one buffer larger than this is still kept, alone)
   * @param graceMs spares over the bounds stay until they have been spare this long (0: none
   *   over them): a pause in traffic gives back every buffer the next burst needs again, and
   *   dropping them meant allocating as much anew, as an allocator's decay of dirty pages avoids
   */
  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
    private readonly graceMs = 0,
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
    this.removeAt(best);
    return b;
  }

  /** Keeps `buf` (nothing may read or write it any more), then trims to the bounds. */
  keep(buf: Uint8Array, now = 0): void {
    this.list.push(buf);
    this.keptAt.push(now);
    this.total += buf.length;
    this.trim(now);
  }

  /**
   * Drops spares while over the bounds, the smallest first, of those spare for graceMs or more:
   * a larger buffer handed back displaces smaller spares rather than being dropped.
   */
  trim(now: number): void {
    const l = this.list;
    while (l.length > this.maxCount || (this.total > this.maxBytes && l.length > 1)) {
      let smallest = -1;
      for (let i = 0; i < l.length; i++) if (now - this.keptAt[i]! >= this.graceMs && (smallest < 0 || l[i]!.length < l[smallest]!.length)) smallest = i;
      if (smallest < 0) return;
      this.removeAt(smallest);
    }
  }

  private removeAt(i: number): void {
    const l = this.list;
    const k = this.keptAt;
    this.total -= l[i]!.length;
    l[i] = l[l.length - 1]!;
    k[i] = k[k.length - 1]!;
    l.pop();
    k.pop();
  }
}
