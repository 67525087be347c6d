// Checkpoints: per file its fingerprint (the first bytes), committed offset and path,
// written atomically (temp file + rename) so a restart neither re-sends nor skips.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface CheckpointEntry {
  path: string;
  /** base64 of the fingerprint bytes */
  fp: string;
  offset: number;
  skipping?: boolean;
}

interface CheckpointFile {
  version: 1;
  files: CheckpointEntry[];
}

export class CheckpointStore {
  readonly file: string;

  constructor(dir: string, receiverId: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `filelog-${receiverId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  }

  /** undefined: no checkpoint yet (first run). A damaged file is reported, not trusted. */
  load(): CheckpointEntry[] | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const o = JSON.parse(text) as CheckpointFile;
    if (o.version !== 1 || !Array.isArray(o.files)) throw new Error(`unknown checkpoint format in ${this.file}`);
    return o.files.filter((f) => typeof f.path === 'string' && typeof f.fp === 'string' && Number.isSafeInteger(f.offset) && f.offset >= 0);
  }

  save(entries: CheckpointEntry[], sync: boolean): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify({ version: 1, files: entries } satisfies CheckpointFile));
      if (sync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}
