// Reads one Kineto trace file (plain or gzip) in two streaming passes and hands OTLP trace
// requests to `sink` as they fill; `sink` resolving is the backpressure.
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { encodeMessage } from '../../src/otlp/json-encode.js';
import { KinetoConverter, traceResource } from './kineto.js';
import { TraceIndex } from './trace-index.js';
import { type ScanHandler, TraceScanner } from './trace-scanner.js';

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

async function scan(path: string, handler: ScanHandler, chunkBytes: number, signal: AbortSignal | undefined, after?: () => Promise<void>): Promise<number> {
  const scanner = new TraceScanner(handler);
  const file = createReadStream(path, { highWaterMark: chunkBytes });
  const input = isGzip(path) ? file.pipe(createGunzip({ chunkSize: chunkBytes })) : file;
  if (isGzip(path)) file.on('error', (e) => input.destroy(e));
  let bytes = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw new Error('aborted');
      bytes += chunk.length;
      scanner.write(chunk);
      if (after) await after();
    }
  } finally {
    file.destroy();
    input.destroy();
  }
  scanner.end();
  return bytes;
}

export async function convertTraceFile(path: string, opts: ConvertFileOptions, sink: (data: Uint8Array, spans: number) => Promise<void>): Promise<ConvertResult> {
  const chunk = opts.chunkBytes ?? 1 << 20;
  const size = statSync(path).size;
  const index = new TraceIndex(opts.categories);
  // pass 1: metadata, names and the index of every span's interval, thread and ids; fails on an
  // incomplete file before anything is emitted
  await scan(path, index, chunk, opts.signal);
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
  const bytes = await scan(path, conv, chunk, opts.signal, drain);
  conv.cut();
  await drain();
  return { events: index.events, spans: conv.spans, skipped: conv.skipped, badEvents: conv.badEvents, bytes };
}
