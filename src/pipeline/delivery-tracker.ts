// Delivery tickets: how a source that can re-read (a tailed file, a Kafka partition) learns
// when the records it handed over are complete. The record carries its ticket as a negative
// number in the ring header's aux slot (a positive one is a write-ahead log segment); the
// flush worker reports, per completed batch acknowledgement, how many records of each ticket a
// pipeline finished; the ticket resolves when all its deliveries are done, with the worst status.
import { worstStatus, type AckStatus } from '../acks/ack-set.js';

interface Open {
  remaining: number;
  status: AckStatus;
  /** the write-ahead log segment the record is also in (durability: disk), else 0 */
  segment: number;
  resolve: (s: AckStatus) => void;
}

export class DeliveryTracker {
  private next = 1;
  private readonly open = new Map<number, Open>();

  /** A ticket (< 0) for one record that feeds `deliveries` pipelines, and its completion. */
  issue(deliveries: number, segment = 0): { ticket: number; delivered: Promise<AckStatus> } {
    const ticket = -this.next;
    this.next = this.next >= 0x7fffffff ? 1 : this.next + 1; // int32 in the ring header, never 0
    let resolve!: (s: AckStatus) => void;
    const delivered = new Promise<AckStatus>((r) => (resolve = r));
    if (deliveries <= 0) resolve('delivered');
    else this.open.set(ticket, { remaining: deliveries, status: 'delivered', segment, resolve });
    return { ticket, delivered };
  }

  /** The record never reached the ring: nothing will be delivered for it. */
  cancel(ticket: number): void {
    this.open.delete(ticket);
  }

  /** `count` deliveries of the ticket's record are done; returns its log segment (or 0). */
  done(ticket: number, count: number, status: AckStatus): number {
    const t = this.open.get(ticket);
    if (!t) return 0;
    t.remaining -= count;
    t.status = worstStatus(t.status, status);
    if (t.remaining <= 0) {
      this.open.delete(ticket);
      t.resolve(t.status);
    }
    return t.segment;
  }

  get pending(): number {
    return this.open.size;
  }
}
