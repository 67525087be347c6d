// The protocol gate: validates OTLP request bytes against the schema without decoding them
// into objects, and counts their items. Every body it accepts decodes with the reference
// protobuf implementations (Go's protobuf and Python's upb-based `protobuf`; see
// docs/security.md), because it accepts only what both accept:
//   - tags: a varint of at most 5 bytes whose value fits 32 bits (upb's rule), field numbers
//     1..2^29-1, wire types 0, 1, 2, 5 and groups (3 ... matching 4) for unknown fields;
//   - varints at most 10 bytes, the 10th no more than 1 (no 64-bit overflow, Go's rule);
//   - lengths within the enclosing message; packed fields made of whole elements;
//   - proto3 `string` fields valid UTF-8;
//   - nesting (messages and groups) at most MAX_DEPTH deep.
// It is stricter than those parsers in three deliberate ways, each of which would otherwise
// make data silently disappear or go wrong downstream: a known field with the wrong wire type
// (parsers keep it as an unknown field, so the field reads as absent), trace/span ids that
// are neither empty nor 16/8 bytes (invalid in OTLP), and nesting beyond MAX_DEPTH.
// Items (spans, log records, data points) are counted when non-empty: an empty message
// carries nothing, so a body of a million two-byte empty spans is not a million spans.
// Runs on every received request: no allocation per field, tables only (scan-tables.ts).
import { isUtf8 } from 'node:buffer';
import type { Signal } from '../component.js';
import { MAX_DEPTH } from './limits.js';
import { KEY } from './fields.js';
import { REQUEST_MESSAGE } from './schema.js';

export { MAX_DEPTH };
import { CHILD_SHIFT, COMPILED, COUNTS, ELEM_WT_SHIFT, ID_LEN_SHIFT, KIND_ID, KIND_MASK, KIND_MESSAGE, KIND_STRING, PACKABLE, WT_MASK } from './scan-tables.js';

export class ScanError extends Error {
  constructor(message: string, readonly offset: number, readonly path: string) {
    super(`${path}: ${message} (byte ${offset})`);
    this.name = 'ScanError';
  }
}

export interface ScanResult {
  /** non-empty spans, log records or metric data points */
  items: number;
}

const { tables: TABLES, defs: DEFS, index: INDEX } = COMPILED;
const REQUESTS: Record<Signal, number> = {
  traces: INDEX.get(REQUEST_MESSAGE.traces)!,
  logs: INDEX.get(REQUEST_MESSAGE.logs)!,
  metrics: INDEX.get(REQUEST_MESSAGE.metrics)!,
};

// The attribute fast path (keyValue below) reads these keys; each is one byte.
const KEY_VALUE = INDEX.get('KeyValue')!;
const KV_KEY = KEY.KeyValue.key;
const KV_VALUE = KEY.KeyValue.value;
const AV_STRING = KEY.AnyValue.stringValue;
const AV_BOOL = KEY.AnyValue.boolValue;
const AV_INT = KEY.AnyValue.intValue;
const AV_DOUBLE = KEY.AnyValue.doubleValue;
const AV_BYTES = KEY.AnyValue.bytesValue;

/** Throws ScanError when `buf` is not a well-formed Export<signal>ServiceRequest. */
export function scanRequest(signal: Signal, buf: Uint8Array): ScanResult {
  return scan(signal, buf, true);
}

/**
 * scanRequest through the table-driven path alone (no attribute fast path): the reference the
 * fast path is tested against, and its benchmark baseline.
 */
export function scanRequestGeneric(signal: Signal, buf: Uint8Array): ScanResult {
  return scan(signal, buf, false);
}

function scan(signal: Signal, buf: Uint8Array, fast: boolean): ScanResult {
  const s = new Scan(buf, fast);
  s.message(REQUESTS[signal], buf.length, 0);
  return { items: s.items };
}

/** True when b[from, to) is ASCII: the cheap test before a full UTF-8 check, 8 bytes per step. */
function isAsciiRange(b: Uint8Array, from: number, to: number): boolean {
  let acc = 0;
  let i = from;
  for (const stop8 = to - 8; i <= stop8; i += 8) acc |= b[i]! | b[i + 1]! | b[i + 2]! | b[i + 3]! | b[i + 4]! | b[i + 5]! | b[i + 6]! | b[i + 7]!;
  for (; i < to; i++) acc |= b[i]!;
  return acc < 0x80;
}

/** Item count only; assumes bytes were validated already. */
export function countItems(signal: Signal, buf: Uint8Array): number {
  return scanRequest(signal, buf).items;
}

class Scan {
  items = 0;
  pos = 0;

  constructor(
    private readonly b: Uint8Array,
    private readonly fast: boolean,
  ) {}

  /**
   * Attributes are most of a span's fields, two nested messages each (KeyValue, AnyValue):
   * the common shape — a key of one-byte length, then a scalar or string value as the last
   * field — is checked here without the generic loop's two calls. True when [pos, end) is
   * such a KeyValue and valid; false when it is anything else (the generic path then decides,
   * so this only ever accepts what that path accepts). Reads only, no state.
   */
  private keyValue(pos: number, end: number): boolean {
    const b = this.b;
    if (end - pos < 2 || b[pos] !== KV_KEY) return false;
    const klen = b[pos + 1]!;
    if (klen >= 0x80) return false;
    pos += 2;
    const kend = pos + klen;
    if (kend > end) return false;
    if (!isAsciiRange(b, pos, kend)) return false; // non-ASCII key: the full UTF-8 check
    pos = kend;
    if (pos === end) return true; // no value
    if (end - pos < 2 || b[pos] !== KV_VALUE || b[pos + 1]! >= 0x80 || pos + 2 + b[pos + 1]! !== end) return false;
    pos += 2;
    if (pos === end) return true; // empty AnyValue
    const tag = b[pos]!;
    pos++;
    if (tag === AV_STRING || tag === AV_BYTES) {
      if (pos >= end) return false;
      const len = b[pos]!;
      if (len >= 0x80 || pos + 1 + len !== end) return false;
      if (tag === AV_BYTES) return true;
      return isAsciiRange(b, pos + 1, end);
    }
    if (tag === AV_INT || tag === AV_BOOL) {
      for (let i = 0; i < 10 && pos < end; i++) {
        const byte = b[pos++]!;
        if (byte < 0x80) return pos === end && (i < 9 || byte <= 1);
      }
      return false;
    }
    return tag === AV_DOUBLE && end - pos === 8;
  }

  private fail(msg: string, mi: number, no = 0): never {
    const def = DEFS[mi]!;
    const f = no > 0 ? def.byNo[no] : undefined;
    throw new ScanError(msg, this.pos, f ? `${def.name}.${f.name}` : no > 0 ? `${def.name}.#${no}` : def.name);
  }

  /** A tag: at most 5 bytes, value below 2^32 (multi-byte case; one-byte tags are inlined). */
  private tag(mi: number, end: number): number {
    const b = this.b;
    let pos = this.pos;
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      if (pos >= end) {
        this.pos = pos;
        this.fail('truncated tag', mi);
      }
      const byte = b[pos++]!;
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.pos = pos;
        if (v > 0xffffffff) this.fail('tag does not fit 32 bits (field number above 2^29-1)', mi);
        return v;
      }
      mul *= 128;
    }
    this.pos = pos;
    this.fail('tag varint longer than 5 bytes', mi);
  }

  /** Skips one varint: at most 10 bytes, the 10th no more than 1. */
  private skipVarint(mi: number, no: number, end: number): void {
    const b = this.b;
    let pos = this.pos;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) {
        this.pos = pos;
        this.fail('truncated varint', mi, no);
      }
      const byte = b[pos++]!;
      if (byte < 0x80) {
        this.pos = pos;
        if (i === 9 && byte > 1) this.fail('varint overflows 64 bits', mi, no);
        return;
      }
    }
    this.pos = pos;
    this.fail('varint longer than 10 bytes', mi, no);
  }

  /** A length prefix, checked against the bytes left before `end`. */
  private length(mi: number, no: number, end: number): number {
    const b = this.b;
    let pos = this.pos;
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) {
        this.pos = pos;
        this.fail('truncated length', mi, no);
      }
      const byte = b[pos++]!;
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.pos = pos;
        if (i === 9 && byte > 1) this.fail('length overflows 64 bits', mi, no);
        if (v > end - pos) this.fail(`length ${v} runs past the end`, mi, no);
        return v;
      }
      mul *= 128;
    }
    this.pos = pos;
    this.fail('length longer than 10 bytes', mi, no);
  }

  message(mi: number, end: number, depth: number): void {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`, mi);
    const table = TABLES[mi]!;
    const b = this.b;
    // `pos` lives in a local on the hot path; `this.pos` is synced around the slow paths
    let pos = this.pos;
    while (pos < end) {
      let tag = b[pos]!;
      if (tag < 0x80) pos++;
      else {
        this.pos = pos;
        tag = this.tag(mi, end);
        pos = this.pos;
      }
      const no = tag >>> 3;
      const wt = tag & 7;
      const code = no < table.length ? table[no]! : 0;
      if (code === 0 || wt !== (code & WT_MASK)) {
        this.pos = pos;
        if (code === 0) {
          if (no === 0) this.fail('field number 0', mi);
          this.skipField(mi, no, wt, end, depth);
        } else if (wt === 2 && (code & PACKABLE) !== 0) this.packed(mi, no, (code >>> ELEM_WT_SHIFT) & 7, end);
        else this.fail(`wire type ${wt}, expected ${code & WT_MASK}`, mi, no);
        pos = this.pos;
        continue;
      }
      if (wt === 2) {
        let len = pos < end ? b[pos]! : 0x80;
        if (len < 0x80) {
          pos++;
          if (len > end - pos) {
            this.pos = pos;
            this.fail(`length ${len} runs past the end`, mi, no);
          }
        } else {
          this.pos = pos;
          len = this.length(mi, no, end);
          pos = this.pos;
        }
        const vend = pos + len;
        const kind = code & KIND_MASK;
        if (kind === KIND_MESSAGE) {
          if ((code & COUNTS) !== 0 && len > 0) this.items++;
          const child = code >>> CHILD_SHIFT;
          // depth: KeyValue and its AnyValue, as the generic path would count them
          if (!(child === KEY_VALUE && this.fast && depth + 2 <= MAX_DEPTH && this.keyValue(pos, vend))) {
            this.pos = pos;
            this.message(child, vend, depth + 1);
          }
        } else if (kind === KIND_STRING) {
          // ASCII fast path, 8 bytes per step; only strings with high bytes pay for the
          // full UTF-8 check (and the subarray it needs)
          if (!isAsciiRange(b, pos, vend) && !isUtf8(b.subarray(pos, vend))) {
            this.pos = pos;
            this.fail('invalid UTF-8 in a string field', mi, no);
          }
        } else if (kind === KIND_ID) {
          const want = (code >>> ID_LEN_SHIFT) & 31;
          if (len !== 0 && len !== want) {
            this.pos = pos;
            this.fail(`must be ${want} bytes, got ${len}`, mi, no);
          }
        }
        pos = vend;
      } else if (wt === 0) {
        // one-byte varints inline
        if (pos < end && b[pos]! < 0x80) pos++;
        else {
          this.pos = pos;
          this.skipVarint(mi, no, end);
          pos = this.pos;
        }
      } else {
        const size = wt === 1 ? 8 : 4;
        if (end - pos < size) {
          this.pos = pos;
          this.fail(`truncated fixed${size * 8}`, mi, no);
        }
        pos += size;
      }
    }
    this.pos = pos;
    if (pos !== end) this.fail('field runs past the end of its message', mi);
  }

  private packed(mi: number, no: number, elemWt: number, end: number): void {
    const len = this.length(mi, no, end);
    const stop = this.pos + len;
    if (elemWt === 1 || elemWt === 5) {
      if (len % (elemWt === 1 ? 8 : 4) !== 0) this.fail('packed fixed-size field has a partial element', mi, no);
      this.pos = stop;
      return;
    }
    while (this.pos < stop) this.skipVarint(mi, no, stop);
  }

  /** An unknown field of any valid wire type; groups are skipped to their matching end. */
  private skipField(mi: number, no: number, wt: number, end: number, depth: number): void {
    switch (wt) {
      case 0:
        this.skipVarint(mi, no, end);
        return;
      case 1:
        if (end - this.pos < 8) this.fail('truncated fixed64', mi, no);
        this.pos += 8;
        return;
      case 2: {
        const len = this.length(mi, no, end); // moves this.pos past the prefix first
        this.pos += len;
        return;
      }
      case 3:
        this.skipGroup(mi, no, end, depth + 1);
        return;
      case 4:
        this.fail('end-group tag without its start', mi, no);
        break;
      case 5:
        if (end - this.pos < 4) this.fail('truncated fixed32', mi, no);
        this.pos += 4;
        return;
      default:
        this.fail(`invalid wire type ${wt}`, mi, no);
    }
  }

  private skipGroup(mi: number, groupNo: number, end: number, depth: number): void {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`, mi, groupNo);
    const b = this.b;
    while (this.pos < end) {
      let tag = b[this.pos]!;
      if (tag < 0x80) this.pos++;
      else tag = this.tag(mi, end);
      const no = tag >>> 3;
      const wt = tag & 7;
      if (no === 0) this.fail('field number 0', mi);
      if (wt === 4) {
        if (no !== groupNo) this.fail(`end-group tag for field ${no} inside group ${groupNo}`, mi, groupNo);
        return;
      }
      this.skipField(mi, no, wt, end, depth);
    }
    this.fail('group without its end tag', mi, groupNo);
  }
}
