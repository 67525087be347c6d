// The fields of one Kineto trace event read straight from its bytes, without building an object:
// both passes call it on every event, and both must decide the same way which events become
// spans. Timestamps are read as exact decimals (µs with up to 3 decimals → integer ns), so a µs
// since the epoch keeps its nanoseconds. Only `args` (attributes) and metadata events are parsed
// as JSON, by the caller.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DOT = 0x2e;

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
    const n = b.length;
    let i = skipWs(b, 0);
    if (b[i] !== LBRACE) return false;
    i = skipWs(b, i + 1);
    if (b[i] === RBRACE) return true;
    while (i < n) {
      if (b[i] !== QUOTE) return false;
      const ks = i + 1;
      const ke = endOfString(b, ks);
      if (ke < 0) return false;
      i = skipWs(b, ke + 1);
      if (b[i] !== COLON) return false;
      i = skipWs(b, i + 1);
      const vs = i;
      const ve = endOfValue(b, i);
      if (ve < 0) return false;
      this.field(ks, ke, vs, ve);
      i = skipWs(b, ve);
      if (b[i] === COMMA) i = skipWs(b, i + 1);
      else return b[i] === RBRACE;
    }
    return false;
  }

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
    const b = this.b;
    let i = skipWs(b, start + 1);
    while (i < end && b[i] === QUOTE) {
      const ks = i + 1;
      const ke = endOfString(b, ks);
      if (ke < 0) return;
      i = skipWs(b, ke + 1);
      if (b[i] !== COLON) return;
      i = skipWs(b, i + 1);
      const vs = i;
      const ve = endOfValue(b, i);
      if (ve < 0) return;
      if (ke - ks === 11 && b[vs] !== QUOTE) {
        if (b[ks] === 0x63 && b[ks + 1] === 0x6f && b[ks + 10] === 0x6e) this.correlation = positiveInt(this.number(vs, ve)); // correlation
        else if (b[ks] === 0x45 && b[ks + 1] === 0x78 && b[ks + 10] === 0x64) this.externalId = positiveInt(this.number(vs, ve)); // External id
      }
      i = skipWs(b, ve);
      if (b[i] !== COMMA) return;
      i = skipWs(b, i + 1);
    }
  }

  private number(vs: number, ve: number): number {
    // plain integers (pids, tids, ids) without building a string
    const b = this.b;
    let i = vs;
    const neg = b[i] === MINUS;
    if (neg) i++;
    let v = 0;
    while (i < ve) {
      const c = b[i]! - 0x30;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      i++;
    }
    if (i === ve && i > vs + (neg ? 1 : 0) && v <= Number.MAX_SAFE_INTEGER) return neg ? -v : v;
    return Number(Buffer.from(b.buffer, b.byteOffset + vs, ve - vs).toString('latin1'));
  }

  /** An exact decimal: digits, '.', digits; anything else (exponents) through Number. */
  private decimal(vs: number, ve: number): boolean {
    const b = this.b;
    const d = this.d;
    let i = vs;
    let neg = false;
    if (b[i] === MINUS) {
      neg = true;
      i++;
    }
    let int = 0;
    let digits = 0;
    while (i < ve) {
      const c = b[i]! - 0x30;
      if (c < 0 || c > 9) break;
      int = int * 10 + c;
      digits++;
      i++;
    }
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

export function skipWs(b: Uint8Array, i: number): number {
  while (i < b.length && b[i]! <= 0x20) i++;
  return i;
}

/** index of the closing quote of a string whose content starts at `i`; -1 if none */
export function endOfString(b: Uint8Array, i: number): number {
  for (;;) {
    const q = b.indexOf(QUOTE, i);
    if (q < 0) return -1;
    // count the backslashes before the quote: an even number leaves it unescaped
    let k = q - 1;
    while (k >= i && b[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    i = q + 1;
  }
}

/** end (exclusive) of the value starting at `i`; -1 if it does not end inside `b` */
export function endOfValue(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === QUOTE) {
    const e = endOfString(b, i + 1);
    return e < 0 ? -1 : e + 1;
  }
  if (c === LBRACE || c === LBRACKET) {
    let depth = 0;
    const n = b.length;
    while (i < n) {
      const x = b[i]!;
      if (x === QUOTE) {
        const e = endOfString(b, i + 1);
        if (e < 0) return -1;
        i = e + 1;
        continue;
      }
      if (x === LBRACE || x === LBRACKET) depth++;
      else if ((x === RBRACE || x === RBRACKET) && --depth === 0) return i + 1;
      i++;
    }
    return -1;
  }
  // a scalar: up to the next delimiter
  const n = b.length;
  while (i < n) {
    const x = b[i]!;
    if (x === COMMA || x === RBRACE || x === RBRACKET || x <= 0x20) break;
    i++;
  }
  return i;
}
