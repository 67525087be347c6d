// A kafkajs compression codec for snappy (kafkajs ships none). Writes the xerial framing
// that the Java client writes and every Kafka client reads; reads xerial or raw snappy.
// CommonJS: Node's ESM loader does not see its exports by name.
import snappy from '@napi-rs/snappy';
import type { KafkaCodec } from './zstd-codec.js';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]); // \x82SNAPPY\0
const XERIAL_HEADER_LEN = 16; // magic, version (int32 BE), compatible version (int32 BE)
/** xerial's default block size: Java readers allocate buffers from it. */
const BLOCK = 32 * 1024;
const { compressSync, uncompressSync } = snappy;

export function snappyXerialCompress(data: Buffer): Buffer {
  const chunks: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_LEN);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  chunks.push(header);
  for (let off = 0; off < data.length; off += BLOCK) {
    const block = compressSync(data.subarray(off, Math.min(off + BLOCK, data.length)));
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.length, 0);
    chunks.push(len, block);
  }
  return Buffer.concat(chunks);
}

export function snappyDecompress(data: Buffer): Buffer {
  if (data.length < XERIAL_HEADER_LEN || !data.subarray(0, 8).equals(XERIAL_MAGIC)) return uncompressSync(data) as Buffer;
  const out: Buffer[] = [];
  let pos = XERIAL_HEADER_LEN;
  while (pos + 4 <= data.length) {
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > data.length) throw new Error('snappy: truncated xerial block');
    out.push(uncompressSync(data.subarray(pos, pos + len)) as Buffer);
    pos += len;
  }
  return Buffer.concat(out);
}

export function createSnappyCodec(): KafkaCodec {
  return {
    compress: async (encoder) => snappyXerialCompress(encoder.buffer),
    decompress: async (buffer) => snappyDecompress(buffer),
  };
}
