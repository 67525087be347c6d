// Acknowledgements as finalizers (the model of Vector's event finalization): every batch
// carries an AckSet, the handles of the source-side acknowledgements of its records (a
// write-ahead log segment, a delivery ticket behind a Kafka offset or a file checkpoint).
// Whoever holds a batch holds its acknowledgements and must do exactly one of:
//   - pass them on with the data it emits (the same set, or merged into the set of a new batch);
//   - complete them: the fan-out does so once every exporter delivered or durably spilled,
//     a processor does so with 'dropped' when it discards data on purpose (and counts it).
// Returning from process() means nothing for delivery.

/** How a batch ended; the worst status of everything merged wins. */
export type AckStatus = 'delivered' | 'dropped' | 'failed';

const RANK: Record<AckStatus, number> = { delivered: 0, dropped: 1, failed: 2 };

export function worstStatus(a: AckStatus, b: AckStatus): AckStatus {
  return RANK[b] > RANK[a] ? b : a;
}

/** One acknowledgement with a count of open shares; it fires once all of them completed. */
export class Finalizer {
  private shares = 1;
  private status: AckStatus = 'delivered';

  constructor(private readonly onDone: (status: AckStatus) => void) {}

  /** @internal AckSet only */
  retain(n: number): void {
    this.shares += n;
  }

  /** @internal AckSet only */
  release(status: AckStatus, n: number): void {
    this.status = worstStatus(this.status, status);
    this.shares -= n;
    if (this.shares === 0) this.onDone(this.status);
  }
}

/**
 * The acknowledgements a batch carries. A set is owned by one holder: `merge` and `complete`
 * consume it (it is empty afterwards, so a second complete does nothing), `share` makes a
 * second owned handle on the same acknowledgements for a holder that splits data.
 */
export class AckSet {
  private held: Map<Finalizer, number>;

  private constructor(held: Map<Finalizer, number>) {
    this.held = held;
  }

  /** A set with nothing to acknowledge (data without a source-side acknowledgement). */
  static none(): AckSet {
    return new AckSet(new Map());
  }

  /** A set holding one new acknowledgement; `onDone` runs once, with the worst status. */
  static of(onDone: (status: AckStatus) => void): AckSet {
    return new AckSet(new Map([[new Finalizer(onDone), 1]]));
  }

  /** One set holding everything the given sets held; the given sets are left empty. */
  static merge(sets: Iterable<AckSet>): AckSet {
    const out = new Map<Finalizer, number>();
    for (const s of sets) {
      for (const [f, n] of s.held) out.set(f, (out.get(f) ?? 0) + n);
      s.held = new Map();
    }
    return new AckSet(out);
  }

  get empty(): boolean {
    return this.held.size === 0;
  }

  /** Takes everything `other` holds into this set (`other` is left empty). */
  absorb(other: AckSet): this {
    if (other === this) return this;
    for (const [f, n] of other.held) this.held.set(f, (this.held.get(f) ?? 0) + n);
    other.held = new Map();
    return this;
  }

  /** Another handle on the same acknowledgements; each handle must be completed or passed on. */
  share(): AckSet {
    for (const [f, n] of this.held) f.retain(n);
    return new AckSet(new Map(this.held));
  }

  /** Completes this handle's share of every acknowledgement; later calls do nothing. */
  complete(status: AckStatus): void {
    const held = this.held;
    if (held.size === 0) return;
    this.held = new Map();
    for (const [f, n] of held) f.release(status, n);
  }
}
