// JSON.parse loses precision on integers above 2^53 (nanosecond timestamps sent as bare
// numbers). Before parsing, such literals outside strings are quoted so they survive as text,
// behind a per-process random mark: the encoder reads them as numbers and still refuses them
// where a string belongs (a client cannot forge the mark, so a string is never taken for one).
import { randomBytes } from 'node:crypto';

const LONG_INT = /\d{16,}/;
const MARK = `\u0000${randomBytes(12).toString('hex')}:`;
const MARK_TEXT = JSON.stringify(MARK).slice(1, -1);

/** The digits of a long integer literal that parseOtlpJson quoted, or undefined. */
export function longInteger(v: unknown): string | undefined {
  return typeof v === 'string' && v.startsWith(MARK) ? v.slice(MARK.length) : undefined;
}

export function parseOtlpJson(text: string): unknown {
  return JSON.parse(LONG_INT.test(text) ? quoteLongIntegers(text) : text);
}

function quoteLongIntegers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) i++;
        else break;
      }
      const lit = text.slice(start, i);
      if (/^-?\d{16,}$/.test(lit)) {
        out += `${text.slice(last, start)}"${MARK_TEXT}${lit}"`;
        last = i;
      }
    } else {
      i++;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}
