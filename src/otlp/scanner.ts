// Validates OTLP request bytes against the schema without decoding them into objects, and
// counts their items. Runs on every received request, so it allocates nothing per field.
import { isUtf8 } from 'node:buffer';
import type { Signal } from '../component.js';
import { type MessageDef, message, REQUEST_MESSAGE, wireTypeOf, isPackable, SCAN_BOOL, SCAN_ID, SCAN_MESSAGE, SCAN_STRING } from './schema.js';

export class ScanError extends Error {
  constructor(message: string, readonly offset: number, readonly path: string) {
    super(`${path}: ${message} (byte ${offset})`);
    this.name = 'ScanError';
  }
}

const MAX_DEPTH = 64;

export interface ScanResult {
  /** spans, log records or metric data points */
  items: number;
}

const REQUESTS: Record<Signal, MessageDef> = {
  traces: message(REQUEST_MESSAGE.traces),
  logs: message(REQUEST_MESSAGE.logs),
  metrics: message(REQUEST_MESSAGE.metrics),
};

/** Throws ScanError when `buf` is not a well-formed Export<signal>ServiceRequest. */
export function scanRequest(signal: Signal, buf: Uint8Array): ScanResult {
  const s = new Scan(buf);
  s.message(REQUESTS[signal], 0, buf.length, 0);
  return { items: s.items };
}

/** Item count only; assumes bytes were validated already. */
export function countItems(signal: Signal, buf: Uint8Array): number {
  return scanRequest(signal, buf).items;
}

class Scan {
  items = 0;
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  private fail(msg: string, def: MessageDef, fieldName?: string): never {
    throw new ScanError(msg, this.pos, fieldName ? `${def.name}.${fieldName}` : def.name);
  }

  private varint(def: MessageDef, end: number): number {
    const b = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail('truncated varint', def);
      const byte = b[this.pos++]!;
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) return result;
      mul *= 128;
    }
    this.fail('varint longer than 10 bytes', def);
  }

  message(def: MessageDef, start: number, end: number, depth: number): void {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`, def);
    this.pos = start;
    const b = this.buf;
    while (this.pos < end) {
      // one-byte tags (fields 1-15) are the common case: skip the general varint reader
      const t0 = b[this.pos]!;
      let tag: number;
      if (t0 < 0x80) {
        tag = t0;
        this.pos++;
      } else tag = this.varint(def, end);
      const no = Math.floor(tag / 8);
      const wt = tag & 7;
      if (no === 0) this.fail('field number 0', def);
      const f = def.byNo[no];
      if (f === undefined) {
        this.skip(def, wt, end);
        continue;
      }
      const expect = f.wt;
      if (wt !== expect) {
        // Packed repeated scalars arrive length-delimited.
        if (wt === 2 && f.repeated && isPackable(f.type)) {
          this.packed(def, f.name, f.type, end);
          continue;
        }
        this.fail(`wire type ${wt}, expected ${expect}`, def, f.name);
      }
      switch (wt) {
        case 0: {
          const v = this.varint(def, end);
          if (f.scan === SCAN_BOOL && v > 1) this.fail('bool out of range', def, f.name);
          break;
        }
        case 1:
          if (this.pos + 8 > end) this.fail('truncated fixed64', def, f.name);
          this.pos += 8;
          break;
        case 5:
          if (this.pos + 4 > end) this.fail('truncated fixed32', def, f.name);
          this.pos += 4;
          break;
        case 2: {
          const l0 = b[this.pos]!;
          let len: number;
          if (l0 < 0x80 && this.pos < end) {
            len = l0;
            this.pos++;
          } else len = this.varint(def, end);
          const vstart = this.pos;
          if (len > end - vstart) this.fail(`length ${len} runs past the end`, def, f.name);
          const vend = vstart + len;
          const scan = f.scan;
          if (scan === SCAN_MESSAGE) {
            if (f.counts) this.items++;
            this.message(f.msgDef!, vstart, vend, depth + 1);
          } else if (scan === SCAN_STRING) {
            // ASCII fast path; only strings with high bytes pay for a full UTF-8 check.
            let i = vstart;
            while (i < vend && b[i]! < 0x80) i++;
            if (i < vend && !isUtf8(b.subarray(i, vend))) this.fail('invalid UTF-8', def, f.name);
          } else if (scan === SCAN_ID) {
            if (len !== 0 && len !== f.idLen) this.fail(`must be ${f.idLen} bytes, got ${len}`, def, f.name);
          }
          this.pos = vend;
          break;
        }
        default:
          this.fail(`unsupported wire type ${wt}`, def, f.name);
      }
    }
    if (this.pos !== end) this.fail('field runs past the end of its message', def);
  }

  private packed(def: MessageDef, name: string, type: string, end: number): void {
    const len = this.varint(def, end);
    if (len > end - this.pos) this.fail(`length ${len} runs past the end`, def, name);
    const stop = this.pos + len;
    const w = wireTypeOf(type as never);
    if (w === 1 || w === 5) {
      if (len % (w === 1 ? 8 : 4) !== 0) this.fail('packed fixed-size field has a partial element', def, name);
      this.pos = stop;
      return;
    }
    while (this.pos < stop) this.varint(def, stop);
  }

  private skip(def: MessageDef, wt: number, end: number): void {
    switch (wt) {
      case 0:
        this.varint(def, end);
        return;
      case 1:
        if (this.pos + 8 > end) this.fail('truncated fixed64', def);
        this.pos += 8;
        return;
      case 2: {
        const len = this.varint(def, end);
        if (len > end - this.pos) this.fail(`length ${len} runs past the end`, def);
        this.pos += len;
        return;
      }
      case 5:
        if (this.pos + 4 > end) this.fail('truncated fixed32', def);
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wt}`, def);
    }
  }
}
