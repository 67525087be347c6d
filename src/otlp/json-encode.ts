// OTLP/JSON → protobuf bytes, following the OTLP/JSON rules: lowerCamelCase (or original)
// field names, hex trace and span ids, enums as integers (or their names), integers and doubles
// as numbers or strings, unknown fields ignored. docs/security.md lists the rules.
import type { Signal } from '../component.js';
import { ENUM_VALUES } from './enums.js';
import { doubleFrom, integerFrom } from './json-numbers.js';
import { longInteger } from './json-text.js';
import { MAX_DEPTH, ONEOFS } from './limits.js';
import { ProtoWriter } from './proto-writer.js';
import { type FieldDef, type MessageDef, message, REQUEST_MESSAGE, wireTypeOf } from './schema.js';

export class JsonShapeError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = 'JsonShapeError';
  }
}

/** Encodes a parsed OTLP/JSON request object into Export<signal>ServiceRequest bytes. */
export function encodeRequest(signal: Signal, json: unknown): Uint8Array {
  return encodeMessage(REQUEST_MESSAGE[signal], json);
}

export function encodeMessage(name: string, json: unknown): Uint8Array {
  const w = new ProtoWriter(4096);
  const def = message(name);
  if (!isObject(json)) throw new JsonShapeError(def.name, `expected an object, got ${kind(json)}`);
  writeMessage(w, def, json, '', 0);
  return w.finish();
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : longInteger(v) !== undefined ? 'number' : typeof v);
const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function writeMessage(w: ProtoWriter, def: MessageDef, obj: Record<string, unknown>, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new JsonShapeError(path, `nesting deeper than ${MAX_DEPTH}`);
  const oneofs = ONEOFS[def.name];
  if (oneofs) checkOneofs(def, obj, oneofs, path);
  for (const key in obj) {
    const f = def.byJson.get(key);
    if (f === undefined) continue;
    // byJson holds both spellings; one field under both is ambiguous (which value wins?)
    if (key !== f.json && Object.hasOwn(obj, f.json)) throw new JsonShapeError(path, `field ${f.name} given twice (${f.json}, ${key})`);
    const v = obj[key];
    if (v === undefined || v === null) continue;
    const fpath = join(path, key);
    if (f.repeated) {
      if (!Array.isArray(v)) throw new JsonShapeError(fpath, `expected an array, got ${kind(v)}`);
      if (f.type !== 'message' && wireTypeOf(f.type) !== 2 && v.length > 0) {
        // proto3 packs repeated scalars
        w.tag(f.no, 2);
        w.fork();
        for (let i = 0; i < v.length; i++) writeScalar(w, f, v[i], `${fpath}[${i}]`);
        w.join();
      } else {
        for (let i = 0; i < v.length; i++) writeField(w, f, v[i], `${fpath}[${i}]`, depth);
      }
    } else {
      writeField(w, f, v, fpath, depth);
    }
  }
}

/** The JSON mapping allows one member of a oneof (an AnyValue with two values is invalid). */
function checkOneofs(def: MessageDef, obj: Record<string, unknown>, oneofs: readonly (readonly string[])[], path: string): void {
  for (const group of oneofs) {
    let set = '';
    for (const key in obj) {
      const f = def.byJson.get(key);
      if (f === undefined || obj[key] === undefined || obj[key] === null || !group.includes(f.name)) continue;
      if (set !== '') throw new JsonShapeError(path, `more than one of a oneof is set (${set}, ${key})`);
      set = key;
    }
  }
}

function writeField(w: ProtoWriter, f: FieldDef, v: unknown, path: string, depth: number): void {
  if (f.type === 'message') {
    if (!isObject(v)) throw new JsonShapeError(path, `expected an object, got ${kind(v)}`);
    w.tag(f.no, 2);
    w.fork();
    writeMessage(w, message(f.msg!), v, path, depth + 1);
    w.join();
    return;
  }
  if (!f.presence && !f.repeated && isDefault(f, v)) return;
  w.tag(f.no, wireTypeOf(f.type));
  writeScalar(w, f, v, path);
}

function isDefault(f: FieldDef, v: unknown): boolean {
  // -0.0 is not the default of a double (protobuf writes it; JSON.parse keeps the sign)
  if (v === 0 && f.type === 'double') return Object.is(v, 0);
  // an empty string is no number ("" for an integer is refused, not read as 0)
  if (v === '') return f.type === 'string' || f.type === 'bytes' || f.type === 'id';
  if (v === false || v === 0 || v === '0') return f.type !== 'string';
  return false;
}

// standard or URL-safe base64 (not mixed), with or without padding
const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)(?:={1,2})?$/;

function isBase64(v: string): boolean {
  if (!BASE64.test(v)) return false;
  const pad = v.endsWith('==') ? 2 : v.endsWith('=') ? 1 : 0;
  return (v.length - pad) % 4 !== 1 && (pad === 0 || v.length % 4 === 0);
}

function writeScalar(w: ProtoWriter, f: FieldDef, v: unknown, path: string): void {
  switch (f.type) {
    case 'string':
      if (typeof v !== 'string' || longInteger(v) !== undefined) throw new JsonShapeError(path, `expected a string, got ${kind(v)}`);
      // a UTF-16 surrogate without its partner has no UTF-8 form (it would be stored as U+FFFD)
      if (!v.isWellFormed()) throw new JsonShapeError(path, 'a lone UTF-16 surrogate is not text');
      w.string(v);
      return;
    case 'bytes': {
      if (typeof v !== 'string' || !isBase64(v)) throw new JsonShapeError(path, 'expected base64 bytes');
      w.bytes(Buffer.from(v, 'base64'));
      return;
    }
    case 'id': {
      if (typeof v !== 'string' || (v !== '' && (v.length !== f.idLen! * 2 || !/^[0-9a-fA-F]+$/.test(v)))) {
        throw new JsonShapeError(path, `expected ${f.idLen! * 2} hex characters`);
      }
      w.bytes(Buffer.from(v, 'hex'));
      return;
    }
    case 'bool':
      if (typeof v !== 'boolean') throw new JsonShapeError(path, `expected a boolean, got ${kind(v)}`);
      w.varint(v ? 1 : 0);
      return;
    case 'enum':
    case 'int32':
    case 'uint32': {
      const named = f.enum !== undefined && typeof v === 'string' ? ENUM_VALUES[f.enum]?.get(v) : undefined;
      const n = named ?? toInt(v, path);
      if (f.type === 'uint32' ? n < 0 || n > 0xffffffff : n < -0x80000000 || n > 0x7fffffff) throw new JsonShapeError(path, 'out of range');
      w.varint(n);
      return;
    }
    case 'sint32': {
      const n = toInt(v, path);
      if (n < -0x80000000 || n > 0x7fffffff) throw new JsonShapeError(path, 'out of range');
      w.varint(n >= 0 ? n * 2 : -n * 2 - 1);
      return;
    }
    case 'fixed32': {
      const n = toInt(v, path);
      if (n < 0 || n > 0xffffffff) throw new JsonShapeError(path, 'out of range');
      w.fixed32(n);
      return;
    }
    case 'int64':
    case 'uint64':
      w.varintBig(toBig(v, path, f.type === 'uint64'));
      return;
    case 'fixed64':
    case 'sfixed64':
      w.fixed64(toBig(v, path, f.type === 'fixed64'));
      return;
    case 'double':
      w.double(toDouble(v, path));
      return;
    case 'message':
      throw new JsonShapeError(path, 'message in scalar position');
  }
}

function toInt(v: unknown, path: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 0xffffffff) return v; // the common case, no BigInt
  const n = integerFrom(v);
  if (n === undefined) throw new JsonShapeError(path, `expected an integer, got ${JSON.stringify(v)}`);
  if (n < -0x80000000n || n > 0xffffffffn) throw new JsonShapeError(path, 'out of range');
  return Number(n);
}

const MIN_I64 = -(2n ** 63n);
const MAX_U64 = 2n ** 64n - 1n;

function toBig(v: unknown, path: string, unsigned: boolean): bigint {
  const b = integerFrom(v);
  if (b === undefined) throw new JsonShapeError(path, `expected an integer or an integer string, got ${JSON.stringify(v)}`);
  if (unsigned ? b < 0n || b > MAX_U64 : b < MIN_I64 || b >= 2n ** 63n) throw new JsonShapeError(path, 'out of range');
  return b;
}

function toDouble(v: unknown, path: string): number {
  const n = doubleFrom(v);
  if (n === undefined) throw new JsonShapeError(path, `expected a number within the double range (or "NaN", "Infinity", "-Infinity"), got ${JSON.stringify(v)}`);
  return n;
}
