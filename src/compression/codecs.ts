// Batch compression. zstd via zstd-napi's binding (builds from bundled source and honours levels;
// @mongodb-js/zstd 2.x downloads a binary at install time and 1.2.x ignores the level).
import { gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const require = createRequire(import.meta.url);
// @napi-rs/snappy 1.0.2 takes the whole process down (SIGSEGV) when a worker thread ends
// abnormally (terminate(), an uncaught exception) if that thread was the first to load it. So
// the main thread loads it up front, and other threads only when they use it: receiver worker
// threads never do.
let snappyModule: typeof import('@napi-rs/snappy') | undefined;
const snappy = (): typeof import('@napi-rs/snappy') => (snappyModule ??= require('@napi-rs/snappy') as typeof import('@napi-rs/snappy'));
if (isMainThread) snappy();

// The low-level binding gives a streaming decompress we can stop at a size cap.
interface ZstdDCtx {
  decompressStream(dst: Uint8Array, src: Uint8Array): [ret: number, produced: number, consumed: number];
}
interface ZstdCCtx {
  setParameter(param: number, value: number): void;
  compress2(dst: Uint8Array, src: Uint8Array): number;
}
const binding = require('zstd-napi/binding') as {
  DCtx: new () => ZstdDCtx;
  CCtx: new () => ZstdCCtx;
  CParameter: { compressionLevel: number };
  compressBound(size: number): number;
};

export type Compression = 'zstd' | 'gzip' | 'snappy' | 'none';
export const COMPRESSIONS: readonly Compression[] = ['zstd', 'gzip', 'snappy', 'none'];

/** File-name suffix for each compression (`.binpb` + this). */
export const EXTENSION: Record<Compression, string> = { zstd: '.zst', gzip: '.gz', snappy: '.sz', none: '' };
/** HTTP Content-Encoding for each compression. */
export const CONTENT_ENCODING: Record<Compression, string | undefined> = {
  zstd: 'zstd',
  gzip: 'gzip',
  snappy: 'x-snappy-framed',
  none: undefined,
};

export interface Codec {
  readonly name: Compression;
  compress(data: Uint8Array): Uint8Array;
}

export function createCodec(name: Compression, level?: number): Codec {
  switch (name) {
    case 'zstd': {
      // One context for every batch, and one scratch output buffer of compressBound() that
      // grows to the largest batch seen: zstd-napi's compress() allocates a fresh
      // compressBound()-sized buffer for every input above 128 KiB (4 MiB per full batch), and
      // that external-memory churn drove the flush worker's garbage collections. The result is
      // copied out at its exact size, since exporters keep it while they write.
      const cctx = new binding.CCtx();
      cctx.setParameter(binding.CParameter.compressionLevel, level ?? 3);
      let scratch = Buffer.alloc(0);
      return {
        name,
        compress: (d) => {
          const bound = binding.compressBound(d.length);
          if (scratch.length < bound) scratch = Buffer.allocUnsafe(bound);
          const n = cctx.compress2(scratch, d);
          return Buffer.from(scratch.subarray(0, n));
        },
      };
    }
    case 'gzip':
      return { name, compress: (d) => gzipSync(d, { level: level ?? zlibConstants.Z_DEFAULT_COMPRESSION }) };
    case 'snappy':
      return { name, compress: (d) => snappy().compressSync(toBuffer(d)) };
    case 'none':
      return { name, compress: (d) => d };
  }
}

const ZSTD_MAGIC = 0xfd2fb528;

/** Detects the compression of stored bytes by their magic number. */
export function sniffCompression(b: Uint8Array): Compression {
  if (b.length >= 4 && (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 === ZSTD_MAGIC) return 'zstd';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  return 'none';
}

/** Decompress, refusing output above `maxBytes` (a decompression bomb). */
export function decompress(name: Compression, data: Uint8Array, maxBytes = Number.MAX_SAFE_INTEGER): Buffer {
  switch (name) {
    case 'zstd':
      return zstdDecompressCapped(toBuffer(data), maxBytes);
    case 'gzip':
      return gunzipSync(data, { maxOutputLength: Math.min(maxBytes, 2 ** 32) });
    case 'snappy': {
      const out = snappy().uncompressSync(toBuffer(data)) as Buffer;
      if (out.length > maxBytes) throw new DecompressedTooLarge(maxBytes);
      return out;
    }
    case 'none':
      return toBuffer(data);
  }
}

export class DecompressedTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`decompressed body exceeds ${limit} bytes`);
    this.name = 'DecompressedTooLarge';
  }
}

function zstdDecompressCapped(data: Buffer, maxBytes: number): Buffer {
  // Streamed in bounded chunks so that a bomb is stopped at the cap, not allocated whole.
  const dctx = new binding.DCtx();
  const chunks: Buffer[] = [];
  let total = 0;
  let input: Buffer = data;
  const chunkLen = Math.min(Math.max(256 * 1024, data.length * 4), maxBytes + 1, 16 * 1024 * 1024);
  let ret = 1;
  // ret != 0 means the frame is not finished: keep going even with all input consumed,
  // since output may still be buffered inside the context.
  while (input.length > 0 || ret !== 0) {
    const chunk = Buffer.allocUnsafe(chunkLen);
    const [r, produced, consumed] = dctx.decompressStream(chunk, input);
    ret = r;
    if (produced === 0 && consumed === 0) {
      if (ret !== 0) throw new Error('zstd: truncated frame');
      break;
    }
    total += produced;
    if (total > maxBytes) throw new DecompressedTooLarge(maxBytes);
    if (produced > 0) chunks.push(chunk.subarray(0, produced));
    input = input.subarray(consumed);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

function toBuffer(d: Uint8Array): Buffer {
  return Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}
