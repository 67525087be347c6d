// Pass 2 reads only the events that become spans: pass 1 noted where each lies in the inflated
// input (offset, length), so the second pass slices them out of the chunks instead of scanning
// every byte again. An event split over chunks is put together from the pieces.

export class SpanExtents {
  private k = 0;
  private base = 0;
  private carry: Buffer | undefined;

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
          const piece = chunk.subarray(Math.max(0, s - base));
          this.carry = this.carry ? Buffer.concat([this.carry, piece]) : Buffer.from(piece);
        }
        break;
      }
      if (s >= base) this.onSpan(chunk, s - base, this.k);
      else {
        const whole = Buffer.concat([this.carry ?? Buffer.alloc(0), chunk.subarray(0, e - base)]);
        this.carry = undefined;
        this.onSpan(whole, 0, this.k);
      }
      this.k++;
    }
    this.base = end;
  }
}
