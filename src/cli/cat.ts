// `cat PATH...`: decodes stored batch files (any compression) to OTLP/JSON, one request
// (one stored object) per line. Directories are walked in name order (keys sort by time).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signal } from '../component.js';
import { decompress, sniffCompression, type Compression } from '../compression/codecs.js';
import { decodeRequest } from '../otlp/proto-decode.js';
import { signalFromKey } from '../storage/object-key.js';

export interface CatOptions {
  signal?: Signal;
  out: NodeJS.WritableStream;
  /** for s3:// paths: a non-AWS endpoint (MinIO…), and the region */
  endpoint?: string;
  region?: string;
}

export async function catPaths(paths: readonly string[], opts: CatOptions): Promise<number> {
  let failures = 0;
  for (const p of paths) {
    if (p.startsWith('s3://')) {
      failures += await catS3(p, opts);
      continue;
    }
    let files: string[];
    try {
      files = await listFiles(p);
    } catch (e) {
      failures++;
      process.stderr.write(`${p}: ${oneLine(e)}\n`);
      continue;
    }
    for (const file of files) {
      if (!ofSignal(file, opts.signal)) continue;
      try {
        await writeLine(opts.out, decodeObject(file, await readFile(file), opts.signal));
      } catch (e) {
        failures++;
        process.stderr.write(`${file}: ${oneLine(e)}\n`);
      }
    }
  }
  return failures;
}

/** With --signal, files whose name names another signal are left out (their names tell). */
function ofSignal(name: string, signal: Signal | undefined): boolean {
  if (signal === undefined) return true;
  const named = signalFromKey(name);
  return named === undefined || named === signal;
}

/** Waits for the reader when the pipe is full, so a large directory is not buffered in memory. */
async function writeLine(out: NodeJS.WritableStream, line: string): Promise<void> {
  if (!out.write(line + '\n')) await new Promise<void>((resolve) => out.once('drain', resolve));
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
};

/** An error as one line: errno codes in words, never a stack. */
function oneLine(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code !== undefined && ERRNO_TEXT[err.code]) return ERRNO_TEXT[err.code]!;
  return String(err.message ?? e).split('\n')[0]!;
}

/** Lists and decodes every object under s3://bucket/prefix (the SDK's default credential chain). */
async function catS3(url: string, opts: CatOptions): Promise<number> {
  let failures = 0;
  try {
    // the AWS SDK loads only for an s3:// path: `run` imports this module too
    const { readS3Objects } = await import('../storage/s3-reader.js');
    for await (const o of readS3Objects(url, { ...(opts.endpoint ? { endpoint: opts.endpoint } : {}), ...(opts.region ? { region: opts.region } : {}) })) {
      if (!isObjectName(o.key) || !ofSignal(o.key, opts.signal)) continue;
      try {
        await writeLine(opts.out, decodeObject(o.key, o.body, opts.signal));
      } catch (e) {
        failures++;
        process.stderr.write(`s3://${o.bucket}/${o.key}: ${oneLine(e)}\n`);
      }
    }
  } catch (e) {
    failures++;
    process.stderr.write(`${url}: ${oneLine(e)}\n`);
  }
  return failures;
}

/** Names the exporters write: `…<signal>_<uuid>.binpb|json[.zst|.gz|.sz]`. */
function isObjectName(key: string): boolean {
  return /\.(binpb|json)(\.(zst|gz|sz))?$/.test(key);
}

/** One stored object → one line of OTLP/JSON. */
export function decodeObject(name: string, bytes: Uint8Array, signalOverride?: Signal): string {
  const compression = compressionOf(name, bytes);
  const raw = decompress(compression, bytes);
  const isJson = /\.json(\.[a-z]+)?$/.test(name);
  if (isJson) return JSON.stringify(JSON.parse(raw.toString('utf8')));
  const signal = signalOverride ?? signalFromKey(name);
  if (!signal) throw new Error('cannot tell the signal from the name; pass --signal traces|logs|metrics');
  return JSON.stringify(decodeRequest(signal, raw));
}

function compressionOf(name: string, bytes: Uint8Array): Compression {
  if (name.endsWith('.zst')) return 'zstd';
  if (name.endsWith('.gz')) return 'gzip';
  if (name.endsWith('.sz')) return 'snappy';
  return sniffCompression(bytes);
}

async function listFiles(p: string): Promise<string[]> {
  const st = await stat(p);
  if (!st.isDirectory()) return [p];
  const out: string[] = [];
  const entries = (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.tmp-')) continue; // a write in progress
    const full = join(p, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full)));
    else if (e.isFile() && isObjectName(e.name)) out.push(full);
  }
  return out;
}
