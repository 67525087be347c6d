// The profiler receiver's progress across restarts, one JSON file per receiver in checkpoint_dir:
// for each Kineto trace file the spans already delivered (all of them once converted), for each
// tailed JSON-lines file its fingerprint, committed offset and line number. Replaced atomically
// (write to a temp file, then rename) so a crash leaves the old or the new state, never half.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TraceProgress {
  path: string;
  size: number;
  mtimeMs: number;
  /** spans delivered so far; with done, the whole file */
  spans: number;
  done: boolean;
}

export interface TailProgress {
  path: string;
  /** base64 of the file's first bytes: the same file after a restart (inodes change on copy) */
  fp: string;
  offset: number;
  /** lines read before offset (for error reports by line number) */
  line: number;
}

export interface Progress {
  traces: TraceProgress[];
  tails: TailProgress[];
}

/** `<dir>/profiler-<receiver id>.json`, the directory created */
export function progressFile(dir: string, receiverId: string): string {
  mkdirSync(dir, { recursive: true });
  return join(dir, `profiler-${receiverId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

export class ProgressStore {
  constructor(readonly file: string) {}

  /** undefined on the first run; throws on a damaged file (reported, then started without) */
  load(): Progress | undefined {
    if (!existsSync(this.file)) return undefined;
    const text = readFileSync(this.file, 'utf8');
    const o = JSON.parse(text) as { version?: unknown; traces?: unknown; tails?: unknown };
    if (o.version !== 1 || !Array.isArray(o.traces) || !Array.isArray(o.tails)) throw new Error(`not a profiler progress file: ${this.file}`);
    const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
    return {
      traces: (o.traces as TraceProgress[]).filter((t) => typeof t?.path === 'string' && count(t.size) && typeof t.mtimeMs === 'number' && count(t.spans)),
      tails: (o.tails as TailProgress[]).filter((t) => typeof t?.path === 'string' && typeof t.fp === 'string' && count(t.offset) && count(t.line)),
    };
  }

  save(p: Progress, sync: boolean): void {
    const tmp = `${this.file}.tmp`;
    // flush: fsync before the rename when asked (at shutdown), so the rename never exposes an empty file
    writeFileSync(tmp, JSON.stringify({ version: 1, ...p }), { flush: sync });
    renameSync(tmp, this.file);
  }
}
