// The fields of one Kineto trace event, read in the same walk that finds where the event ends
// (pass 1 reads each byte once, without building an object or a string). Timestamps are read as
// exact decimals (µs with up to 3 decimals → integer ns), so a µs since the epoch keeps its
// nanoseconds. Pass 2 does not read events again: pass 1 keeps where the name and args lie.

import { COLON, COMMA, containerEnd, DOT, LBRACE, LBRACKET, QUOTE, RBRACE, readDigits, scalarEnd, scanned, stringEnd, ws, type Digits } from './json-bytes.js';

/** read(): the input ends inside the event (more is needed) */
export const INCOMPLETE = -1;
/** read(): not a well-formed object (its end is still found, by bracket depth) */
export const MALFORMED = -2;

/** A decimal read exactly: the integer part and the next three digits (rounded) as ns. */
interface Decimal {
  int: number;
  ns: number;
}

export class EventFields {
  /** first byte of `ph` ('X', 'M', 's', 'f', ...); 0 when absent */
  ph = 0;
  catStart = -1;
  catEnd = -1;
  nameStart = -1;
  nameEnd = -1;
  nameEscaped = false;
  /** pid/tid: numeric value when a number, else NaN; raw token bounds for strings */
  pid = NaN;
  tid = NaN;
  pidStart = -1;
  pidEnd = -1;
  tidStart = -1;
  tidEnd = -1;
  hasTs = false;
  tsInt = 0;
  tsNs = 0;
  durNs = 0;
  /** the args object's bounds (from its '{' to after its '}'); -1 when none */
  argsStart = -1;
  argsEnd = -1;
  correlation = 0;
  externalId = 0;
  /** flow events: their id; NaN when absent or not a number */
  flowId = NaN;
  /** after MALFORMED: where the event ends by bracket depth (INCOMPLETE when past the input) */
  malformedEnd = INCOMPLETE;
  private readonly d: Decimal = { int: 0, ns: 0 };
  private b: Uint8Array = new Uint8Array(0);

  /**
   * Reads the event object whose '{' is at `start`: returns the index after its '}',
   * INCOMPLETE when `b` ends first, MALFORMED when it is not a well-formed object.
   */
  read(b: Uint8Array, start: number): number {
    this.b = b;
    this.ph = 0;
    this.catStart = this.catEnd = this.nameStart = this.nameEnd = -1;
    this.nameEscaped = false;
    this.pid = this.tid = NaN;
    this.pidStart = this.pidEnd = this.tidStart = this.tidEnd = -1;
    this.hasTs = false;
    this.tsInt = this.tsNs = this.durNs = 0;
    this.argsStart = this.argsEnd = -1;
    this.correlation = this.externalId = 0;
    this.flowId = NaN;
    const n = b.length;
    let i = ws(b, start + 1, n);
    if (i >= n) return INCOMPLETE;
    if (b[i] === RBRACE) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) return this.malformed(start);
      const ks = i + 1;
      const ke = stringEnd(b, ks, n);
      if (ke < 0) return INCOMPLETE;
      i = ws(b, ke + 1, n);
      if (i >= n) return INCOMPLETE;
      if (b[i] !== COLON) return this.malformed(start);
      i = ws(b, i + 1, n);
      if (i >= n) return INCOMPLETE;
      const vs = i;
      const c = b[i]!;
      let ve: number;
      if (c === QUOTE) {
        const e = stringEnd(b, i + 1, n);
        if (e < 0) return INCOMPLETE;
        ve = e + 1;
      } else if (c === LBRACE && ke - ks === 4 && b[ks] === 0x61 && b[ks + 1] === 0x72 && b[ks + 2] === 0x67 && b[ks + 3] === 0x73) {
        // args
        ve = this.args(vs);
        if (ve < 0) return INCOMPLETE;
        this.argsStart = vs;
        this.argsEnd = ve;
      } else if (c === LBRACE || c === LBRACKET) {
        ve = containerEnd(b, i, n);
        if (ve < 0) return INCOMPLETE;
      } else {
        ve = scalarEnd(b, i, n);
        if (ve < 0) return INCOMPLETE;
      }
      this.field(ks, ke, vs, ve);
      i = ws(b, ve, n);
      if (i >= n) return INCOMPLETE;
      const d = b[i];
      if (d === COMMA) {
        i = ws(b, i + 1, n);
        if (i >= n) return INCOMPLETE;
      } else if (d === RBRACE) return i + 1;
      else return this.malformed(start);
    }
  }

  private malformed(start: number): number {
    this.malformedEnd = containerEnd(this.b, start, this.b.length);
    return MALFORMED;
  }

  /** a top-level member other than args */
  private field(ks: number, ke: number, vs: number, ve: number): void {
    const b = this.b;
    const len = ke - ks;
    const c0 = b[ks];
    const c1 = b[ks + 1];
    const str = b[vs] === QUOTE;
    if (len === 2) {
      if (c0 === 0x70 && c1 === 0x68 && str) this.ph = b[vs + 1]!; // ph
      else if (c0 === 0x74 && c1 === 0x73 && !str) {
        // ts
        if (this.decimal(vs, ve)) {
          this.hasTs = true;
          this.tsInt = this.d.int;
          this.tsNs = this.d.ns;
        }
      } else if (c0 === 0x69 && c1 === 0x64) {
        // id (flow events): a number, or a string of digits
        this.flowId = str ? Number(Buffer.from(b.buffer, b.byteOffset + vs + 1, ve - vs - 2).toString('latin1')) : this.number(vs, ve);
      }
    } else if (len === 3) {
      const c2 = b[ks + 2];
      if (c0 === 0x70 && c1 === 0x69 && c2 === 0x64) {
        // pid
        if (str) {
          this.pidStart = vs;
          this.pidEnd = ve;
          this.pid = NaN;
        } else {
          this.pid = this.number(vs, ve);
          this.pidStart = this.pidEnd = -1;
        }
      } else if (c0 === 0x74 && c1 === 0x69 && c2 === 0x64) {
        if (str) {
          this.tidStart = vs;
          this.tidEnd = ve;
          this.tid = NaN;
        } else {
          this.tid = this.number(vs, ve);
          this.tidStart = this.tidEnd = -1;
        }
      } else if (c0 === 0x64 && c1 === 0x75 && c2 === 0x72 && !str) {
        // dur
        if (this.decimal(vs, ve)) this.durNs = Math.max(0, this.d.int * 1000 + this.d.ns);
      } else if (c0 === 0x63 && c1 === 0x61 && c2 === 0x74 && str) {
        this.catStart = vs + 1;
        this.catEnd = ve - 1;
      }
    } else if (len === 4 && str && c0 === 0x6e && c1 === 0x61 && b[ks + 2] === 0x6d && b[ks + 3] === 0x65) {
      // name: stringEnd just scanned it (the last value read)
      this.nameStart = vs + 1;
      this.nameEnd = ve - 1;
      this.nameEscaped = scanned.escaped;
    }
  }

  /**
   * The args object at `open`: `correlation` and `External id` (numbers, one level). Returns its
   * end, -1 when the input ends first. A malformed args object ends by bracket depth.
   */
  private args(open: number): number {
    const b = this.b;
    const n = b.length;
    let i = ws(b, open + 1, n);
    if (i >= n) return -1;
    if (b[i] === RBRACE) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) return containerEnd(b, open, n);
      const ks = i + 1;
      const ke = stringEnd(b, ks, n);
      if (ke < 0) return -1;
      i = ws(b, ke + 1, n);
      if (i >= n) return -1;
      if (b[i] !== COLON) return containerEnd(b, open, n);
      i = ws(b, i + 1, n);
      if (i >= n) return -1;
      const vs = i;
      const c = b[i]!;
      let ve: number;
      if (c === QUOTE) {
        const e = stringEnd(b, i + 1, n);
        if (e < 0) return -1;
        ve = e + 1;
      } else if (c === LBRACE || c === LBRACKET) {
        ve = containerEnd(b, i, n);
        if (ve < 0) return -1;
      } else {
        ve = scalarEnd(b, i, n);
        if (ve < 0) return -1;
        if (ke - ks === 11) {
          if (b[ks] === 0x63 && b[ks + 1] === 0x6f && b[ks + 10] === 0x6e) this.correlation = positiveInt(this.number(vs, ve)); // correlation
          else if (b[ks] === 0x45 && b[ks + 1] === 0x78 && b[ks + 10] === 0x64) this.externalId = positiveInt(this.number(vs, ve)); // External id
        }
      }
      i = ws(b, ve, n);
      if (i >= n) return -1;
      const d = b[i];
      if (d === COMMA) {
        i = ws(b, i + 1, n);
        if (i >= n) return -1;
      } else if (d === RBRACE) return i + 1;
      else return containerEnd(b, open, n);
    }
  }

  private number(vs: number, ve: number): number {
    // plain integers (pids, tids, ids) without building a string
    const d = this.digits;
    if (readDigits(this.b, vs, ve, d) === ve && d.count > 0 && d.value <= Number.MAX_SAFE_INTEGER) return d.neg ? -d.value : d.value;
    return Number(Buffer.from(this.b.buffer, this.b.byteOffset + vs, ve - vs).toString('latin1'));
  }
  private readonly digits: Digits = { value: 0, count: 0, neg: false };

  /** An exact decimal: digits, '.', digits; anything else (exponents) through Number. */
  private decimal(vs: number, ve: number): boolean {
    const b = this.b;
    const d = this.d;
    const dg = this.digits;
    let i = readDigits(b, vs, ve, dg);
    const neg = dg.neg;
    const int = dg.value;
    const digits = dg.count;
    let ns = 0;
    if (i < ve && b[i] === DOT) {
      i++;
      let scale = 100;
      while (i < ve) {
        const c = b[i]! - 0x30;
        if (c < 0 || c > 9) break;
        if (scale >= 1) ns += c * scale;
        else if (scale === 0.1 && c >= 5) ns += 1; // round half up on the 4th digit
        scale /= 10;
        i++;
      }
    }
    if (i === ve && digits > 0 && int <= Number.MAX_SAFE_INTEGER) {
      d.int = neg ? -int : int;
      d.ns = neg ? -ns : ns;
      return true;
    }
    // exponent notation, very long numbers, NaN/Infinity: the nearest double
    const v = this.number(vs, ve);
    if (!Number.isFinite(v)) return false;
    d.int = Math.trunc(v);
    d.ns = Math.round((v - d.int) * 1000);
    return true;
  }

  /** The `name` string (escapes decoded). */
  name(): string {
    return this.nameStart < 0 ? '' : decodeString(this.b, this.nameStart, this.nameEnd, this.nameEscaped);
  }

  /** whether the name begins with these ASCII bytes */
  nameStartsWith(prefix: Uint8Array): boolean {
    if (this.nameStart < 0 || this.nameEnd - this.nameStart < prefix.length) return false;
    const b = this.b;
    for (let j = 0; j < prefix.length; j++) if (b[this.nameStart + j] !== prefix[j]) return false;
    return true;
  }

  /** the raw bytes of a string token (pid/tid given as strings), quotes removed */
  raw(start: number, end: number): string {
    return Buffer.from(this.b.buffer, this.b.byteOffset + start + 1, end - start - 2).toString('utf8');
  }
}

/** the string whose content is b[s, e) (between its quotes), escapes decoded when it has any */
export function decodeString(b: Uint8Array, s: number, e: number, escaped: boolean): string {
  if (!escaped) return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('utf8');
  try {
    return JSON.parse(Buffer.from(b.buffer, b.byteOffset + s - 1, e - s + 2).toString('utf8')) as string;
  } catch {
    return '';
  }
}

function positiveInt(v: number): number {
  return Number.isInteger(v) && v > 0 ? v : 0;
}
