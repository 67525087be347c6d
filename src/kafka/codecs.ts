// Registers the codecs kafkajs lacks (zstd, snappy) in its process-wide codec table, for our
// producers and for any kafkajs consumer in the same process (tests, the example consumer).
import type { Compression } from '../compression/codecs.js';
import { CompressionCodecs, CompressionTypes } from './kafkajs.js';
import { createSnappyCodec } from './snappy-codec.js';
import { createZstdCodec } from './zstd-codec.js';

let registered = false;

export function registerKafkaCodecs(): void {
  if (registered) return;
  registered = true;
  const zstd = createZstdCodec();
  const snappy = createSnappyCodec();
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstd;
  CompressionCodecs[CompressionTypes.Snappy] = () => snappy;
}

export function kafkaCompressionType(c: Compression): number {
  switch (c) {
    case 'zstd':
      return CompressionTypes.ZSTD;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'none':
      return CompressionTypes.None;
  }
}
