// Protobuf bytes → OTLP/JSON objects (hex ids, int64 as strings, enums as integers), for
// `cat`, the otlp_json marshalers and tests. Not used on the ingest path.
import type { Signal } from '../component.js';
import { type FieldDef, type MessageDef, message, REQUEST_MESSAGE, wireTypeOf } from './schema.js';
import { Reader, WireError, decodeUtf8 } from './wire.js';

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

export function decodeRequest(signal: Signal, buf: Uint8Array): JsonObject {
  return decodeMessage(REQUEST_MESSAGE[signal], buf);
}

export function decodeMessage(name: string, buf: Uint8Array): JsonObject {
  return readMessage(message(name), new Reader(buf), 0, buf.length, 0);
}

function readMessage(def: MessageDef, r: Reader, start: number, end: number, depth: number): JsonObject {
  if (depth > 64) throw new WireError('nesting deeper than 64', start);
  const out: JsonObject = {};
  r.reset(start, end);
  while (r.more()) {
    r.tag();
    const f = def.byNo[r.field];
    if (f === undefined) {
      r.skip();
      continue;
    }
    if (r.wt === 2 && f.type !== 'message' && wireTypeOf(f.type) !== 2) {
      // packed repeated scalars
      r.lenBounds();
      const after = r.pos;
      const arr = (out[f.json] ??= []) as JsonValue[];
      const inner = new Reader(r.buf, r.start, r.stop);
      while (inner.more()) arr.push(readScalar(f, inner));
      r.pos = after;
      continue;
    }
    let v: JsonValue;
    if (f.type === 'message') {
      r.lenBounds();
      const after = r.pos;
      v = readMessage(message(f.msg!), r, r.start, r.stop, depth + 1);
      r.reset(after, end);
    } else {
      v = readScalar(f, r);
    }
    if (f.repeated) ((out[f.json] ??= []) as JsonValue[]).push(v);
    else if (f.presence || f.type === 'message' || !isZero(v)) out[f.json] = v;
    // proto3 JSON omits default values of plain fields (explicit zeros some writers emit)
    else delete out[f.json];
  }
  return out;
}

function isZero(v: JsonValue): boolean {
  // -0.0 is written by protobuf encoders (it is not the default), so it is kept
  return (v === 0 && !Object.is(v, -0)) || v === '0' || v === '' || v === false;
}

function readScalar(f: FieldDef, r: Reader): JsonValue {
  switch (f.type) {
    case 'string':
      r.lenBounds();
      return decodeUtf8(r.buf, r.start, r.stop);
    case 'bytes':
      r.lenBounds();
      return Buffer.from(r.buf.buffer, r.buf.byteOffset + r.start, r.stop - r.start).toString('base64');
    case 'id':
      r.lenBounds();
      return Buffer.from(r.buf.buffer, r.buf.byteOffset + r.start, r.stop - r.start).toString('hex');
    case 'bool':
      return r.varint() !== 0;
    case 'enum':
    case 'int32': {
      const v = r.varintBig();
      return Number(BigInt.asIntN(32, v));
    }
    case 'uint32':
      return r.varint32();
    case 'sint32': {
      const v = r.varint32();
      return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    }
    case 'fixed32':
      return r.fixed32();
    case 'int64':
      return BigInt.asIntN(64, r.varintBig()).toString();
    case 'uint64':
      return r.varintBig().toString();
    case 'fixed64':
      return r.fixed64Big().toString();
    case 'sfixed64':
      return BigInt.asIntN(64, r.fixed64Big()).toString();
    case 'double': {
      const d = r.double();
      return Number.isFinite(d) ? d : Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity';
    }
    case 'message':
      throw new Error('unreachable');
  }
}
