// In memory mode, tells a source when the records it handed over are complete: the record
// carries a ticket in its ring header (the slot durable mode uses for the write-ahead log
// segment); the flush worker reports, per batch, how many records of each ticket every
// pipeline finished; the ticket's promise resolves when all its deliveries are done.
export class DeliveryTracker {
  private next = 1;
  private readonly open = new Map<number, { remaining: number; resolve: () => void }>();

  /** A ticket for one record that feeds `deliveries` pipelines, and its completion. */
  issue(deliveries: number): { ticket: number; delivered: Promise<void> } {
    const ticket = this.next;
    this.next = this.next >= 0x7fffffff ? 1 : this.next + 1; // int32 in the ring header, never 0
    let resolve!: () => void;
    const delivered = new Promise<void>((r) => (resolve = r));
    if (deliveries <= 0) resolve();
    else this.open.set(ticket, { remaining: deliveries, resolve });
    return { ticket, delivered };
  }

  /** The record never reached the ring: nothing will be delivered for it. */
  cancel(ticket: number): void {
    this.open.delete(ticket);
  }

  done(ticket: number, count: number): void {
    const t = this.open.get(ticket);
    if (!t) return;
    t.remaining -= count;
    if (t.remaining <= 0) {
      this.open.delete(ticket);
      t.resolve();
    }
  }

  get pending(): number {
    return this.open.size;
  }
}
