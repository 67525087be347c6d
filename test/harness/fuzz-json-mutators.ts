// Mutations of OTLP/JSON documents for the fuzz campaign: textual ones (a character, a number,
// truncation, a key named twice) and ones aimed at each OTLP/JSON rule — hex ids, enum names,
// 64-bit integers and doubles in every spelling, base64 bytes, unknown and original-name keys,
// null, wrong types, oneofs, nesting around the limit, lone surrogates. Which of them is valid
// is decided by the reference (py/otlp_json.py), never here.

type Rng = () => number;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };
export type JsonMutator = (text: string, r: Rng) => string;

const pick = <T>(xs: readonly T[], r: Rng): T => xs[Math.floor(r() * xs.length)]!;
const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Slot {
  parent: JsonObject | Json[];
  key: string | number;
  value: Json;
}

/** every (container, key) of the document, walked without recursion */
function slots(doc: Json): Slot[] {
  const out: Slot[] = [];
  const stack: Json[] = [doc];
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (Array.isArray(c)) {
      c.forEach((value, key) => {
        out.push({ parent: c, key, value });
        stack.push(value);
      });
    } else if (isObject(c)) {
      for (const [key, value] of Object.entries(c)) {
        out.push({ parent: c, key, value });
        stack.push(value);
      }
    }
  }
  return out;
}

const set = (s: Slot, v: Json): void => {
  (s.parent as Record<string | number, Json>)[s.key] = v;
};

// Literals JSON.stringify cannot write (-0, 1e2, 2.0) are marked and spliced in afterwards.
const raw = (text: string): string => `\u0001${text}\u0001`;
const write = (doc: Json): string => JSON.stringify(doc).replace(/"\\u0001([^"\\]*)\\u0001"/g, '$1');

/** A mutation of the parsed document at one slot chosen among those `where` selects. */
function structured(where: (s: Slot) => boolean, change: (s: Slot, r: Rng) => void): JsonMutator {
  return (text, r) => {
    let doc: Json;
    try {
      doc = JSON.parse(text) as Json;
    } catch {
      return text;
    }
    const candidates = slots(doc).filter(where);
    if (candidates.length === 0) return text;
    change(pick(candidates, r), r);
    return write(doc);
  };
}

const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);
const ENUM_KEYS = new Set(['kind', 'code', 'severityNumber', 'aggregationTemporality']);
const ENUM_NAMES = [
  'SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER',
  'STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR',
  'SEVERITY_NUMBER_UNSPECIFIED', 'SEVERITY_NUMBER_INFO', 'SEVERITY_NUMBER_WARN4', 'SEVERITY_NUMBER_FATAL4', 'SEVERITY_NUMBER_TRACE2',
  'AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA', 'AGGREGATION_TEMPORALITY_CUMULATIVE',
];
const NUMBER_FORMS: readonly Json[] = [
  '1e2', '1.0', '1.5', '+1', '01', ' 1', '1 ', '1_0', '0x10', '١', '', '-0', '-1', '1E2', '1e-2', '100e-2',
  '18446744073709551615', '18446744073709551616', '9223372036854775807', '9223372036854775808', '-9223372036854775808',
  '-9223372036854775809', '4294967295', '4294967296', '2147483648', '-2147483649', '12345678901234567e1', '1e400', '1e-400',
  'NaN', 'Infinity', '-Infinity', 'nan', 'inf', '-inf', 'infinity', '.5', '1.', '1e', 'true',
  raw('1e2'), raw('1.0'), raw('2.5'), raw('-0'), raw('-0.0'), raw('1e400'), raw('-1e400'), raw('1e-400'), raw('18446744073709551616'),
  raw('12345678901234567.5'), -1, 0, 3, 2 ** 31, 2 ** 32, 2 ** 53, true, null, [], {},
];

export const JSON_MUTATORS: Record<string, JsonMutator> = {
  char: (t, r) => {
    const i = Math.floor(r() * t.length);
    const chars = '{}[]":,0123456789e-+.aZ\\ ';
    return t.slice(0, i) + pick([...chars], r) + t.slice(i + 1);
  },
  number: (t, r) => t.replace(/\d+(\.\d+)?/g, (m) => (r() < 0.05 ? pick(['1e400', '-1e400', '1.5', '"NaN"', '18446744073709551616', '-1'], r) : m)),
  truncate: (t, r) => t.slice(0, Math.floor(r() * t.length)),
  /** a key named twice in one object: JSON.parse keeps the last value */
  duplicateKey: (t, r) => {
    const pairs = [...t.matchAll(/"(\w+)":("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false)/g)];
    if (pairs.length === 0) return t;
    const m = pick(pairs, r);
    const end = m.index + m[0].length;
    return `${t.slice(0, end)},"${m[1]}":${pick(['"dup"', '3', 'true', 'null', '"0102030405060708"', '{}', '[]'], r)}${t.slice(end)}`;
  },
  ids: structured(
    (s) => typeof s.key === 'string' && ID_KEYS.has(s.key) && typeof s.value === 'string',
    (s, r) => {
      const v = s.value as string;
      const forms: Json[] = [v.toUpperCase(), Buffer.from(v, 'hex').toString('base64'), v.slice(1), `${v}00`, v.slice(2), '', `g${v.slice(1)}`, ` ${v}`, 12, null, v.replace(/./g, '0')];
      set(s, pick(forms, r));
    },
  ),
  enums: structured(
    (s) => typeof s.key === 'string' && ENUM_KEYS.has(s.key),
    (s, r) => set(s, pick<Json>([...ENUM_NAMES, ...ENUM_NAMES, 'span_kind_server', 'BOGUS', '2', '2.0', raw('2.0'), raw('2.5'), raw('1e0'), true, -1, 99, 2 ** 31, null], r)),
  ),
  numbers: structured(
    (s) => typeof s.value === 'number' || (typeof s.value === 'string' && /^-?\d+$/.test(s.value) && !(typeof s.key === 'string' && ID_KEYS.has(s.key))),
    (s, r) => set(s, pick(NUMBER_FORMS, r)),
  ),
  bytes: structured(
    (s) => isObject(s.value) && 'stringValue' in s.value,
    (s, r) => set(s, { bytesValue: pick(['AQID', 'AQI=', 'AQI', 'AQ==', 'AQ', 'A', '-_-_', '+/+/', '-/+_', 'AQ=', 'AQID\n', '!!!!', '', 'AAAA==', 'AB==', 'AQ==AQ==', 12], r) }),
  ),
  unknownKey: structured(
    (s) => isObject(s.value),
    (s, r) => {
      const key = pick(['futureField', 'x', '__proto__', 'constructor', 'Kind', 'traceid', 'resource_spans_v2'], r);
      const value = pick<Json>([1, 'x', {}, [], null, { a: [1, { b: 2 }] }, raw('1e400'), raw('-0')], r);
      Object.defineProperty(s.value, key, { value, enumerable: true, writable: true, configurable: true });
    },
  ),
  originalName: structured(
    (s) => isObject(s.value) && Object.keys(s.value).some((k) => /[A-Z]/.test(k)),
    (s, r) => {
      const o = s.value as JsonObject;
      const camel = pick(Object.keys(o).filter((k) => /[A-Z]/.test(k)), r);
      const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      o[snake] = o[camel]!;
      if (r() < 0.7) delete o[camel];
    },
  ),
  nulls: structured(
    () => true,
    (s) => set(s, null),
  ),
  wrongType: structured(
    () => true,
    (s, r) => set(s, pick<Json>([[], {}, 'x', 1, true, [null], [1], '1'], r)),
  ),
  oneof: structured(
    (s) => isObject(s.value) && ('stringValue' in s.value || 'asDouble' in s.value || 'asInt' in s.value),
    (s, r) => {
      const o = s.value as JsonObject;
      const [k, v] = pick<[string, Json]>([['intValue', '1'], ['boolValue', true], ['doubleValue', 1.5], ['string_value', 's'], ['stringValue', null], ['arrayValue', {}], ['asInt', '2'], ['as_double', 2.5], ['asDouble', null]], r);
      o[k] = v;
    },
  ),
  /** an AnyValue wrapped in 20–50 kvlist/array levels: around the nesting limit */
  deep: structured(
    (s) => (s.key === 'body' || s.key === 'value') && isObject(s.value),
    (s, r) => {
      let v = s.value;
      const levels = 20 + Math.floor(r() * 31);
      for (let i = 0; i < levels; i++) v = r() < 0.7 ? { kvlistValue: { values: [{ key: `k${i}`, value: v }] } } : { arrayValue: { values: [v] } };
      set(s, v);
    },
  ),
  surrogate: structured(
    (s) => typeof s.value === 'string' && !(typeof s.key === 'string' && ID_KEYS.has(s.key)),
    (s, r) => {
      const v = s.value as string;
      const i = Math.floor(r() * (v.length + 1));
      set(s, v.slice(0, i) + pick(['\ud800', '\udc00', '\ud83d\ude00', '\ud83d', '\u0000', '\uffff'], r) + v.slice(i));
    },
  ),
};
