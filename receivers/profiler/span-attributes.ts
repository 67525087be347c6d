// Span attributes written straight into protobuf: KeyValue messages with their lengths computed
// (no fork/join), keys cached as encoded fields, and a Kineto event's `args` copied from the
// event's bytes without building an object — strings and the JSON text of lists are copied as
// they are (lists without their whitespace), numbers read in place.
import { KEY } from '../../src/otlp/fields.js';
import type { ProtoWriter } from '../../src/otlp/proto-writer.js';
import { BACKSLASH, COLON, COMMA, containerEnd, QUOTE, RBRACE, scalarEnd, scanned, stringEnd, ws } from './json-bytes.js';
import { parsePythonJson } from './python-json.js';

const MAX_STRING = 4096;
/** 10^0 … 10^22, all exact doubles */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_JSON = 1024;

const ATTRIBUTES = KEY.Span.attributes;
const VALUE = KEY.KeyValue.value;
if (ATTRIBUTES >= 128 || VALUE >= 128) throw new Error('span-attributes writes one-byte field keys');

/** v (≥ 0) as a varint at buf[p]; returns the index after it */
function putVarint(buf: Uint8Array, p: number, v: number): number {
  while (v >= 128) {
    buf[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[p++] = v;
  return p;
}

function varintLen(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** KeyValue.key as an encoded field (tag, length, UTF-8) */
function keyFieldOf(key: string): Uint8Array {
  const kb = Buffer.from(key, 'utf8');
  const out = Buffer.alloc(1 + varintLen(kb.length) + kb.length);
  out[0] = KEY.KeyValue.key; // one byte
  let p = 1;
  let n = kb.length;
  while (n >= 128) {
    out[p++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[p++] = n;
  kb.copy(out, p);
  return out;
}

/** `pytorch.` + the key in snake case: "External id" → pytorch.external_id */
export function argKey(k: string): string {
  return 'pytorch.' + k.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

interface ArgKey {
  raw: Uint8Array;
  field: Uint8Array | undefined; // undefined: skipped (device, stream: already gpu.index/gpu.stream)
}

export class SpanAttributes {
  private readonly fields = new Map<string, Uint8Array>();
  /** args keys by first byte and length, compared byte by byte: no string per key */
  private readonly argKeys: (ArgKey[] | undefined)[] = new Array<ArgKey[] | undefined>(65536);
  private argKeyCount = 0;
  /** a list or object value's JSON text, compacted */
  private readonly json = new Uint8Array(MAX_JSON + 2);

  field(key: string): Uint8Array {
    let k = this.fields.get(key);
    if (!k) {
      k = keyFieldOf(key);
      if (this.fields.size < 10_000) this.fields.set(key, k);
    }
    return k;
  }

  /** a KeyValue up to its AnyValue's bytes, written into the buffer directly (the hot path) */
  private head(w: ProtoWriter, k: Uint8Array, anyLen: number): void {
    const kl = k.length;
    w.reserve(kl + 12);
    const buf = w.buf;
    let p = w.pos;
    buf[p++] = ATTRIBUTES;
    p = putVarint(buf, p, kl + 1 + varintLen(anyLen) + anyLen);
    for (let j = 0; j < kl; j++) buf[p++] = k[j]!;
    buf[p++] = VALUE;
    w.pos = putVarint(buf, p, anyLen);
  }

  str(w: ProtoWriter, key: string | Uint8Array, v: string): void {
    this.bytesValue(w, typeof key === 'string' ? this.field(key) : key, Buffer.from(v, 'utf8'));
  }

  /** a string value given as UTF-8 bytes */
  bytesValue(w: ProtoWriter, k: Uint8Array, v: Uint8Array): void {
    this.head(w, k, 1 + varintLen(v.length) + v.length);
    w.key(KEY.AnyValue.stringValue);
    w.varint(v.length);
    w.raw(v);
  }

  /** a string value given as the UTF-8 bytes b[s, e) */
  bytesRange(w: ProtoWriter, k: Uint8Array, b: Uint8Array, s: number, e: number): void {
    const n = e - s;
    this.head(w, k, 1 + varintLen(n) + n);
    w.key(KEY.AnyValue.stringValue);
    w.varint(n);
    w.rawFrom(b, s, e);
  }

  int(w: ProtoWriter, key: string | Uint8Array, v: number): void {
    const k = typeof key === 'string' ? this.field(key) : key;
    this.head(w, k, 1 + (v >= 0 ? varintLen(v) : 10));
    w.key(KEY.AnyValue.intValue);
    w.varint(v);
  }

  double(w: ProtoWriter, key: string | Uint8Array, v: number): void {
    this.head(w, typeof key === 'string' ? this.field(key) : key, 9);
    w.key(KEY.AnyValue.doubleValue);
    w.double(v);
  }

  bool(w: ProtoWriter, key: string | Uint8Array, v: boolean): void {
    this.head(w, typeof key === 'string' ? this.field(key) : key, 2);
    w.key(KEY.AnyValue.boolValue);
    w.varint(v ? 1 : 0);
  }

  /**
   * every entry of the args object b[start, end) as a pytorch.<snake_case key> attribute; stops
   * at the first thing that is not a well-formed member
   */
  args(w: ProtoWriter, b: Uint8Array, start: number, end: number): void {
    let i = ws(b, start + 1, end);
    if (b[i] === RBRACE) return;
    while (i < end) {
      if (b[i] !== QUOTE) return;
      const ks = i + 1;
      const ke = stringEnd(b, ks, end);
      if (ke < 0) return;
      i = ws(b, ke + 1, end);
      if (b[i] !== COLON) return;
      const vs = ws(b, i + 1, end);
      const c = b[vs];
      let ve: number;
      let escaped = false;
      if (c === QUOTE) {
        const e = stringEnd(b, vs + 1, end);
        if (e < 0) return;
        escaped = scanned.escaped;
        ve = e + 1;
      } else if (c === 0x7b || c === 0x5b) ve = containerEnd(b, vs, end);
      else ve = scalarEnd(b, vs, end);
      if (ve < 0) return;
      const k = this.argKey(b, ks, ke);
      if (k) this.value(w, k, b, vs, ve, escaped);
      i = ws(b, ve, end);
      if (b[i] === COMMA) i = ws(b, i + 1, end);
      else return;
    }
  }

  private argKey(b: Uint8Array, ks: number, ke: number): Uint8Array | undefined {
    const len = ke - ks;
    const slot = b[ks]! * 256 + Math.min(len, 255);
    let list = this.argKeys[slot];
    if (list) {
      for (let l = 0; l < list.length; l++) {
        const a = list[l]!;
        const raw = a.raw;
        if (raw.length !== len) continue;
        let j = 0;
        while (j < len && raw[j] === b[ks + j]) j++;
        if (j === len) return a.field;
      }
    } else if (this.argKeyCount < 4096) {
      this.argKeys[slot] = list = [];
      this.argKeyCount++;
    }
    const rawKey = Buffer.from(b.subarray(ks, ke));
    let name = rawKey.toString('utf8');
    if (rawKey.includes(BACKSLASH)) {
      try {
        name = JSON.parse(`"${name}"`) as string;
      } catch {
        /* keep it as written */
      }
    }
    const field = name === 'device' || name === 'stream' ? undefined : this.field(argKey(name));
    if (list && list.length < 64) list.push({ raw: rawKey, field });
    return field;
  }

  private value(w: ProtoWriter, k: Uint8Array, b: Uint8Array, vs: number, ve: number, escaped: boolean): void {
    const c = b[vs]!;
    if (c === QUOTE) {
      const s = vs + 1;
      const e = ve - 1;
      if (!escaped) this.bytesRange(w, k, b, s, utf8Cut(b, s, e, MAX_STRING));
      else {
        const v = JSON.parse(Buffer.from(b.subarray(vs, ve)).toString('utf8')) as string;
        this.str(w, k, v.length > MAX_STRING ? v.slice(0, MAX_STRING) : v);
      }
      return;
    }
    if (c === 0x7b || c === 0x5b) {
      const json = this.json;
      this.bytesRange(w, k, json, 0, this.compact(b, vs, ve));
      return;
    }
    if (c === 0x74 || c === 0x66) {
      this.bool(w, k, c === 0x74);
      return;
    }
    if (c === 0x6e) return; // null
    // a number: integers and plain decimals in place, others (exponents, NaN, Infinity, very
    // long ones) through the parser
    let i = vs;
    const neg = b[i] === 0x2d;
    if (neg) i++;
    const first = i;
    let v = 0;
    while (i < ve) {
      const d = b[i]! - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
    }
    if (i === ve && i > first && v <= Number.MAX_SAFE_INTEGER) {
      this.int(w, k, neg ? -v : v);
      return;
    }
    if (i > first && i < ve && b[i] === 0x2e) {
      // digits.digits: mantissa / 10^decimals is the correctly rounded double while both are
      // exact (mantissa ≤ 2^53, at most 22 decimals), as JSON.parse would give
      const dot = ++i;
      while (i < ve) {
        const d = b[i]! - 0x30;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        i++;
      }
      const decimals = i - dot;
      if (i === ve && decimals > 0 && decimals <= 22 && v <= Number.MAX_SAFE_INTEGER) {
        const x = (neg ? -v : v) / POW10[decimals]!;
        if (Number.isSafeInteger(x)) this.int(w, k, x);
        else this.double(w, k, x);
        return;
      }
    }
    const x = parsePythonJson(Buffer.from(b.subarray(vs, ve)).toString('latin1'));
    if (typeof x === 'number') {
      if (Number.isSafeInteger(x)) this.int(w, k, x);
      else this.double(w, k, x);
    }
  }

  /**
   * JSON text of a list or object without whitespace outside strings, cut at MAX_JSON bytes, into
   * `json`; returns its length
   */
  private compact(b: Uint8Array, vs: number, ve: number): number {
    const out = this.json;
    let n = 0;
    let inStr = false;
    for (let i = vs; i < ve && n < MAX_JSON; i++) {
      const c = b[i]!;
      if (inStr) {
        out[n++] = c;
        if (c === BACKSLASH && i + 1 < ve) out[n++] = b[++i]!;
        else if (c === QUOTE) inStr = false;
      } else if (c > 0x20) {
        out[n++] = c;
        if (c === QUOTE) inStr = true;
      }
    }
    return utf8Cut(out, 0, n, MAX_JSON);
  }
}

/** the end of b[s, e) cut to at most `max` bytes without splitting a UTF-8 character */
function utf8Cut(b: Uint8Array, s: number, e: number, max: number): number {
  if (e - s <= max) return e;
  let cut = s + max;
  while (cut > s && (b[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}
