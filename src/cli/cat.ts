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
}

export async function catPaths(paths: readonly string[], opts: CatOptions): Promise<number> {
  let failures = 0;
  for (const p of paths) {
    for (const file of await listFiles(p)) {
      try {
        const line = decodeObject(file, await readFile(file), opts.signal);
        opts.out.write(line + '\n');
      } catch (e) {
        failures++;
        process.stderr.write(`${file}: ${(e as Error).message}\n`);
      }
    }
  }
  return failures;
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
    else if (e.isFile()) out.push(full);
  }
  return out;
}
