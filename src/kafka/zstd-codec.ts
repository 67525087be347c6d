// A kafkajs compression codec for zstd (kafkajs ships none), built on the project's binding.
// Kafka compresses whole record batches with a plain zstd frame, which is what this writes.
import * as zstd from 'zstd-napi';
import { decompress } from '../compression/codecs.js';

/** The largest record batch we inflate when consuming: Kafka caps batches far below this. */
const MAX_DECOMPRESSED = 512 * 1024 * 1024;

export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

export function createZstdCodec(level = 3): KafkaCodec {
  // One compressor reuses its context across batches (no per-batch allocation of it).
  const c = new zstd.Compressor();
  c.setParameters({ compressionLevel: level });
  return {
    compress: async (encoder) => c.compress(encoder.buffer),
    decompress: async (buffer) => decompress('zstd', buffer, MAX_DECOMPRESSED),
  };
}
