// KeyValue and AnyValue writers: the one place attributes are encoded. `attrKey` is the key
// of the attributes field of the message being written (KEY.Span.attributes, ...).
import { KEY } from './fields.js';
import { ProtoWriter } from './proto-writer.js';

const KV = KEY.KeyValue;
const AV = KEY.AnyValue;
const ARRAY_VALUES = KEY.ArrayValue.values;
const KVLIST_VALUES = KEY.KeyValueList.values;

/** Deeper JSON values are written as their JSON text (a log line cannot nest us into a stack overflow). */
const MAX_DEPTH = 8;

export type AttributeValue = string | number | boolean | bigint | Uint8Array | null | undefined | readonly unknown[] | { readonly [k: string]: unknown };

/** The fields of an AnyValue for a JS value: integers as int, other numbers as double, arrays and objects nested. */
export function writeAnyValue(w: ProtoWriter, v: unknown, depth = 0): void {
  switch (typeof v) {
    case 'string':
      w.key(AV.stringValue);
      w.string(v);
      return;
    case 'boolean':
      w.key(AV.boolValue);
      w.varint(v ? 1 : 0);
      return;
    case 'number':
      if (Number.isSafeInteger(v)) {
        w.key(AV.intValue);
        w.varint(v);
      } else {
        w.key(AV.doubleValue);
        w.double(v);
      }
      return;
    case 'bigint':
      w.key(AV.intValue);
      w.varintBig(v);
      return;
    case 'undefined':
      return;
    case 'object': {
      if (v === null) return;
      if (v instanceof Uint8Array) {
        w.key(AV.bytesValue);
        w.bytes(v);
        return;
      }
      if (depth >= MAX_DEPTH) {
        w.key(AV.stringValue);
        w.string(JSON.stringify(v));
        return;
      }
      if (Array.isArray(v)) {
        w.key(AV.arrayValue);
        w.fork();
        for (const x of v as unknown[]) {
          w.key(ARRAY_VALUES);
          w.fork();
          writeAnyValue(w, x, depth + 1);
          w.join();
        }
        w.join();
        return;
      }
      w.key(AV.kvlistValue);
      w.fork();
      const o = v as Record<string, unknown>;
      for (const k in o) writeAttribute(w, KVLIST_VALUES, k, o[k], depth + 1);
      w.join();
      return;
    }
    default:
      w.key(AV.stringValue);
      w.string(String(v));
  }
}

/** Opens KeyValue{key, value: AnyValue{…}} as field `attrKey`; the AnyValue's fields follow, then `endKeyValue`. */
function beginKeyValue(w: ProtoWriter, attrKey: number, key: string): void {
  w.key(attrKey);
  w.fork();
  w.key(KV.key);
  w.string(key);
  w.key(KV.value);
  w.fork();
}

function endKeyValue(w: ProtoWriter): void {
  w.join();
  w.join();
}

/** KeyValue{key, value} as field `attrKey`. */
export function writeAttribute(w: ProtoWriter, attrKey: number, key: string, value: unknown, depth = 0): void {
  beginKeyValue(w, attrKey, key);
  writeAnyValue(w, value, depth);
  endKeyValue(w);
}

export function writeStringAttribute(w: ProtoWriter, attrKey: number, key: string, value: string): void {
  beginKeyValue(w, attrKey, key);
  w.key(AV.stringValue);
  w.string(value);
  endKeyValue(w);
}

export function writeIntAttribute(w: ProtoWriter, attrKey: number, key: string, value: number): void {
  beginKeyValue(w, attrKey, key);
  w.key(AV.intValue);
  w.varint(Math.trunc(value));
  endKeyValue(w);
}

export function writeDoubleAttribute(w: ProtoWriter, attrKey: number, key: string, value: number): void {
  beginKeyValue(w, attrKey, key);
  w.key(AV.doubleValue);
  w.double(value);
  endKeyValue(w);
}

export function writeBoolAttribute(w: ProtoWriter, attrKey: number, key: string, value: boolean): void {
  beginKeyValue(w, attrKey, key);
  w.key(AV.boolValue);
  w.varint(value ? 1 : 0);
  endKeyValue(w);
}

/** KeyValue whose value is already-encoded AnyValue bytes (copied from another message). */
export function writeValueBytesAttribute(w: ProtoWriter, attrKey: number, key: string, anyValue: Uint8Array): void {
  w.key(attrKey);
  w.fork();
  w.key(KV.key);
  w.string(key);
  w.key(KV.value);
  w.bytes(anyValue);
  w.join();
}

/** An already-encoded KeyValue (its message bytes) as field `attrKey`. */
export function writeKeyValueBytes(w: ProtoWriter, attrKey: number, keyValue: Uint8Array): void {
  w.key(attrKey);
  w.bytes(keyValue);
}

/** Every entry of `attrs` as a KeyValue (null and undefined values skipped). */
export function writeAttributes(w: ProtoWriter, attrKey: number, attrs: { readonly [k: string]: unknown }): void {
  for (const k in attrs) {
    const v = attrs[k];
    if (v !== null && v !== undefined) writeAttribute(w, attrKey, k, v);
  }
}

/**
 * Repeated KeyValue bytes for field `attrKey`, to encode once and append to many messages
 * (`RequestBuilder.rawAttributes`): e.g. `encodeAttributes(KEY.LogRecord.attributes, fileAttrs)`.
 */
export function encodeAttributes(attrKey: number, attrs: { readonly [k: string]: unknown }): Uint8Array {
  const w = new ProtoWriter(256);
  writeAttributes(w, attrKey, attrs);
  return w.finish();
}

/** Resource message bytes with these attributes. */
export function encodeResource(attrs: { readonly [k: string]: unknown }): Uint8Array {
  return encodeAttributes(KEY.Resource.attributes, attrs);
}

/** InstrumentationScope message bytes. */
export function encodeScope(name: string, version = '', attrs?: { readonly [k: string]: unknown }): Uint8Array {
  const w = new ProtoWriter(64);
  writeScopeFields(w, name, version, attrs);
  return w.finish();
}

export function writeScopeFields(w: ProtoWriter, name: string, version: string, attrs?: { readonly [k: string]: unknown }): void {
  const S = KEY.InstrumentationScope;
  if (name !== '') {
    w.key(S.name);
    w.string(name);
  }
  if (version !== '') {
    w.key(S.version);
    w.string(version);
  }
  if (attrs) writeAttributes(w, S.attributes, attrs);
}
