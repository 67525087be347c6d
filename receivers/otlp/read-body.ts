// Reads a request body up to a limit and undoes its Content-Encoding with the decompressed
// size capped as well, so neither a large body nor a compression bomb is held in memory.
import type { IncomingMessage } from 'node:http';
import { inflateSync } from 'node:zlib';
import { decompress, DecompressedTooLarge } from '../../src/compression/codecs.js';

export class BodyError extends Error {
  constructor(readonly status: 400 | 413 | 415, message: string) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw new BodyError(413, `request body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

export function decodeContent(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  try {
    switch (enc) {
      case '':
      case 'identity':
        return body;
      case 'gzip':
      case 'x-gzip':
        return decompress('gzip', body, limit);
      case 'zstd':
        return decompress('zstd', body, limit);
      case 'deflate':
        return inflateSync(body, { maxOutputLength: limit });
      default:
        throw new BodyError(415, `unsupported Content-Encoding "${enc}" (gzip, zstd, deflate or none)`);
    }
  } catch (e) {
    if (e instanceof BodyError) throw e;
    if (e instanceof DecompressedTooLarge || (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BodyError(413, `decompressed body exceeds the limit of ${limit} bytes`);
    }
    throw new BodyError(400, `cannot decompress ${enc} body: ${(e as Error).message}`);
  }
}
