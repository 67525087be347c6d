// Held spans to reuse: fusion holds each span for the join window, past the young generation,
// so a new object per span would be old-generation garbage. Spans go back here once their trace
// was emitted (written into the output request, which copies their bytes).
import { HeldSpan } from './model.js';

export class SpanPool {
  private readonly free: HeldSpan[] = [];

  /** @param max spans kept for reuse at most (the rest are left to the collector) */
  constructor(private readonly max = 1 << 17) {}

  take(): HeldSpan {
    return this.free.pop() ?? new HeldSpan();
  }

  /** Gives back the spans of an emitted trace; they must no longer be referred to. */
  release(spans: readonly HeldSpan[]): void {
    for (const s of spans) {
      if (this.free.length >= this.max) return;
      s.clear();
      this.free.push(s);
    }
  }

  get size(): number {
    return this.free.length;
  }
}
