// A growable protobuf writer. Nested messages are written in place and their length
// prefix inserted on `join`, so a whole request is built in one buffer.
import { copyBytes } from '../buffers/copy-bytes.js';
import { sizeClass } from '../buffers/size-class.js';

// Buffer's internal writer works on any Uint8Array and avoids allocating an encoded copy.
const utf8Write = (Buffer.prototype as unknown as { utf8Write(this: Uint8Array, s: string, offset: number, length: number): number }).utf8Write;

export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;
  private readonly stack: number[] = [];
  /** over `buf`, replaced when it grows: one per buffer, not one per double written */
  private view: DataView;
  /** the last fixed64MsAt's milliseconds and their nanoseconds' two halves */
  private atMs = NaN;
  private atLow = 0;
  private atHigh = 0;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** Room for `n` more bytes at `pos`, for callers that write into `buf` themselves. */
  reserve(n: number): void {
    this.ensure(n);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // the next size class (×1.33 or ×1.5), or the class of what is needed: a buffer handed back
    // for reuse then fits the next request of about this size (see size-class.ts)
    const next = new Uint8Array(sizeClass(Math.max(this.pos + n, this.buf.length + 1)));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    if (v < 0) {
      this.varintBig(BigInt.asUintN(64, BigInt(v)));
      return;
    }
    while (v >= 128) {
      b[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    b[this.pos++] = v;
  }

  varintBig(v: bigint): void {
    this.ensure(10);
    v = BigInt.asUintN(64, v);
    while (v >= 128n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  tag(no: number, wt: number): void {
    this.varint(no * 8 + wt);
  }

  /** A precomputed field key (see KEY in fields.ts): most are one byte. */
  key(k: number): void {
    if (k < 128) {
      this.ensure(1);
      this.buf[this.pos++] = k;
    } else this.varint(k);
  }

  fixed32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    b[this.pos++] = v & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 24) & 0xff;
  }

  fixed64(v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.fixed32(Number(u & 0xffffffffn));
    this.fixed32(Number(u >> 32n));
  }

  /** fixed64 from a non-negative integer below 2^53, without a BigInt. */
  fixed64Number(v: number): void {
    const hi = Math.floor(v / 4294967296);
    this.fixed32((v - hi * 4294967296) >>> 0);
    this.fixed32(hi >>> 0);
  }

  /** Milliseconds as fixed64 nanoseconds, exact for any ms below 2^48, without a BigInt. */
  fixed64Ms(ms: number): void {
    const msHi = Math.floor(ms / 65536);
    const msLo = ms - msHi * 65536;
    const a = msHi * 1e6;
    const b = msLo * 1e6;
    let low = (a % 65536) * 65536 + b;
    const carry = Math.floor(low / 4294967296);
    low -= carry * 4294967296;
    this.fixed32(low >>> 0);
    this.fixed32((Math.floor(a / 65536) + carry) >>> 0);
  }

  /** Overwrites the fixed64 at `at` (written before) with `ms` as nanoseconds: a request patched in place. */
  fixed64MsAt(at: number, ms: number): void {
    if (at < 0 || at + 8 > this.pos) throw new RangeError(`fixed64 at ${at} is outside the ${this.pos} bytes written`);
    // most patched times are one scrape's time: converted once
    if (ms !== this.atMs) {
      const pos = this.pos;
      this.pos = at;
      this.fixed64Ms(ms);
      this.pos = pos;
      this.atMs = ms;
      this.atLow = this.view.getUint32(at, true);
      this.atHigh = this.view.getUint32(at + 4, true);
      return;
    }
    this.view.setUint32(at, this.atLow, true);
    this.view.setUint32(at + 4, this.atHigh, true);
  }

  /** Overwrites the double at `at` (written before) with `v`. */
  doubleAt(at: number, v: number): void {
    if (at < 0 || at + 8 > this.pos) throw new RangeError(`double at ${at} is outside the ${this.pos} bytes written`);
    this.view.setFloat64(at, v, true);
  }

  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.raw(b);
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** b[start, end) as they are (short runs copied byte by byte: no subarray view per call) */
  rawFrom(b: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    const buf = this.buf;
    // a span's outline or ids: a copy in JS; beyond, `set` (a Buffer's subarray alone costs more)
    if (n <= 128) {
      this.pos = copyBytes(buf, this.pos, b, start, end);
    } else {
      buf.set(b.subarray(start, end), this.pos);
      this.pos += n;
    }
  }

  string(s: string): void {
    // Worst case 3 bytes per UTF-16 unit; write after a provisional 5-byte gap, then close it.
    const max = s.length * 3;
    this.ensure(max + 10); // varint() below ensures 10 bytes: it must never reallocate here
    const lenPos = this.pos;
    const start = lenPos + 5;
    const written = utf8Write.call(this.buf, s, start, max);
    this.pos = lenPos;
    this.varint(written);
    if (this.pos !== start) this.buf.copyWithin(this.pos, start, start + written);
    this.pos += written;
  }

  /** Begin a nested message; its bytes go in place until `join`. */
  fork(): void {
    this.stack.push(this.pos);
  }

  /** End the nested message begun by `fork`, inserting its length prefix. */
  join(): void {
    const start = this.stack.pop()!;
    const len = this.pos - start;
    let n = 1;
    for (let v = len; v >= 128; v = Math.floor(v / 128)) n++;
    this.ensure(n);
    this.buf.copyWithin(start + n, start, this.pos);
    const end = this.pos + n;
    this.pos = start;
    this.varint(len);
    this.pos = end;
  }

  /** Nested messages begun and not yet joined. */
  get depth(): number {
    return this.stack.length;
  }

  /** Where the writer is (position, open messages), for `rewind`. */
  mark(): [number, number] {
    return [this.pos, this.stack.length];
  }

  /** Forgets everything written since `mark`: a message that failed half-way leaves no trace. */
  rewind(m: [number, number]): void {
    this.pos = m[0];
    this.stack.length = m[1];
  }

  /**
   * The bytes written, not copied; the writer starts over in a new buffer sized for as much
   * again (its size class, not the grown capacity: untouched capacity still counts as external
   * memory to V8), or in `next` (a buffer handed back for reuse) when that holds as much.
   */
  detach(next?: Uint8Array): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.buf = next !== undefined && next.byteOffset === 0 && next.length >= this.pos && next.buffer !== out.buffer ? next : new Uint8Array(sizeClass(this.pos + (this.pos >> 3)));
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
    this.stack.length = 0;
    return out;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
