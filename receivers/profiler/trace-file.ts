// Reads one Kineto trace file (plain or gzip) in two streaming passes and hands OTLP trace
// requests to `sink` as they fill; `sink` resolving is the backpressure.
import { createReadStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { encodeMessage } from '../../src/otlp/json-encode.js';
import { KinetoConverter, traceResource } from './kineto.js';
import { TraceIndex } from './trace-index.js';
import { SpanExtents } from './span-extents.js';
import { TraceScanner } from './trace-scanner.js';

export interface ConvertFileOptions {
  categories: ReadonlySet<string>;
  maxBatchSpans?: number;
  maxBatchBytes?: number;
  /** resource attributes added to the file's own (service.name, host.name, ...) */
  resource: Record<string, string | number>;
  chunkBytes?: number;
  signal?: AbortSignal;
}

export interface ConvertResult {
  events: number;
  spans: number;
  skipped: number;
  badEvents: number;
  bytes: number;
}

export const isGzip = (path: string): boolean => path.endsWith('.gz');

/**
 * Reads the file (inflated when gzip) chunk by chunk into `write`, awaiting `after` between. A
 * chunk is only valid during `write`: a plain file is read into one buffer, used again for every
 * chunk (no garbage per megabyte read, so no collections forced by external memory).
 */
async function read(path: string, chunkBytes: number, signal: AbortSignal | undefined, write: (chunk: Buffer) => void, after?: () => Promise<void>): Promise<number> {
  if (!isGzip(path)) return readPlain(path, chunkBytes, signal, write, after);
  const file = createReadStream(path, { highWaterMark: chunkBytes });
  const input = file.pipe(createGunzip({ chunkSize: chunkBytes }));
  file.on('error', (e) => input.destroy(e));
  let bytes = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw new Error('aborted');
      bytes += chunk.length;
      write(chunk);
      if (after) await after();
    }
  } finally {
    file.destroy();
    input.destroy();
  }
  return bytes;
}

async function readPlain(path: string, chunkBytes: number, signal: AbortSignal | undefined, write: (chunk: Buffer) => void, after?: () => Promise<void>): Promise<number> {
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafeSlow(chunkBytes);
  let bytes = 0;
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkBytes, bytes);
      if (bytesRead === 0) break;
      if (signal?.aborted) throw new Error('aborted');
      bytes += bytesRead;
      write(buf.subarray(0, bytesRead));
      if (after) await after();
    }
  } finally {
    await fh.close();
  }
  return bytes;
}

export async function convertTraceFile(path: string, opts: ConvertFileOptions, sink: (data: Uint8Array, spans: number) => Promise<void>): Promise<ConvertResult> {
  const chunk = opts.chunkBytes ?? 1 << 20;
  const size = statSync(path).size;
  const index = new TraceIndex(opts.categories);
  // pass 1: metadata, names and the index of every span's interval, thread and ids; fails on an
  // incomplete file before anything is emitted
  const scanner = new TraceScanner(index);
  await read(path, chunk, opts.signal, (c) => scanner.write(c));
  scanner.end();
  const resource = encodeMessage('Resource', traceResource(index, opts.resource, basename(path)));
  const conv = new KinetoConverter(index, {
    fileKey: `${basename(path)}:${size}`,
    maxBatchSpans: opts.maxBatchSpans ?? 4096,
    maxBatchBytes: opts.maxBatchBytes ?? 2 << 20,
    resource,
    scopeName: 'ai-trace-collector/profiler',
    scopeVersion: '0.1.0',
  });
  const drain = async (): Promise<void> => {
    while (conv.batches.length > 0) {
      const b = conv.batches.shift()!;
      await sink(b.data, b.spans);
    }
  };
  // pass 2: only the bytes of the events that become spans
  const extents = new SpanExtents(index.at.a, index.len.a, index.spans, (b, start, k) => conv.span(b, start, k));
  const bytes = await read(path, chunk, opts.signal, (c) => extents.write(c), drain);
  if (extents.done !== index.spans) throw new Error(`the trace changed while it was read (${extents.done} of ${index.spans} spans found again)`);
  conv.cut();
  await drain();
  return { events: index.events, spans: conv.spans, skipped: index.events - index.spans, badEvents: index.badEvents, bytes };
}
