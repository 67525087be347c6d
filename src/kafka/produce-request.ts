// The body of a Kafka Produce request, versions 3–7 (one layout; kafkajs encodes them all with
// its v3 module), written into one exact-size buffer. kafkajs encodes each record into a
// growing Encoder, copies the records into a second one for the codec and the batch into two
// more, every one a zero-filled Buffer.alloc: a ~1 MB message value was allocated and copied
// four times per send, and that garbage was most of the flush worker's collector time. Here a
// value is copied once: into a reused scratch buffer that the codec compresses, or straight
// into the request when uncompressed. The CRC is the slicing-by-8 one.
//
// Only what our producers send takes this path (keys and values as Buffers or strings, no
// headers, no per-message timestamps); anything else goes to kafkajs's own encoder unchanged.
import { createRequire } from 'node:module';
import { crc32c } from './crc32c.js';

export interface ProduceMessage {
  key?: unknown;
  value?: unknown;
  headers?: unknown;
  timestamp?: unknown;
}
export interface ProducePartition {
  partition: number;
  firstSequence?: number;
  messages: ProduceMessage[];
}
export interface ProduceTopic {
  topic: string;
  partitions: ProducePartition[];
}
export interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: ProduceTopic[];
}
export interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse(): boolean;
  encode(): Promise<unknown>;
}
export type ProduceRequestFactory = (args: ProduceArgs) => ProduceRequest;

interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
}
interface KafkaEncoder {
  buf: Buffer;
  offset: number;
}

const require = createRequire(import.meta.url);
const Encoder = require('kafkajs/src/protocol/encoder.js') as new (initialSize?: number) => KafkaEncoder;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: unknown): { getHighBits(): number; getLowBits(): number } };
const { lookupCodec, COMPRESSION_CODEC_MASK } = require('kafkajs/src/protocol/message/compression/index.js') as {
  lookupCodec(type: number): KafkaCodec | null;
  COMPRESSION_CODEC_MASK: number;
};

const TRANSACTIONAL = 0x10;
/** base offset … record count: the record batch header */
const BATCH_HEADER = 61;
/** partition, record set size */
const PARTITION_HEADER = 8;

/** Compression input buffers, reused: the codec may be asynchronous (gzip), so each encode takes its own. */
const scratchPool: Buffer[] = [];

function takeScratch(n: number): Buffer {
  const b = scratchPool.pop();
  if (b !== undefined && b.length >= n) return b;
  return Buffer.allocUnsafe(Math.max(64 * 1024, 2 ** Math.ceil(Math.log2(n))));
}

function giveBack(b: Buffer): void {
  if (scratchPool.length < 4) scratchPool.push(b);
}

/** kafkajs's own request for what this encoder does not cover, else ours. */
export function createProduceRequest(original: ProduceRequestFactory): ProduceRequestFactory {
  return (args) => {
    const req = original(args);
    const compression = args.compression ?? 0;
    const codec = compression === 0 ? null : lookupCodec(compression);
    if ((compression !== 0 && codec === null) || !plainMessages(args.topicData)) return req;
    req.encode = () => encodeProduce(args, compression, codec);
    return req;
  };
}

function isBytes(v: unknown): boolean {
  return v == null || typeof v === 'string' || Buffer.isBuffer(v);
}

function plainMessages(topics: readonly ProduceTopic[]): boolean {
  for (const t of topics) {
    for (const p of t.partitions) {
      for (const m of p.messages) {
        if (m.timestamp != null || !isBytes(m.key) || !isBytes(m.value)) return false;
        if (m.headers !== undefined) {
          if (m.headers === null || typeof m.headers !== 'object') return false;
          for (const _ in m.headers) return false;
        }
      }
    }
  }
  return true;
}

function toBytes(v: unknown): Buffer | null {
  if (v == null) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v as string, 'utf8');
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

/** zigzag (Kafka's signed varint) of a 32-bit integer */
function zigzag(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

function putVarint(b: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    b[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[pos++] = v;
  return pos;
}

function bytesFieldSize(b: Buffer | null): number {
  return b === null ? 1 : varintSize(zigzag(b.length)) + b.length;
}

function putBytesField(out: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) {
    out[pos] = 1; // zigzag(-1): null
    return pos + 1;
  }
  pos = putVarint(out, pos, zigzag(b.length));
  out.set(b, pos);
  return pos + b.length;
}

/** A partition's records, converted once and measured. */
interface Records {
  keys: (Buffer | null)[];
  values: (Buffer | null)[];
  bodies: number[];
  length: number;
}

function measure(messages: readonly ProduceMessage[]): Records {
  const r: Records = { keys: new Array(messages.length), values: new Array(messages.length), bodies: new Array(messages.length), length: 0 };
  for (let i = 0; i < messages.length; i++) {
    const key = toBytes(messages[i]!.key);
    const value = toBytes(messages[i]!.value);
    // attributes, timestamp delta (0: no message timestamps), offset delta, key, value, no headers
    const body = 1 + 1 + varintSize(zigzag(i)) + bytesFieldSize(key) + bytesFieldSize(value) + 1;
    r.keys[i] = key;
    r.values[i] = value;
    r.bodies[i] = body;
    r.length += varintSize(zigzag(body)) + body;
  }
  return r;
}

function putRecords(out: Buffer, pos: number, r: Records): number {
  for (let i = 0; i < r.bodies.length; i++) {
    pos = putVarint(out, pos, zigzag(r.bodies[i]!));
    out[pos++] = 0; // attributes
    out[pos++] = 0; // timestamp delta
    pos = putVarint(out, pos, zigzag(i));
    pos = putBytesField(out, pos, r.keys[i]!);
    pos = putBytesField(out, pos, r.values[i]!);
    out[pos++] = 0; // header count
  }
  return pos;
}

function putInt64(out: Buffer, pos: number, v: unknown): number {
  const l = Long.fromValue(v);
  out.writeInt32BE(l.getHighBits(), pos);
  out.writeInt32BE(l.getLowBits(), pos + 4);
  return pos + 8;
}

async function encodeProduce(a: ProduceArgs, compression: number, codec: KafkaCodec | null): Promise<KafkaEncoder> {
  const txn = a.transactionalId ?? null;
  const attributes = (compression & COMPRESSION_CODEC_MASK) | (txn ? TRANSACTIONAL : 0);
  const producerId = a.producerId ?? -1;
  // Per partition in order: its records, their compressed form, and the batch's timestamp.
  const parts: { records: Records; compressed: Buffer | null; timestamp: number }[] = [];
  let total = 2 + (txn === null ? 0 : Buffer.byteLength(txn)) + 2 + 4 + 4;
  for (const t of a.topicData) {
    total += 2 + Buffer.byteLength(t.topic) + 4;
    for (const p of t.partitions) {
      const timestamp = Date.now();
      const records = measure(p.messages);
      let compressed: Buffer | null = null;
      if (codec !== null) {
        const scratch = takeScratch(records.length);
        try {
          putRecords(scratch, 0, records);
          compressed = await codec.compress({ buffer: scratch.subarray(0, records.length) });
        } finally {
          giveBack(scratch);
        }
      }
      parts.push({ records, compressed, timestamp });
      total += PARTITION_HEADER + BATCH_HEADER + (compressed === null ? records.length : compressed.length);
    }
  }

  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  if (txn === null) pos = out.writeInt16BE(-1, pos);
  else {
    pos = out.writeInt16BE(Buffer.byteLength(txn), pos);
    pos += out.write(txn, pos, 'utf8');
  }
  pos = out.writeInt16BE(a.acks, pos);
  pos = out.writeInt32BE(a.timeout, pos);
  pos = out.writeInt32BE(a.topicData.length, pos);
  let k = 0;
  for (const t of a.topicData) {
    pos = out.writeInt16BE(Buffer.byteLength(t.topic), pos);
    pos += out.write(t.topic, pos, 'utf8');
    pos = out.writeInt32BE(t.partitions.length, pos);
    for (const p of t.partitions) {
      const { records, compressed, timestamp } = parts[k++]!;
      const batchLen = BATCH_HEADER + (compressed === null ? records.length : compressed.length);
      pos = out.writeInt32BE(p.partition, pos);
      pos = out.writeInt32BE(batchLen, pos);
      pos = putInt64(out, pos, 0); // base offset
      pos = out.writeInt32BE(batchLen - 12, pos); // batch length: what follows this field
      pos = out.writeInt32BE(0, pos); // partition leader epoch
      out[pos++] = 2; // magic
      const crcAt = pos;
      pos += 4;
      const crcFrom = pos;
      pos = out.writeInt16BE(attributes, pos);
      pos = out.writeInt32BE(records.bodies.length - 1, pos); // last offset delta
      pos = putInt64(out, pos, timestamp); // first timestamp
      pos = putInt64(out, pos, timestamp); // max timestamp
      pos = putInt64(out, pos, producerId);
      pos = out.writeInt16BE(a.producerEpoch ?? 0, pos);
      pos = out.writeInt32BE(p.firstSequence ?? 0, pos);
      pos = out.writeInt32BE(records.bodies.length, pos);
      if (compressed === null) pos = putRecords(out, pos, records);
      else {
        out.set(compressed, pos);
        pos += compressed.length;
      }
      out.writeUInt32BE(crc32c(out.subarray(crcFrom, pos)), crcAt);
    }
  }
  if (pos !== total) throw new Error(`produce request: wrote ${pos} bytes, expected ${total}`);
  // kafkajs frames the body from an Encoder's buf/offset: hand it ours without another copy.
  const e = new Encoder(0);
  e.buf = out;
  e.offset = total;
  return e;
}
