// A kafkajs compression codec for zstd (kafkajs ships none), built on the project's binding.
// Kafka compresses whole record batches with a plain zstd frame, which is what this writes.
import { createCodec, decompress } from '../compression/codecs.js';

/** The largest record batch we inflate when consuming: Kafka caps batches far below this. */
const MAX_DECOMPRESSED = 512 * 1024 * 1024;

export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * Level 1, as the file exporter: a third of level 3's CPU on span batches for 2-3 % more bytes
 * (docs/benchmarks.md, "zstd level and threads"). kafkajs looks codecs up in one process-wide
 * table, so the level is one for every producer.
 */
export const KAFKA_ZSTD_LEVEL = 1;

export function createZstdCodec(level = KAFKA_ZSTD_LEVEL): KafkaCodec {
  // One context and one scratch output buffer reused across record batches: zstd-napi's
  // Compressor.compress allocated a compressBound()-sized Buffer per batch (garbage the flush
  // worker's collector spent its time on).
  const codec = createCodec('zstd', level);
  return {
    compress: async (encoder) => {
      const out = codec.compress(encoder.buffer);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    },
    decompress: async (buffer) => decompress('zstd', buffer, MAX_DECOMPRESSED),
  };
}
