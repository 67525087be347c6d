// The fields of one Kineto trace event read straight from its bytes, without building an object:
// both passes call it on every event, and both must decide the same way which events become
// spans. Timestamps are read as exact decimals (µs with up to 3 decimals → integer ns), so a µs
// since the epoch keeps its nanoseconds. Only `args` (attributes) and metadata events are parsed
// as JSON, by the caller.

import { BACKSLASH, DOT, forEachMember, LBRACE, QUOTE, readDigits, skipWs, type Digits } from './json-bytes.js';

/** A decimal read exactly: the integer part and the next three digits (rounded) as ns. */
interface Decimal {
  int: number;
  ns: number;
  ok: boolean;
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
  argsStart = -1;
  argsEnd = -1;
  correlation = 0;
  externalId = 0;
  /** flow events: their id; NaN when absent or not a number */
  flowId = NaN;
  private readonly d: Decimal = { int: 0, ns: 0, ok: false };
  private b: Uint8Array = new Uint8Array(0);

  /** Reads an event object; returns false when it is not a well-formed object at the top. */
  read(b: Uint8Array): boolean {
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
    const i = skipWs(b, 0);
    if (b[i] !== LBRACE) return false;
    return forEachMember(b, i, b.length, this.onField) >= 0;
  }

  private readonly onField = (ks: number, ke: number, vs: number, ve: number): void => this.field(ks, ke, vs, ve);
  private readonly onArg = (ks: number, ke: number, vs: number, ve: number): void => this.arg(ks, ke, vs, ve);

  private field(ks: number, ke: number, vs: number, ve: number): void {
    const b = this.b;
    const len = ke - ks;
    const c0 = b[ks];
    const c1 = b[ks + 1];
    const str = b[vs] === QUOTE;
    if (len === 2) {
      if (c0 === 0x70 && c1 === 0x68 && str) this.ph = b[vs + 1] ?? 0; // ph
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
        } else this.pid = this.number(vs, ve);
      } else if (c0 === 0x74 && c1 === 0x69 && c2 === 0x64) {
        if (str) {
          this.tidStart = vs;
          this.tidEnd = ve;
        } else this.tid = this.number(vs, ve);
      } else if (c0 === 0x64 && c1 === 0x75 && c2 === 0x72 && !str) {
        // dur
        if (this.decimal(vs, ve)) this.durNs = Math.max(0, this.d.int * 1000 + this.d.ns);
      } else if (c0 === 0x63 && c1 === 0x61 && c2 === 0x74 && str) {
        this.catStart = vs + 1;
        this.catEnd = ve - 1;
      }
    } else if (len === 4) {
      if (c0 === 0x6e && c1 === 0x61 && b[ks + 2] === 0x6d && b[ks + 3] === 0x65 && str) {
        this.nameStart = vs + 1;
        this.nameEnd = ve - 1;
        this.nameEscaped = b.indexOf(BACKSLASH, vs + 1) >= 0 && b.indexOf(BACKSLASH, vs + 1) < ve - 1;
      } else if (c0 === 0x61 && c1 === 0x72 && b[ks + 2] === 0x67 && b[ks + 3] === 0x73 && b[vs] === LBRACE) {
        this.argsStart = vs;
        this.argsEnd = ve;
        this.args(vs, ve);
      }
    }
  }

  /** `correlation` and `External id` from args (one level, numbers only). */
  private args(start: number, end: number): void {
    forEachMember(this.b, start, end, this.onArg);
  }

  private arg(ks: number, ke: number, vs: number, ve: number): void {
    const b = this.b;
    if (ke - ks !== 11 || b[vs] === QUOTE) return;
    if (b[ks] === 0x63 && b[ks + 1] === 0x6f && b[ks + 10] === 0x6e) this.correlation = positiveInt(this.number(vs, ve)); // correlation
    else if (b[ks] === 0x45 && b[ks + 1] === 0x78 && b[ks + 10] === 0x64) this.externalId = positiveInt(this.number(vs, ve)); // External id
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
      d.ok = true;
      return true;
    }
    // exponent notation, very long numbers, NaN/Infinity: the nearest double
    const v = this.number(vs, ve);
    if (!Number.isFinite(v)) return (d.ok = false);
    d.int = Math.trunc(v);
    d.ns = Math.round((v - d.int) * 1000);
    d.ok = true;
    return true;
  }

  /** The `name` string (escapes decoded). */
  name(): string {
    if (this.nameStart < 0) return '';
    const b = this.b;
    if (!this.nameEscaped) return Buffer.from(b.buffer, b.byteOffset + this.nameStart, this.nameEnd - this.nameStart).toString('utf8');
    try {
      return JSON.parse(Buffer.from(b.buffer, b.byteOffset + this.nameStart - 1, this.nameEnd - this.nameStart + 2).toString('utf8')) as string;
    } catch {
      return '';
    }
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

function positiveInt(v: number): number {
  return Number.isInteger(v) && v > 0 ? v : 0;
}

