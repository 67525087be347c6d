// Exporters that share a batch and a compression setting compress it once.
import type { Batch } from '../component.js';
import { createCodec, type Codec, type Compression } from './codecs.js';

const cache = new WeakMap<Batch, Map<string, Uint8Array>>();
const codecs = new Map<string, Codec>();

export function compressedBatch(batch: Batch, compression: Compression, level?: number): Uint8Array {
  if (compression === 'none') return batch.data;
  const key = `${compression}:${level ?? ''}`;
  let perBatch = cache.get(batch);
  const hit = perBatch?.get(key);
  if (hit) return hit;
  let codec = codecs.get(key);
  if (!codec) {
    codec = createCodec(compression, level);
    codecs.set(key, codec);
  }
  const out = codec.compress(batch.data);
  if (!perBatch) {
    perBatch = new Map();
    cache.set(batch, perBatch);
  }
  perBatch.set(key, out);
  return out;
}
