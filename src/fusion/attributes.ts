// Reading and writing the few attribute values fusion needs, straight from protobuf bytes.
import { decodeUtf8, Reader } from '../otlp/wire.js';
import type { ProtoWriter } from '../otlp/proto-writer.js';

/** Value of an AnyValue as a JS value (strings, numbers, bools; others as undefined). */
export function anyValue(buf: Uint8Array, start: number, end: number): string | number | boolean | undefined {
  const r = new Reader(buf, start, end);
  while (r.more()) {
    r.tag();
    switch (r.field) {
      case 1:
        r.lenBounds();
        return decodeUtf8(buf, r.start, r.stop);
      case 2:
        return r.varint() !== 0;
      case 3:
        return Number(BigInt.asIntN(64, r.varintBig()));
      case 4:
        return r.double();
      default:
        r.skip();
    }
  }
  return undefined;
}

/**
 * Calls `fn(key, valueStart, valueEnd)` for each KeyValue in [start, end) of a message whose
 * field `fieldNo` holds attributes. Keys are compared as bytes first to avoid decoding.
 */
export function forEachAttribute(buf: Uint8Array, start: number, end: number, fieldNo: number, fn: (key: string, vs: number, ve: number, kvStart: number, kvEnd: number) => void): void {
  const r = new Reader(buf, start, end);
  while (r.more()) {
    r.tag();
    if (r.field !== fieldNo || r.wt !== 2) {
      r.skip();
      continue;
    }
    r.lenBounds();
    const kvStart = r.start;
    const kvEnd = r.stop;
    const after = r.pos;
    const kv = new Reader(buf, kvStart, kvEnd);
    let key = '';
    let vs = 0;
    let ve = 0;
    while (kv.more()) {
      kv.tag();
      if (kv.field === 1 && kv.wt === 2) {
        kv.lenBounds();
        key = decodeUtf8(buf, kv.start, kv.stop);
      } else if (kv.field === 2 && kv.wt === 2) {
        kv.lenBounds();
        vs = kv.start;
        ve = kv.stop;
      } else kv.skip();
    }
    fn(key, vs, ve, kvStart, kvEnd);
    r.pos = after;
  }
}

/** Writes KeyValue{key, AnyValue{…}} as field `field`; `value` writes the AnyValue's fields. */
function writeAttr(w: ProtoWriter, field: number, key: string, value: () => void): void {
  w.tag(field, 2);
  w.fork();
  w.tag(1, 2);
  w.string(key);
  w.tag(2, 2);
  w.fork();
  value();
  w.join();
  w.join();
}

export function writeStringAttr(w: ProtoWriter, field: number, key: string, value: string): void {
  writeAttr(w, field, key, () => {
    w.tag(1, 2);
    w.string(value);
  });
}

export function writeDoubleAttr(w: ProtoWriter, field: number, key: string, value: number): void {
  writeAttr(w, field, key, () => {
    w.tag(4, 1);
    w.double(value);
  });
}

export function writeIntAttr(w: ProtoWriter, field: number, key: string, value: number): void {
  writeAttr(w, field, key, () => {
    w.tag(3, 0);
    w.varint(Math.trunc(value));
  });
}

export function writeStringArrayAttr(w: ProtoWriter, field: number, key: string, values: readonly string[]): void {
  writeAttr(w, field, key, () => {
    w.tag(5, 2);
    w.fork();
    for (const v of values) {
      w.tag(1, 2);
      w.fork();
      w.tag(1, 2);
      w.string(v);
      w.join();
    }
    w.join();
  });
}

export function writeBoolAttr(w: ProtoWriter, field: number, key: string, value: boolean): void {
  writeAttr(w, field, key, () => {
    w.tag(2, 0);
    w.varint(value ? 1 : 0);
  });
}
