// Reading back what each collector wrote, into a DeliveryCounter (spans) or a data-point
// count (metrics): our file exporter's objects, the Collector fileexporter's length-prefixed
// zstd records, and a Kafka topic through kcat (librdkafka decompresses; an independent client).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decompress } from '../../src/compression/codecs.js';
import { ensureKcat } from '../../test/harness/kafka.js';

function walk(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    // a broker or exporter may remove a file between readdir and stat
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) walk(p, out);
    else if (st) out.push(p);
  }
  return out;
}

/** Total bytes under `dir` (or of one file): for waiting until output stops growing. */
export function bytesUnder(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return walk(path).reduce((n, p) => n + (statSync(p, { throwIfNoEntry: false })?.size ?? 0), 0);
}

/** Every finished object of our file exporter (`*.binpb.zst`, temp files skipped). */
export function readOurFiles(dir: string, each: (request: Uint8Array) => void): void {
  for (const p of walk(dir)) if (p.endsWith('.binpb.zst') && !p.split('/').pop()!.startsWith('.tmp-')) each(decompress('zstd', readFileSync(p)));
}

/** The Collector fileexporter with `format: proto, compression: zstd`: [u32 BE length][zstd frame]… */
export function readOtelcolFile(path: string, each: (request: Uint8Array) => void): void {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch {
    return;
  }
  let i = 0;
  while (i + 4 <= b.length) {
    const len = b.readUInt32BE(i);
    if (i + 4 + len > b.length) break; // a torn tail: not delivered
    each(decompress('zstd', b.subarray(i + 4, i + 4 + len)));
    i += 4 + len;
  }
}

/** Every message value of `topic` from the beginning, streamed from kcat (`%R%s`). */
export async function readKafkaTopic(brokers: string[], topic: string, each: (value: Uint8Array) => void): Promise<number> {
  const bin = await ensureKcat();
  const child = spawn(bin, ['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%R%s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let pending: Buffer = Buffer.alloc(0);
  let messages = 0;
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  child.stdout.on('data', (d: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    let i = 0;
    while (i + 4 <= pending.length) {
      const len = pending.readInt32BE(i);
      const n = Math.max(0, len);
      if (i + 4 + n > pending.length) break;
      each(pending.subarray(i + 4, i + 4 + n));
      messages++;
      i += 4 + n;
    }
    pending = pending.subarray(i);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`kcat exited ${code}: ${err}`);
  return messages;
}
