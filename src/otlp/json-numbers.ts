// Numbers in OTLP/JSON. The proto3 JSON mapping takes integers and doubles as JSON numbers or as
// strings holding a JSON number ("1e2" and "1.0" are integers too); a string must follow RFC
// 8259's number grammar exactly — no spaces, "+", leading zeros, hex or "inf", which some
// parsers would take — and doubles also take "NaN", "Infinity" and "-Infinity".

import { longInteger } from './json-text.js';

const PLAIN_INTEGER = /^-?(?:0|[1-9]\d{0,19})$/;
const JSON_NUMBER = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** An integer from a JSON number or number string, exactly; undefined when it is no integer. */
export function integerFrom(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v !== 'string') return undefined;
  if (PLAIN_INTEGER.test(v)) return BigInt(v); // the common case: "1796223296232000000"
  const long = longInteger(v);
  if (long !== undefined) return BigInt(long);
  const m = JSON_NUMBER.exec(v);
  if (!m) return undefined;
  const [, sign, int, frac = '', exp = '0'] = m;
  let digits = (int! + frac).replace(/^0+/, '');
  if (digits === '') return 0n;
  let scale = Number(exp) - frac.length;
  const zeros = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - zeros);
  scale += zeros;
  // a fraction left over, or beyond any 64-bit range (and a bound on the work)
  if (scale < 0 || digits.length + scale > 40) return undefined;
  const n = BigInt(digits) * 10n ** BigInt(scale);
  return sign === '-' ? -n : n;
}

/** A double from a JSON number or string; undefined when it is none or beyond the double range. */
export function doubleFrom(v: unknown): number | undefined {
  // a literal beyond the range (1e400) parses to Infinity: the mapping spells it "Infinity"
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  const long = longInteger(v);
  if (long === undefined && !JSON_NUMBER.test(v)) return undefined;
  const n = Number(long ?? v);
  return Number.isFinite(n) ? n : undefined;
}
