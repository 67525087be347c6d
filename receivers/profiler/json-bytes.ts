// Byte-level JSON helpers shared by the Kineto readers: the bytes that matter, skipping
// whitespace, strings (memchr for the quote) and whole values, and walking an object's members
// without building it.

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const LBRACKET = 0x5b;
export const RBRACKET = 0x5d;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const MINUS = 0x2d;
export const DOT = 0x2e;

/** an optionally signed run of decimal digits */
export interface Digits {
  value: number;
  count: number;
  neg: boolean;
}

/** Reads [-]digits from b[i, end) into `d`; returns the index after them. */
export function readDigits(b: Uint8Array, i: number, end: number, d: Digits): number {
  d.neg = b[i] === MINUS;
  if (d.neg) i++;
  let v = 0;
  let count = 0;
  while (i < end) {
    const c = b[i]! - 0x30;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    count++;
    i++;
  }
  d.value = v;
  d.count = count;
  return i;
}

/**
 * Calls `visit(keyStart, keyEnd, valueStart, valueEnd)` for each member of the object whose '{'
 * is at `open` (key bounds exclude the quotes). Returns the index after its '}', or -1 when it
 * is not a well-formed object within `end`.
 */
export function forEachMember(b: Uint8Array, open: number, end: number, visit: (ks: number, ke: number, vs: number, ve: number) => void): number {
  let i = skipWs(b, open + 1);
  if (b[i] === RBRACE) return i + 1;
  while (i < end) {
    if (b[i] !== QUOTE) return -1;
    const ks = i + 1;
    const ke = endOfString(b, ks);
    if (ke < 0) return -1;
    i = skipWs(b, ke + 1);
    if (b[i] !== COLON) return -1;
    i = skipWs(b, i + 1);
    const vs = i;
    const ve = endOfValue(b, i);
    if (ve < 0 || ve > end) return -1;
    visit(ks, ke, vs, ve);
    i = skipWs(b, ve);
    if (b[i] === COMMA) i = skipWs(b, i + 1);
    else return b[i] === RBRACE ? i + 1 : -1;
  }
  return -1;
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
