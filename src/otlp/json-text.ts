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

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Quotes integer literals of 16+ digits. Only a whole number token in a value position (after
 * ':', or after '[' or ',' inside an array) followed by a delimiter is swapped for a string, so
 * the swap is token for token: invalid JSON stays invalid (a number used as a key, or digits
 * glued to a stray quote, must not turn into valid JSON).
 */
function quoteLongIntegers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  let prev = 0; // the last character outside strings and whitespace
  const open: number[] = []; // the '{' and '[' around i
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
      prev = 34;
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) i++;
        else break;
      }
      const next = i < n ? text.charCodeAt(i) : 32;
      const valuePosition = prev === 58 /* : */ || (open[open.length - 1] === 91 /* [ */ && (prev === 91 || prev === 44 /* , */));
      const delimited = next === 44 || next === 93 /* ] */ || next === 125 /* } */ || isSpace(next);
      if (valuePosition && delimited && /^-?[1-9]\d{15,}$/.test(text.slice(start, i))) {
        out += `${text.slice(last, start)}"${MARK_TEXT}${text.slice(start, i)}"`;
        last = i;
      }
      prev = 48;
    } else {
      if (c === 123 /* { */ || c === 91) open.push(c);
      else if (c === 125 || c === 93) open.pop();
      if (!isSpace(c)) prev = c;
      i++;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}
