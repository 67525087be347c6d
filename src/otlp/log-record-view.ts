// A LogRecord read in place: one pass records where its fields are; values are decoded on
// demand. One view per batch, re-read per record.
import { anyValue, type AttributeCursor } from './attributes-reader.js';
import { NO } from './fields.js';
import { decodeUtf8, Reader } from './wire.js';

const L = NO.LogRecord;
const EMPTY = new Uint8Array(0);

export class LogRecordView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  severityNumber = 0;
  severityTextStart = 0;
  severityTextEnd = 0;
  /** AnyValue bytes of the body ([0, 0) when absent) */
  bodyStart = 0;
  bodyEnd = 0;
  traceIdStart = 0;
  traceIdEnd = 0;
  spanIdStart = 0;
  spanIdEnd = 0;
  eventNameStart = 0;
  eventNameEnd = 0;
  flags = 0;
  private timeAt = -1;
  private observedAt = -1;
  private readonly r = new Reader(EMPTY);

  read(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.severityNumber = this.flags = 0;
    this.severityTextStart = this.severityTextEnd = this.bodyStart = this.bodyEnd = 0;
    this.traceIdStart = this.traceIdEnd = this.spanIdStart = this.spanIdEnd = 0;
    this.eventNameStart = this.eventNameEnd = 0;
    this.timeAt = this.observedAt = -1;
    const r = this.r.target(buf, start, end);
    while (r.more()) {
      r.tag();
      const f = r.field;
      if (f === L.timeUnixNano && r.wt === 1) {
        this.timeAt = r.pos;
        r.skip();
      } else if (f === L.observedTimeUnixNano && r.wt === 1) {
        this.observedAt = r.pos;
        r.skip();
      } else if (f === L.severityNumber && r.wt === 0) this.severityNumber = r.varint32();
      else if (f === L.flags && r.wt === 5) this.flags = r.fixed32();
      else if (r.wt !== 2) r.skip();
      else {
        r.lenBounds();
        if (f === L.severityText) {
          this.severityTextStart = r.start;
          this.severityTextEnd = r.stop;
        } else if (f === L.body) {
          this.bodyStart = r.start;
          this.bodyEnd = r.stop;
        } else if (f === L.traceId) {
          this.traceIdStart = r.start;
          this.traceIdEnd = r.stop;
        } else if (f === L.spanId) {
          this.spanIdStart = r.start;
          this.spanIdEnd = r.stop;
        } else if (f === L.eventName) {
          this.eventNameStart = r.start;
          this.eventNameEnd = r.stop;
        }
      }
    }
    return this;
  }

  /** time_unix_nano (0n when absent) */
  timeNs(): bigint {
    return this.timeAt < 0 ? 0n : this.r.reset(this.timeAt, this.end).fixed64Big();
  }

  /** observed_time_unix_nano (0n when absent) */
  observedTimeNs(): bigint {
    return this.observedAt < 0 ? 0n : this.r.reset(this.observedAt, this.end).fixed64Big();
  }

  severityText(): string {
    return decodeUtf8(this.buf, this.severityTextStart, this.severityTextEnd);
  }

  eventName(): string {
    return decodeUtf8(this.buf, this.eventNameStart, this.eventNameEnd);
  }

  /** The body's scalar value (undefined for none, arrays, kvlists and bytes). */
  bodyValue(): string | number | boolean | undefined {
    return anyValue(this.buf, this.bodyStart, this.bodyEnd);
  }

  traceId(): Uint8Array {
    return this.buf.subarray(this.traceIdStart, this.traceIdEnd);
  }

  spanId(): Uint8Array {
    return this.buf.subarray(this.spanIdStart, this.spanIdEnd);
  }

  attributes(c: AttributeCursor): AttributeCursor {
    return c.begin(this.buf, this.start, this.end, L.attributes);
  }
}
