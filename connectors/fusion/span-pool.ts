// Held spans to reuse: fusion holds each span for the join window, past the young generation,
// so a new object per span would be old-generation garbage. Spans go back here once their trace
// was emitted (written into the output request, which copies their bytes). The free list is a
// stack with its own count: a JS array popped under half full gives its storage up (V8 trims
// it) and the next releases allocate it again, ~1 MB at a time.
import { HeldSpan } from './model.js';

export class SpanPool {
  /** free[0, count) are free; entries past count are spans handed out (not referred to here as free) */
  private readonly free: HeldSpan[] = [];
  private count = 0;

  /** @param max spans kept for reuse at most (the rest are left to the collector) */
  constructor(private readonly max = 1 << 17) {}

  take(): HeldSpan {
    return this.count > 0 ? this.free[--this.count]! : new HeldSpan();
  }

  /** Gives back the spans of an emitted trace; they must no longer be referred to. */
  release(spans: readonly HeldSpan[]): void {
    for (let i = 0; i < spans.length; i++) {
      if (this.count >= this.max) return;
      const s = spans[i]!;
      s.clear();
      this.free[this.count++] = s;
    }
  }

  get size(): number {
    return this.count;
  }
}
