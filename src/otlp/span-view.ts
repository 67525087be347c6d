// A Span read in place: one pass records where its fields are; values are decoded on demand.
// One view per batch, re-read per span.
import type { AttributeCursor } from './attributes-reader.js';
import { NO } from './fields.js';
import { decodeUtf8, Reader } from './wire.js';

const S = NO.Span;
const ST = NO.Status;
const EMPTY = new Uint8Array(0);

export class SpanView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  traceIdStart = 0;
  traceIdEnd = 0;
  spanIdStart = 0;
  spanIdEnd = 0;
  parentStart = 0;
  parentEnd = 0;
  nameStart = 0;
  nameEnd = 0;
  kind = 0;
  flags = 0;
  statusCode = 0;
  statusMessageStart = 0;
  statusMessageEnd = 0;
  /** offsets of the fixed64 times, -1 when absent (read later with fixed64BigAt) */
  startAt = -1;
  endAt = -1;
  private readonly r = new Reader(EMPTY);
  private readonly st = new Reader(EMPTY);

  read(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.traceIdStart = this.traceIdEnd = this.spanIdStart = this.spanIdEnd = 0;
    this.parentStart = this.parentEnd = this.nameStart = this.nameEnd = 0;
    this.statusMessageStart = this.statusMessageEnd = 0;
    this.kind = this.flags = this.statusCode = 0;
    this.startAt = this.endAt = -1;
    const r = this.r.target(buf, start, end);
    while (r.more()) {
      r.tag();
      const f = r.field;
      if (f === S.traceId && r.wt === 2) {
        r.lenBounds();
        this.traceIdStart = r.start;
        this.traceIdEnd = r.stop;
      } else if (f === S.spanId && r.wt === 2) {
        r.lenBounds();
        this.spanIdStart = r.start;
        this.spanIdEnd = r.stop;
      } else if (f === S.parentSpanId && r.wt === 2) {
        r.lenBounds();
        this.parentStart = r.start;
        this.parentEnd = r.stop;
      } else if (f === S.name && r.wt === 2) {
        r.lenBounds();
        this.nameStart = r.start;
        this.nameEnd = r.stop;
      } else if (f === S.kind && r.wt === 0) this.kind = r.varint32();
      else if (f === S.startTimeUnixNano && r.wt === 1) {
        this.startAt = r.pos;
        r.skip();
      } else if (f === S.endTimeUnixNano && r.wt === 1) {
        this.endAt = r.pos;
        r.skip();
      } else if (f === S.flags && r.wt === 5) this.flags = r.fixed32();
      else if (f === S.status && r.wt === 2) {
        r.lenBounds();
        // a repeated status merges field by field; later values win
        const st = this.st.target(buf, r.start, r.stop);
        while (st.more()) {
          st.tag();
          if (st.field === ST.code && st.wt === 0) this.statusCode = st.varint32();
          else if (st.field === ST.message && st.wt === 2) {
            st.lenBounds();
            this.statusMessageStart = st.start;
            this.statusMessageEnd = st.stop;
          } else st.skip();
        }
      } else r.skip();
    }
    return this;
  }

  name(): string {
    return decodeUtf8(this.buf, this.nameStart, this.nameEnd);
  }

  statusMessage(): string {
    return decodeUtf8(this.buf, this.statusMessageStart, this.statusMessageEnd);
  }

  traceId(): Uint8Array {
    return this.buf.subarray(this.traceIdStart, this.traceIdEnd);
  }

  spanId(): Uint8Array {
    return this.buf.subarray(this.spanIdStart, this.spanIdEnd);
  }

  parentSpanId(): Uint8Array {
    return this.buf.subarray(this.parentStart, this.parentEnd);
  }

  /** start_time_unix_nano (0n when absent) */
  startTimeNs(): bigint {
    return this.startAt < 0 ? 0n : this.r.reset(this.startAt, this.end).fixed64Big();
  }

  endTimeNs(): bigint {
    return this.endAt < 0 ? 0n : this.r.reset(this.endAt, this.end).fixed64Big();
  }

  /** start time in ms as a JS number (sub-µs precision lost) */
  startTimeMs(): number {
    return this.startAt < 0 ? 0 : this.r.reset(this.startAt, this.end).fixed64() / 1e6;
  }

  endTimeMs(): number {
    return this.endAt < 0 ? 0 : this.r.reset(this.endAt, this.end).fixed64() / 1e6;
  }

  /** Points `c` at this span's attributes. */
  attributes(c: AttributeCursor): AttributeCursor {
    return c.begin(this.buf, this.start, this.end, S.attributes);
  }
}
