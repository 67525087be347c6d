// An append-only log of framed records in segment files, bounded in total size. The spill
// queue and the durable-ingest write-ahead log are both built on it.
//
// - append() resolves once the record is written (and fsynced, with fsync: batch — appends
//   waiting together share one fsync).
// - A torn or corrupt tail found at open (power loss) is cut off: the valid prefix is kept,
//   the rest moved to quarantine/ and counted. The collector starts anyway.
// - Whole segments are deleted once every record in them is released.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, openSync, ftruncateSync, closeSync, fsyncSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFrame, encodeFrame, type Frame } from './frame.js';

export type FsyncPolicy = 'batch' | 'interval' | 'never';

export interface DiskLogOptions {
  directory: string;
  maxBytes: number;
  segmentBytes?: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs?: number;
  /** the largest payload accepted; also a sanity bound when reading frames back */
  maxPayload?: number;
}

export class DiskFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiskFullError';
  }
}

export interface OpenReport {
  segments: number;
  records: number;
  bytes: number;
  quarantinedBytes: number;
  problems: string[];
}

interface Segment {
  id: number;
  path: string;
  /** bytes of complete records */
  size: number;
  /** records appended; released counts up to it */
  records: number;
  released: number;
}

/** Position of a record in the log, for release(). */
export interface LogPosition {
  segment: number;
  offset: number;
}

export class DiskLog {
  private segments: Segment[] = [];
  private active: { seg: Segment; fh: FileHandle } | undefined;
  private total = 0;
  private pending: { buf: Buffer; resolve: () => void; reject: (e: Error) => void; seg?: Segment; pos?: LogPosition }[] = [];
  private writing = false;
  private closed = false;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  readonly segmentBytes: number;
  readonly maxPayload: number;

  private constructor(private readonly opts: DiskLogOptions) {
    this.segmentBytes = opts.segmentBytes ?? 32 * 1024 * 1024;
    this.maxPayload = opts.maxPayload ?? 256 * 1024 * 1024;
  }

  static async open(opts: DiskLogOptions): Promise<{ log: DiskLog; report: OpenReport }> {
    const log = new DiskLog(opts);
    const report = log.recover();
    if (opts.fsync === 'interval') {
      log.timer = setInterval(() => void log.syncIfDirty(), opts.fsyncIntervalMs ?? 1000);
      log.timer.unref();
    }
    return { log, report };
  }

  get sizeBytes(): number {
    return this.total;
  }

  get recordCount(): number {
    let n = 0;
    for (const s of this.segments) n += s.records - s.released;
    return n;
  }

  /** Scans every segment at open, cutting torn or corrupt tails into quarantine/. */
  private recover(): OpenReport {
    const dir = this.opts.directory;
    mkdirSync(dir, { recursive: true });
    const report: OpenReport = { segments: 0, records: 0, bytes: 0, quarantinedBytes: 0, problems: [] };
    const names = readdirSync(dir).filter((n) => /^\d{16}\.seg$/.test(n)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const buf = readFileSync(path);
      let off = 0;
      let records = 0;
      let problem: string | undefined;
      while (off < buf.length) {
        const r = decodeFrame(buf, off, this.maxPayload);
        if ('frame' in r) {
          off += r.size;
          records++;
        } else {
          problem = 'torn' in r ? 'torn record at the end' : r.corrupt;
          break;
        }
      }
      if (off < buf.length) {
        const qdir = join(dir, 'quarantine');
        mkdirSync(qdir, { recursive: true });
        writeFileSync(join(qdir, `${name}.${off}.bad`), buf.subarray(off));
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, off);
        fsyncSync(fd);
        closeSync(fd);
        report.quarantinedBytes += buf.length - off;
        report.problems.push(`${name}: ${problem} at byte ${off}; ${buf.length - off} bytes quarantined`);
      }
      if (records === 0) {
        // nothing valid: drop the empty segment
        renameSync(path, join(dir, `${name}.empty`));
        void unlink(join(dir, `${name}.empty`)).catch(() => {});
        continue;
      }
      const id = Number(name.slice(0, 16));
      this.nextId = Math.max(this.nextId, id + 1);
      this.segments.push({ id, path, size: off, records, released: 0 });
      this.total += off;
      report.records += records;
    }
    report.segments = this.segments.length;
    report.bytes = this.total;
    return report;
  }

  /** Appends one record; resolves when it is durable per the fsync policy. */
  append(frame: Frame): Promise<LogPosition> {
    if (this.closed) return Promise.reject(new Error('log is closed'));
    if (frame.payload.length > this.maxPayload) return Promise.reject(new Error(`record of ${frame.payload.length} bytes is above the limit`));
    const buf = encodeFrame(frame);
    const queued = this.pending.reduce((n, p) => n + p.buf.length, 0);
    if (this.total + queued + buf.length > this.opts.maxBytes) {
      return Promise.reject(new DiskFullError(`disk log ${this.opts.directory} is full (${this.total} of ${this.opts.maxBytes} bytes)`));
    }
    return new Promise<LogPosition>((resolve, reject) => {
      const entry = { buf, resolve: () => resolve(entry.pos!), reject } as (typeof this.pending)[number];
      this.pending.push(entry);
      if (!this.writing) void this.writeLoop();
    });
  }

  private async writeLoop(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.writeBatch(batch);
          for (const p of batch) p.resolve();
        } catch (e) {
          for (const p of batch) p.reject(e as Error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeBatch(batch: typeof this.pending): Promise<void> {
    let i = 0;
    while (i < batch.length) {
      const act = await this.activeSegment();
      const seg = act.seg;
      const start = seg.size;
      // fill this segment up to its size, at least one record
      const bufs: Buffer[] = [];
      let bytes = 0;
      const from = i;
      while (i < batch.length && (bufs.length === 0 || seg.size + bytes + batch[i]!.buf.length <= this.segmentBytes)) {
        bufs.push(batch[i]!.buf);
        batch[i]!.pos = { segment: seg.id, offset: seg.size + bytes };
        bytes += batch[i]!.buf.length;
        i++;
      }
      try {
        const { bytesWritten } = await act.fh.writev(bufs, start);
        // a full disk can end a write short without an error
        if (bytesWritten !== bytes) throw Object.assign(new Error(`short write: ${bytesWritten} of ${bytes} bytes`), { code: 'ENOSPC' });
        if (this.opts.fsync === 'batch') await act.fh.datasync();
        else this.dirty = true;
      } catch (e) {
        // A partial write (ENOSPC) must not leave a torn record behind.
        await act.fh.truncate(start).catch(() => {});
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'ENOSPC' || err.code === 'EDQUOT') throw new DiskFullError(`no space left for ${this.opts.directory}: ${err.message}`);
        throw err;
      }
      seg.size += bytes;
      seg.records += i - from;
      this.total += bytes;
    }
  }

  private async activeSegment(): Promise<{ seg: Segment; fh: FileHandle }> {
    if (this.active && this.active.seg.size < this.segmentBytes) return this.active;
    if (this.active) await this.active.fh.close();
    const id = this.nextId++;
    const path = join(this.opts.directory, `${String(id).padStart(16, '0')}.seg`);
    const fh = await open(path, 'w');
    const seg: Segment = { id, path, size: 0, records: 0, released: 0 };
    this.segments.push(seg);
    this.active = { seg, fh };
    if (this.opts.fsync === 'batch') await syncDirectory(this.opts.directory);
    return this.active;
  }

  private async syncIfDirty(): Promise<void> {
    if (!this.dirty || !this.active) return;
    this.dirty = false;
    await this.active.fh.datasync().catch(() => {});
  }

  /** Reads every record in order (from the segments, not from memory). */
  async *records(): AsyncGenerator<{ frame: Frame; pos: LogPosition }> {
    for (const seg of [...this.segments]) {
      yield* this.segmentRecords(seg);
    }
  }

  /** Records of one segment from `fromOffset`, up to what is written now. */
  async *segmentRecords(seg: Segment, fromOffset = 0): AsyncGenerator<{ frame: Frame; pos: LogPosition }> {
    if (seg.size <= fromOffset) return;
    const fh = await open(seg.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(seg.size - fromOffset);
      await fh.read(buf, 0, buf.length, fromOffset);
      let off = 0;
      while (off < buf.length) {
        const r = decodeFrame(buf, off, this.maxPayload);
        if (!('frame' in r)) throw new Error(`${seg.path}: unreadable record at ${fromOffset + off}`);
        yield { frame: r.frame, pos: { segment: seg.id, offset: fromOffset + off } };
        off += r.size;
      }
    } finally {
      await fh.close();
    }
  }

  segmentList(): readonly Readonly<Segment>[] {
    return this.segments;
  }

  /** Marks `count` records of a segment done; a finished, inactive segment is deleted. */
  async release(segmentId: number, count = 1): Promise<void> {
    const seg = this.segments.find((s) => s.id === segmentId);
    if (!seg) return;
    seg.released += count;
    await this.collect();
  }

  /** Marks every record of a segment done (the owner tracks completion itself). */
  async releaseAll(segmentId: number): Promise<void> {
    const seg = this.segments.find((s) => s.id === segmentId);
    if (!seg) return;
    seg.released = seg.records;
    await this.collect();
  }

  /** Deletes segments whose records are all released (never the one being written). */
  private async collect(): Promise<void> {
    while (this.segments.length > 0) {
      const seg = this.segments[0]!;
      const isActive = this.active?.seg === seg;
      if (seg.released < seg.records) return;
      // The segment being written goes too once it is drained and idle, so a restart does
      // not replay records that were already delivered.
      if (isActive && (this.writing || this.pending.length > 0)) return;
      const act = isActive ? this.active : undefined;
      if (isActive) this.active = undefined;
      this.segments.shift();
      this.total -= seg.size;
      if (act) await act.fh.close().catch(() => {});
      await unlink(seg.path).catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    while (this.writing) await new Promise((r) => setTimeout(r, 5));
    // Taken before the first await: collect() may retire the active segment meanwhile (a
    // release arriving during shutdown), which left `this.active` undefined under us.
    const act = this.active;
    if (act) {
      if (this.opts.fsync !== 'never') await act.fh.datasync().catch(() => {});
      await act.fh.close();
      if (this.active === act) this.active = undefined;
    }
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // some filesystems refuse fsync on directories
  } finally {
    await fh.close();
  }
}

export function directorySize(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    if (st.isFile()) n += st.size;
  }
  return n;
}
