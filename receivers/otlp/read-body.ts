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

/**
 * The whole body, from the stream's own events: an async iterator over the request (a
 * generator, a promise per chunk, end-of-stream listeners) cost more per request than the rest
 * of reading it. A body over the limit stops being read; the caller answers 413 and closes.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`));
  return new Promise<Buffer>((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let total = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) {
        done();
        req.pause();
        reject(new BodyError(413, `request body exceeds the limit of ${limit} bytes`));
      } else if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks !== undefined ? Buffer.concat(chunks, total) : (first ?? Buffer.alloc(0)));
    };
    const onError = (e: Error): void => {
      done();
      reject(e);
    };
    // the client went away before the body ended
    const onClose = (): void => {
      done();
      reject(new Error('the request was aborted before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
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
