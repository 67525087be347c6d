// Byte-level JSON helpers shared by the Kineto readers: the bytes that matter, skipping
// whitespace, strings and whole values without building them.

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

/** the index of the first byte at or after `i` that is not whitespace (n when none) */
export function ws(b: Uint8Array, i: number, n: number): number {
  while (i < n && b[i]! <= 0x20) i++;
  return i;
}

// Each of the following returns -1 when `b` ends (at `n`) before the token does: in a chunk, more
// input is needed. Strings are walked byte by byte: Kineto's are short, and a memchr call per
// string costs more than it saves.

/** set by stringEnd: whether the string it scanned held a backslash (an escape) */
export const scanned = { escaped: false };

/** index of the closing quote of the string whose content starts at `i`; -1 if `b` ends first */
export function stringEnd(b: Uint8Array, i: number, n: number): number {
  let escaped = false;
  while (i < n) {
    const c = b[i]!;
    if (c === QUOTE) {
      scanned.escaped = escaped;
      return i;
    }
    if (c === BACKSLASH) {
      escaped = true;
      i += 2;
    } else i++;
  }
  return -1;
}

/** end (exclusive) of the object or array opening at `i`, by bracket depth; -1 if `b` ends first */
export function containerEnd(b: Uint8Array, i: number, n: number): number {
  let depth = 0;
  while (i < n) {
    const c = b[i]!;
    if (c === QUOTE) {
      const e = stringEnd(b, i + 1, n);
      if (e < 0) return -1;
      i = e + 1;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) depth++;
    else if ((c === RBRACE || c === RBRACKET) && --depth === 0) return i + 1;
    i++;
  }
  return -1;
}

/** end (exclusive) of the scalar starting at `i` (up to , } ] or whitespace); -1 if `b` ends first */
export function scalarEnd(b: Uint8Array, i: number, n: number): number {
  while (i < n) {
    const c = b[i]!;
    if (c === COMMA || c === RBRACE || c === RBRACKET || c <= 0x20) return i;
    i++;
  }
  return -1;
}

/** end (exclusive) of any value starting at `i`; -1 if `b` ends first */
export function valueEnd(b: Uint8Array, i: number, n: number): number {
  const c = b[i];
  if (c === QUOTE) {
    const e = stringEnd(b, i + 1, n);
    return e < 0 ? -1 : e + 1;
  }
  if (c === LBRACE || c === LBRACKET) return containerEnd(b, i, n);
  return scalarEnd(b, i, n);
}
