// Protobuf wire-format primitives over a Uint8Array, allocation-free: the scanner, the
// splitters and fusion read fields straight from the bytes with these.

export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
export const WT_I32 = 5;

export class WireError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'WireError';
  }
}

/**
 * A cursor over one message's bytes [pos, end). `tag()` reads the next field header; then
 * exactly one of the value readers or `skip()` consumes its value.
 */
export class Reader {
  pos: number;
  end: number;
  /** field number and wire type of the last tag read */
  field = 0;
  wt = 0;
  /** bounds of the last length-delimited value read by `lenBounds()` */
  start = 0;
  stop = 0;

  constructor(public buf: Uint8Array, pos = 0, end = buf.length) {
    this.pos = pos;
    this.end = end;
  }

  /** Re-target this reader to another window without allocating a new one. */
  reset(pos: number, end: number): this {
    this.pos = pos;
    this.end = end;
    return this;
  }

  /** Re-target this reader to a window of another buffer. */
  target(buf: Uint8Array, pos: number, end: number): this {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    return this;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  tag(): void {
    const t = this.varint32();
    this.field = t >>> 3;
    this.wt = t & 7;
    if (this.field === 0) throw new WireError('field number 0', this.pos);
  }

  /** A varint as a JS number (exact up to 2^53; larger values lose low bits, never throw). */
  varint(): number {
    const b = this.buf;
    // most varints read (tags, lengths of small fields) are one byte
    if (this.pos < this.end && b[this.pos]! < 0x80) return b[this.pos++]!;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint', this.pos);
      const byte = b[this.pos++]!;
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) return result;
      mul *= 128;
    }
    throw new WireError('varint longer than 10 bytes', this.pos);
  }

  varint32(): number {
    const v = this.varint();
    return v > 0xffffffff ? v % 0x100000000 : v;
  }

  /** The full 64-bit varint as a bigint (for int64 values that may be negative). */
  varintBig(): bigint {
    const b = this.buf;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint', this.pos);
      const byte = b[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes', this.pos);
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new WireError('truncated fixed32', this.pos);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** fixed64 as a JS number (nanosecond timestamps lose sub-µs precision above 2^53). */
  fixed64(): number {
    const lo = this.fixed32();
    const hi = this.fixed32();
    return hi * 0x100000000 + lo;
  }

  fixed64Big(): bigint {
    const lo = this.fixed32();
    const hi = this.fixed32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WireError('truncated double', this.pos);
    const v = Buffer.prototype.readDoubleLE.call(this.buf, this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix; sets start/stop to the value's bounds and moves past it. */
  lenBounds(): void {
    const len = this.varint();
    if (len > this.end - this.pos) throw new WireError(`length ${len} runs past the end of its message`, this.pos);
    this.start = this.pos;
    this.stop = this.pos + len;
    this.pos = this.stop;
  }

  skip(): void {
    switch (this.wt) {
      case WT_VARINT:
        this.varint();
        return;
      case WT_I64:
        if (this.pos + 8 > this.end) throw new WireError('truncated fixed64', this.pos);
        this.pos += 8;
        return;
      case WT_LEN:
        this.lenBounds();
        return;
      case WT_I32:
        if (this.pos + 4 > this.end) throw new WireError('truncated fixed32', this.pos);
        this.pos += 4;
        return;
      default:
        throw new WireError(`unsupported wire type ${this.wt} (field ${this.field})`, this.pos);
    }
  }
}

/** The fixed64 at buf[pos, pos + 8) (a position a view recorded), as a BigInt. */
export function fixed64BigAt(buf: Uint8Array, pos: number): bigint {
  const lo = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
  const hi = (buf[pos + 4]! | (buf[pos + 5]! << 8) | (buf[pos + 6]! << 16) | (buf[pos + 7]! << 24)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decode (protobuf strings must be valid UTF-8). */
export function decodeUtf8(buf: Uint8Array, start: number, stop: number): string {
  return utf8.decode(buf.subarray(start, stop));
}

/** Size in bytes of a varint encoding of `v` (v ≥ 0). */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes a varint at `pos`, returns the new position. */
export function putVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 128) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** A length-delimited field header (tag + length) as bytes. */
export function lenHeader(field: number, len: number): Uint8Array {
  const tag = (field << 3) | WT_LEN;
  const out = new Uint8Array(varintSize(tag) + varintSize(len));
  putVarint(out, putVarint(out, 0, tag), len);
  return out;
}
