// Reading KeyValue attributes and AnyValues straight from protobuf bytes: one cursor per
// batch, re-targeted per message, so reading attributes allocates only the key strings.
import { NO } from './fields.js';
import { decodeUtf8, Reader } from './wire.js';

const KV = NO.KeyValue;
const AV = NO.AnyValue;
const EMPTY = new Uint8Array(0);

/** An AnyValue's value as a JS value (strings, numbers, bools; arrays, kvlists and bytes as undefined). */
export function anyValue(buf: Uint8Array, start: number, end: number): string | number | boolean | undefined {
  const r = new Reader(buf, start, end);
  while (r.more()) {
    r.tag();
    switch (r.field) {
      case AV.stringValue:
        r.lenBounds();
        return decodeUtf8(buf, r.start, r.stop);
      case AV.boolValue:
        return r.varint() !== 0;
      case AV.intValue:
        return Number(BigInt.asIntN(64, r.varintBig()));
      case AV.doubleValue:
        return r.double();
      default:
        r.skip();
    }
  }
  return undefined;
}

/**
 * A few attribute keys matched against a KeyValue's key bytes, so that reading the ones a
 * decision needs decodes no other key.
 */
export class KeySet {
  private readonly bytes: Uint8Array[];
  /**
   * 1 at each length some key has: most keys read are ruled out by their length alone, without
   * a pass over the set (that pass was a third of fusion's span reading)
   */
  private readonly lengths: Uint8Array;

  constructor(readonly keys: readonly string[]) {
    this.bytes = keys.map((k) => new Uint8Array(Buffer.from(k, 'utf8')));
    this.lengths = new Uint8Array(Math.max(0, ...this.bytes.map((b) => b.length)) + 1);
    for (const b of this.bytes) this.lengths[b.length] = 1;
  }

  /** The index of the key whose UTF-8 bytes are buf[start, end), or -1. */
  find(buf: Uint8Array, start: number, end: number): number {
    const n = end - start;
    if (n >= this.lengths.length || this.lengths[n] === 0) return -1;
    outer: for (let i = 0; i < this.bytes.length; i++) {
      const k = this.bytes[i]!;
      if (k.length !== n) continue;
      for (let j = 0; j < n; j++) if (buf[start + j] !== k[j]) continue outer;
      return i;
    }
    return -1;
  }
}

/**
 * Iterates the KeyValues of field `fieldNo` of a message:
 *   for (cur.begin(buf, start, end, NO.Span.attributes); cur.next(); ) use(cur.key, cur.value());
 */
export class AttributeCursor {
  key = '';
  /** AnyValue bytes bounds ([0, 0) when the KeyValue has no value) */
  valueStart = 0;
  valueEnd = 0;
  /** the whole KeyValue message's bounds */
  kvStart = 0;
  kvEnd = 0;
  /** after nextIn: the index of the key in the set */
  keyIndex = -1;
  /** the key's bytes (-1 when the KeyValue has none) */
  private keyStart = -1;
  private keyEnd = -1;
  private readonly r = new Reader(EMPTY);
  private readonly kv = new Reader(EMPTY);
  private fieldNo = 0;

  get buf(): Uint8Array {
    return this.r.buf;
  }

  begin(buf: Uint8Array, start: number, end: number, fieldNo: number): this {
    this.r.target(buf, start, end);
    this.fieldNo = fieldNo;
    return this;
  }

  next(): boolean {
    if (!this.nextEntry()) return false;
    this.key = this.keyStart < 0 ? '' : decodeUtf8(this.r.buf, this.keyStart, this.keyEnd);
    return true;
  }

  /**
   * Moves to the next KeyValue whose key is in `set` (keyIndex, key and the value's bounds set);
   * other keys are compared as bytes, never decoded.
   */
  nextIn(set: KeySet): boolean {
    while (this.nextEntry()) {
      const index = this.keyStart < 0 ? -1 : set.find(this.r.buf, this.keyStart, this.keyEnd);
      if (index < 0) continue;
      this.keyIndex = index;
      this.key = set.keys[index]!;
      return true;
    }
    return false;
  }

  /** The next KeyValue of the field: its bounds, its key's and its value's. */
  private nextEntry(): boolean {
    const r = this.r;
    while (r.more()) {
      r.tag();
      if (r.field !== this.fieldNo || r.wt !== 2) {
        r.skip();
        continue;
      }
      r.lenBounds();
      this.kvStart = r.start;
      this.kvEnd = r.stop;
      this.key = '';
      this.keyStart = -1;
      this.keyEnd = -1;
      this.valueStart = 0;
      this.valueEnd = 0;
      const kv = this.kv.target(r.buf, r.start, r.stop);
      while (kv.more()) {
        kv.tag();
        if (kv.field === KV.key && kv.wt === 2) {
          kv.lenBounds();
          this.keyStart = kv.start;
          this.keyEnd = kv.stop;
        } else if (kv.field === KV.value && kv.wt === 2) {
          kv.lenBounds();
          this.valueStart = kv.start;
          this.valueEnd = kv.stop;
        } else kv.skip();
      }
      return true;
    }
    return false;
  }

  /** The current attribute's value (see anyValue). */
  value(): string | number | boolean | undefined {
    return anyValue(this.r.buf, this.valueStart, this.valueEnd);
  }

  /** The current attribute's value as text ('' when it has none or is not a scalar). */
  text(): string {
    const v = this.value();
    return v === undefined ? '' : String(v);
  }
}

/**
 * Calls `fn(key, valueStart, valueEnd, kvStart, kvEnd)` for each KeyValue of field `fieldNo`
 * in [start, end). Prefer AttributeCursor on hot paths (no closure per call).
 */
export function forEachAttribute(buf: Uint8Array, start: number, end: number, fieldNo: number, fn: (key: string, vs: number, ve: number, kvStart: number, kvEnd: number) => void): void {
  const c = new AttributeCursor().begin(buf, start, end, fieldNo);
  while (c.next()) fn(c.key, c.valueStart, c.valueEnd, c.kvStart, c.kvEnd);
}
