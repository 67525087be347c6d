// One byte budget shared by every scrape of a receiver: each scrape holds the bytes of its body
// from the first chunk until its data has been encoded and handed on. Per-target
// body_size_limit bounds one target; this bounds them all together, so a node full of hostile
// targets cannot add up to an out-of-memory kill.

export const DEFAULT_SCRAPE_MEMORY_BUDGET = 256 * 1024 * 1024;

export class MemoryBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** A holder for one scrape's bytes; release() returns them all. */
  reservation(): Reservation {
    let held = 0;
    return {
      take: (n: number): boolean => {
        if (this.limit > 0 && this.used + n > this.limit) return false;
        this.used += n;
        held += n;
        return true;
      },
      release: (): void => {
        this.used -= held;
        held = 0;
      },
    };
  }

  inUse(): number {
    return this.used;
  }
}

export interface Reservation {
  /** false when the bytes would exceed the budget (nothing is taken then) */
  take(n: number): boolean;
  release(): void;
}
