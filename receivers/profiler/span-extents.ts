// Pass 2 reads only the events that become spans: pass 1 noted where each lies in the inflated
// input (offset, length), so the second pass slices them out of the chunks instead of scanning
// every byte again. An event split over chunks is put together from the pieces, in one buffer of
// its length (copied once, however many chunks it spans).

export class SpanExtents {
  private k = 0;
  private base = 0;
  /** the event being put together, and how much of it is there */
  private carry: Buffer | undefined;
  private carried = 0;

  constructor(
    private readonly at: Float64Array,
    private readonly len: Int32Array,
    private readonly count: number,
    /** span `k`'s event begins at b[start] (b is only valid during the call) */
    private readonly onSpan: (b: Uint8Array, start: number, k: number) => void,
  ) {}

  get done(): number {
    return this.k;
  }

  write(chunk: Buffer): void {
    const base = this.base;
    const end = base + chunk.length;
    while (this.k < this.count) {
      const s = this.at[this.k]!;
      const e = s + this.len[this.k]!;
      if (e > end) {
        // the event goes on in the next chunk: keep what there is of it
        if (s < end) {
          if (!this.carry) {
            this.carry = Buffer.allocUnsafe(e - s);
            this.carried = 0;
          }
          this.carry.set(chunk.subarray(Math.max(0, s - base)), this.carried);
          this.carried += end - Math.max(s, base);
        }
        break;
      }
      if (s >= base) this.onSpan(chunk, s - base, this.k);
      else {
        const whole = this.carry;
        if (!whole) throw new Error('the trace changed while it was read (an event begins before the data)');
        whole.set(chunk.subarray(0, e - base), this.carried);
        this.carry = undefined;
        this.onSpan(whole, 0, this.k);
      }
      this.k++;
    }
    this.base = end;
  }
}
