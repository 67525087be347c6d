// Counts delivered spans against what the load generator saw acknowledged. Trace ids carry
// the run's nonce, the request sequence number and the span's index (see fixture.ts), so
// every span that arrives names the request it came from.
import { decryptIds } from './fixture.js';
import { forEachTraceId } from './span-walk.js';

export interface Delivery {
  /** spans in acknowledged requests */
  expected: number;
  /** spans of acknowledged requests that arrived at least once */
  delivered: number;
  /** spans of acknowledged requests that never arrived */
  lost: number;
  /** arrivals beyond the first of the same span */
  duplicates: number;
  /** spans that arrived from requests not acknowledged (refused or cut off): allowed */
  unacknowledgedArrived: number;
  /** spans of this run seen in the output, all copies */
  seen: number;
}

export class DeliveryCounter {
  private readonly counts: Uint8Array;
  private seen = 0;

  constructor(
    private readonly key: Buffer,
    private readonly nonce: number,
    private readonly requests: number,
    private readonly spansPerRequest: number,
  ) {
    this.counts = new Uint8Array(requests * spansPerRequest);
  }

  /** Counts every span of this run in one ExportTraceServiceRequest. */
  add(request: Uint8Array): void {
    const offsets: number[] = [];
    forEachTraceId(request, (o) => offsets.push(o));
    const ids = Buffer.allocUnsafe(offsets.length * 16);
    offsets.forEach((o, i) => ids.set(request.subarray(o, o + 16), i * 16));
    const plain = decryptIds(this.key, ids);
    for (let o = 0; o < plain.length; o += 16) {
      if (plain.readUInt32BE(o) !== this.nonce) continue;
      const seq = plain.readUInt32BE(o + 4) * 2 ** 32 + plain.readUInt32BE(o + 8);
      const idx = plain.readUInt32BE(o + 12);
      if (seq >= this.requests || idx >= this.spansPerRequest) continue;
      const k = seq * this.spansPerRequest + idx;
      if (this.counts[k]! < 255) this.counts[k]!++;
      this.seen++;
    }
  }

  /** `acked[seq]` is 1 for every request the collector acknowledged. */
  report(acked: Uint8Array): Delivery {
    const d: Delivery = { expected: 0, delivered: 0, lost: 0, duplicates: 0, unacknowledgedArrived: 0, seen: this.seen };
    for (let seq = 0; seq < this.requests; seq++) {
      const ok = acked[seq] === 1;
      if (ok) d.expected += this.spansPerRequest;
      for (let i = 0; i < this.spansPerRequest; i++) {
        const c = this.counts[seq * this.spansPerRequest + i]!;
        if (c > 1) d.duplicates += c - 1;
        if (ok) {
          if (c > 0) d.delivered++;
          else d.lost++;
        } else if (c > 0) d.unacknowledgedArrived++;
      }
    }
    return d;
  }
}
