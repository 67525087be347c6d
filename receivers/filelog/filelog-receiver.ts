// The file log receiver: polls `include` globs, follows each file by identity (device +
// inode while running, fingerprint of the first bytes across restarts), reads what is new,
// and commits offsets only after the pipeline accepted the records. Rotation by rename
// (kubelet: `0.log` → `0.log.<timestamp>`, new `0.log`) is followed by finding the old inode
// next to its path and reading it to its end; copytruncate by finding the copy by its
// fingerprint. Checkpoints persist the committed state for restarts.
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Consumer, CreateContext, Receiver } from '../../src/component.js';
import { ACCEPTED_BY_SIGNAL, REFUSED_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import { CheckpointStore, type CheckpointEntry } from '../../src/fs/checkpoint.js';
import type { FilelogConfig } from './config.js';
import { readFile, type FileState, type ReadOptions } from './file-reader.js';
import { expandGlob, globToRegExp } from '../../src/fs/glob.js';
import { encodeRecordAttributes, k8sFromPath, LogRequestBuilder } from './log-record.js';
import { encodeResource } from '../../src/otlp/attributes-writer.js';

interface Tracked extends FileState {
  /** polls in a row a rotated-away file did not grow */
  idle: number;
  /** mtime at the last read: a change without growth may be a rewrite in place */
  mtimeMs?: number;
  /**
   * What the checkpoint records: the offset up to which every read record is complete (its
   * exporters have it), which lags `offset` while batches are in flight. After a crash the
   * file is read again from here, so nothing the pipeline had not finished is skipped.
   */
  committed?: { offset: number; skipping: boolean };
  inflight?: { offset: number; skipping: boolean; done: boolean }[];
  /** a skipped bad line was logged for this file (once per file) */
  warnedBadLine?: boolean;
}

const key = (dev: number, ino: number): string => `${dev}:${ino}`;

export class FilelogReceiver implements Receiver {
  private active = new Map<string, Tracked>();
  private draining: Tracked[] = [];
  private pending: CheckpointEntry[] | undefined;
  private hadCheckpoint = false;
  private firstPoll = true;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private dirty = false;
  private blockedUntil = 0;
  private readonly store: CheckpointStore | undefined;
  private readonly excludes: RegExp[];
  private readonly builder: LogRequestBuilder;
  private readonly readOpts: ReadOptions;
  private readonly labels: { receiver: string; transport: string };
  /** paths (and problems) already warned about: one log line each, not one per poll */
  private readonly warned = new Map<string, string>();

  constructor(
    private readonly cfg: FilelogConfig,
    private readonly next: Consumer,
    private readonly ctx: CreateContext,
  ) {
    this.store = cfg.checkpointDir ? new CheckpointStore(cfg.checkpointDir, ctx.id) : undefined;
    this.excludes = cfg.exclude.map(globToRegExp);
    this.builder = new LogRequestBuilder(cfg.parseJson);
    this.readOpts = { format: cfg.format, maxLogSize: cfg.maxLogSize, maxRead: cfg.maxReadPerFile };
    this.labels = { receiver: ctx.id, transport: 'file' };
  }

  async start(): Promise<void> {
    if (this.store) {
      try {
        this.pending = this.store.load();
      } catch (e) {
        this.ctx.logger.error({ file: this.store.file, err: (e as Error).message }, 'filelog checkpoint unreadable: starting without it');
      }
      this.hadCheckpoint = this.pending !== undefined;
    } else {
      this.ctx.logger.warn('filelog: no checkpoint_dir set, offsets are not kept across restarts');
    }
    this.ctx.logger.info({ include: this.cfg.include, startAt: this.cfg.startAt, checkpoints: this.store?.file ?? 'none', resumed: this.pending?.length ?? 0 }, 'filelog receiver started');
    await this.pollOnce();
    this.ctx.health.setReady(this.ctx.id, true);
    this.schedule(this.cfg.pollIntervalMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pollOnce().then(
        (more) => {
          this.running = undefined;
          this.schedule(more ? 0 : Math.max(this.cfg.pollIntervalMs, this.blockedUntil - Date.now()));
        },
        (e: Error) => {
          this.running = undefined;
          this.ctx.logger.error({ err: e.message }, 'filelog poll failed');
          this.schedule(this.cfg.pollIntervalMs);
        },
      );
    }, ms);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.saveCheckpoint(true);
  }

  /** Files currently followed (for tests and the gauge). */
  trackedFiles(): number {
    return this.active.size + this.draining.length;
  }

  /** One poll; returns true when some file has more to read right away. */
  private async pollOnce(): Promise<boolean> {
    if (Date.now() < this.blockedUntil) return false;
    const observedNs = BigInt(Date.now()) * 1_000_000n;
    let more = false;

    // A. every path the globs match now, with its identity
    const paths = new Set<string>();
    const unreadable = (path: string, e: NodeJS.ErrnoException): void => this.skipPath(path, e);
    for (const p of this.cfg.include) expandGlob(p, paths, unreadable);
    const found: { path: string; st: Stats }[] = [];
    for (const path of paths) {
      if (this.excludes.some((re) => re.test(path))) continue;
      let st: Stats | undefined;
      try {
        st = statSync(path, { throwIfNoEntry: false });
      } catch (e) {
        unreadable(path, e as NodeJS.ErrnoException);
      }
      if (st?.isFile()) found.push({ path, st });
    }

    // B. known inodes (at their path or renamed to another matched path)
    const byIno = new Map<string, Tracked>();
    for (const s of this.active.values()) byIno.set(key(s.dev, s.ino), s);
    for (const s of this.draining) byIno.set(key(s.dev, s.ino), s);
    const nextActive = new Map<string, Tracked>();
    const fresh: { path: string; st: Stats }[] = [];
    for (const f of found) {
      const s = byIno.get(key(f.st.dev, f.st.ino));
      if (!s) {
        fresh.push(f);
        continue;
      }
      s.path = f.path;
      if (f.st.size < s.offset) this.truncated(s, byIno);
      nextActive.set(f.path, s);
    }
    // C. new inodes: resumed from a checkpoint by fingerprint, or new files
    for (const f of fresh) {
      if (byIno.has(key(f.st.dev, f.st.ino))) {
        // became known in B (the copy of a copytruncate)
        const s = byIno.get(key(f.st.dev, f.st.ino))!;
        s.path = f.path;
        nextActive.set(f.path, s);
        continue;
      }
      // The head and the identity must come from the same file: a rotation between the
      // listing and this read puts a new file at the path, and the old inode with the new
      // head would be read again from 0 (and its checkpoint, matched by head, never found).
      const h = readHeadAndStat(f.path, this.cfg.fingerprintSize);
      if (h === undefined) continue;
      if (h.st.ino !== f.st.ino || h.st.dev !== f.st.dev) {
        const known = byIno.get(key(h.st.dev, h.st.ino));
        if (known) {
          known.path = f.path;
          nextActive.set(f.path, known);
          continue;
        }
      }
      const s = this.newState(f.path, h.st, h.fp);
      byIno.set(key(s.dev, s.ino), s);
      nextActive.set(f.path, s);
    }
    // D. previously followed files no longer at a matched path: rotated away or deleted
    const seen = new Set(nextActive.values());
    const draining: Tracked[] = [];
    for (const s of [...this.active.values(), ...this.draining]) {
      if (seen.has(s)) continue;
      const wasAt = s.path;
      if (this.locate(s)) {
        draining.push(s);
        // several rotations within one poll: the files rotated after this one are new to us
        if (s.path !== wasAt) for (const n of this.newerRotated(s.path, byIno)) draining.push(n);
      } else this.gone(s);
    }
    // E. first poll: checkpointed files not found at a matched path (rotated while we were down)
    if (this.pending) {
      // Every checkpointed file first, then the rotated files none of them describes: an older
      // entry's "newer rotated files" include a later entry's file, which must resume at its
      // offset, not be read again from 0.
      const resumed: Tracked[] = [];
      for (const e of this.pending) {
        const s = this.findByFingerprint(e);
        if (s && !byIno.has(key(s.dev, s.ino))) {
          resumed.push(s);
          byIno.set(key(s.dev, s.ino), s);
          this.ctx.logger.info({ path: s.path, offset: s.offset }, 'filelog: resuming a file rotated while stopped');
        }
      }
      draining.push(...resumed);
      for (const s of resumed) for (const n of this.newerRotated(s.path, byIno)) draining.push(n);
      this.pending = undefined;
    }
    this.active = nextActive;
    this.draining = draining;
    this.firstPoll = false;

    // Read: rotated files first (older lines), then the rest.
    for (const s of [...draining]) {
      const st = statSync(s.path, { throwIfNoEntry: false });
      if (!st) continue;
      const before = s.offset;
      const r = await this.readIsolated(s, st, observedNs, s.idle >= 2);
      if (r === 'refused') return false;
      if (r === 'more') more = true;
      if (s.offset === before && r !== 'more') s.idle++;
      else s.idle = 0;
      if (s.idle > 2) {
        this.draining.splice(this.draining.indexOf(s), 1);
        this.dirty = true;
        this.ctx.logger.debug({ path: s.path }, 'filelog: rotated file read to its end');
      }
    }
    for (const f of found) {
      const s = this.active.get(f.path);
      if (!s || (f.st.size <= s.offset && f.st.mtimeMs === s.mtimeMs)) continue;
      const r = await this.readIsolated(s, f.st, observedNs, false);
      if (r === 'refused') return false;
      if (r === 'more') more = true;
      if (this.stopped) break;
    }
    this.ctx.metrics.set('atc_filelog_files_tracked', { receiver: this.ctx.id }, this.trackedFiles());
    if (this.dirty) this.saveCheckpoint(false);
    return more && !this.stopped;
  }

  private newState(path: string, st: Stats, fp: Buffer): Tracked {
    let offset = 0;
    let skipping = false;
    let resumed = false;
    if (this.pending && fp.length > 0) {
      // prefer the entry for the same path; a moved file is found by fingerprint alone
      const i = bestMatch(this.pending, path, fp);
      if (i >= 0) {
        const e = this.pending[i]!;
        this.pending.splice(i, 1);
        offset = Math.min(e.offset, st.size);
        skipping = e.skipping ?? false;
        resumed = true;
      }
    }
    if (!resumed && this.firstPoll && !this.hadCheckpoint && this.cfg.startAt === 'end') offset = st.size;
    this.dirty = true;
    return { ...this.attrsFor(path), path, dev: st.dev, ino: st.ino, fp, offset, skipping, idle: 0 };
  }

  private attrsFor(path: string): { resource: Uint8Array; fileAttrs: Uint8Array } {
    const res: Record<string, string | number> = { ...(this.cfg.k8sFromPath ? k8sFromPath(path) : undefined), ...this.cfg.resource };
    return { resource: encodeResource(res), fileAttrs: encodeRecordAttributes({ 'log.file.path': path }) };
  }

  /** copytruncate: the file shrank below the committed offset. Read the copy, restart at 0. */
  private knownInos(): Map<string, Tracked> {
    const m = new Map<string, Tracked>();
    for (const s of this.active.values()) m.set(key(s.dev, s.ino), s);
    for (const s of this.draining) m.set(key(s.dev, s.ino), s);
    return m;
  }

  private truncated(s: Tracked, byIno: Map<string, Tracked>): void {
    const copy = this.siblingWithHead(s.path, s.fp, (c) => c.ino !== s.ino && c.size > s.offset && !byIno.has(key(c.dev, c.ino)));
    if (copy) {
      const d: Tracked = { ...s, path: copy.path, dev: copy.st.dev, ino: copy.st.ino, idle: 0 };
      this.draining.push(d);
      byIno.set(key(d.dev, d.ino), d);
    }
    this.ctx.metrics.inc('atc_filelog_rotations_total', { receiver: this.ctx.id, kind: 'copytruncate' });
    this.ctx.logger.debug({ path: s.path, copy: copy?.path }, 'filelog: file truncated');
    s.offset = 0;
    // the old content's reads in flight no longer describe this file
    s.inflight = [];
    s.committed = { offset: 0, skipping: false };
    s.skipping = false;
    s.fp = readHead(s.path, this.cfg.fingerprintSize) ?? Buffer.alloc(0);
    this.dirty = true;
  }

  /** A followed inode that left its path: find it renamed in the same directory. */
  private locate(s: Tracked): boolean {
    const st = statSync(s.path, { throwIfNoEntry: false });
    if (st && st.ino === s.ino && st.dev === s.dev) return true;
    const dir = dirname(s.path);
    for (const name of listDir(dir)) {
      const p = join(dir, name);
      const c = statSync(p, { throwIfNoEntry: false });
      if (c && c.ino === s.ino && c.dev === s.dev && c.isFile()) {
        if (s.idle === 0) {
          this.ctx.metrics.inc('atc_filelog_rotations_total', { receiver: this.ctx.id, kind: 'rename' });
          this.ctx.logger.debug({ from: s.path, to: p }, 'filelog: file rotated');
        }
        s.path = p;
        this.dirty = true;
        return true;
      }
    }
    return false;
  }

  /**
   * Kubelet-rotated files (`<name>.<YYYYMMDD-HHMMSS>`) newer than `rotatedPath` that we do not
   * follow: created and rotated away between two looks (several rotations in one poll, or
   * while the collector was stopped). Read from their start.
   */
  private newerRotated(rotatedPath: string, byIno: Map<string, Tracked>): Tracked[] {
    const dir = dirname(rotatedPath);
    const name = basename(rotatedPath);
    const m = /^(.*)\.(\d{8}-\d{6}.*)$/.exec(name);
    if (!m) return [];
    const out: Tracked[] = [];
    for (const n of listDir(dir).sort()) {
      if (n <= name || !n.startsWith(`${m[1]}.`) || !/^\d{8}-\d{6}/.test(n.slice(m[1]!.length + 1)) || /\.(gz|zst|bz2|xz)$/.test(n)) continue;
      const p = join(dir, n);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st?.isFile() || byIno.has(key(st.dev, st.ino))) continue;
      const fp = readHead(p, this.cfg.fingerprintSize) ?? Buffer.alloc(0);
      const t: Tracked = { ...this.attrsFor(p), path: p, dev: st.dev, ino: st.ino, fp, offset: 0, skipping: false, idle: 0 };
      byIno.set(key(st.dev, st.ino), t);
      out.push(t);
      this.dirty = true;
      this.ctx.logger.info({ path: p }, 'filelog: reading a file rotated before it was seen');
    }
    return out;
  }

  private gone(s: Tracked): void {
    this.dirty = true;
    this.ctx.metrics.inc('atc_filelog_rotations_total', { receiver: this.ctx.id, kind: 'deleted' });
    this.ctx.logger.debug({ path: s.path }, 'filelog: file deleted');
  }

  private findByFingerprint(e: CheckpointEntry): Tracked | undefined {
    const fp = Buffer.from(e.fp, 'base64');
    if (fp.length === 0) return undefined;
    const c = this.siblingWithHead(e.path, fp, (x) => x.size >= e.offset, true);
    if (!c) return undefined;
    return { ...this.attrsFor(c.path), path: c.path, dev: c.st.dev, ino: c.st.ino, fp, offset: e.offset, skipping: e.skipping ?? false, idle: 0 };
  }

  /** The file at `path` or next to it (`<name>.<suffix>`, not compressed) whose head starts with `fp`. */
  private siblingWithHead(path: string, fp: Buffer, ok: (st: Stats) => boolean, includeSelf = false): { path: string; st: Stats } | undefined {
    const dir = dirname(path);
    const base = basename(path);
    const names = listDir(dir).filter((n) => (includeSelf && n === base) || (n.startsWith(`${base}.`) && !/\.(gz|zst|bz2|xz)$/.test(n)));
    for (const name of names) {
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st?.isFile() || !ok(st)) continue;
      const head = readHead(p, fp.length);
      if (head && head.length === fp.length && head.equals(fp)) return { path: p, st };
    }
    return undefined;
  }

  /** A path that matched `include` but cannot be used (ELOOP: a symlink loop): warned once, skipped. */
  private skipPath(path: string, e: NodeJS.ErrnoException): void {
    const why = e.code === 'ELOOP' ? 'symlink_loop' : 'stat_error';
    if (this.warned.get(path) === why) return;
    if (this.warned.size >= 10_000) this.warned.clear(); // bounded, whatever a neighbour creates
    this.warned.set(path, why);
    this.ctx.metrics.inc('atc_receiver_refused_sources_total', { receiver: this.ctx.id, source: 'file', reason: why });
    this.ctx.logger.warn({ path, err: e.message }, why === 'symlink_loop' ? 'filelog: skipping a path that is a symlink loop' : 'filelog: skipping a path that cannot be read');
  }

  /** readState for one file, its failure confined to that file: counted, logged once, the poll goes on. */
  private async readIsolated(s: Tracked, st: Stats, observedNs: bigint, final: boolean): Promise<'done' | 'more' | 'refused'> {
    try {
      return await this.readState(s, st, observedNs, final);
    } catch (e) {
      const msg = (e as Error).message;
      this.ctx.metrics.inc('atc_receiver_refused_sources_total', { receiver: this.ctx.id, source: 'file', reason: 'read_error' });
      if (this.warned.get(s.path) !== msg) this.ctx.logger.error({ path: s.path, err: msg }, 'filelog: reading a file failed; other files go on, this one is tried again next poll');
      this.warned.set(s.path, msg);
      return 'done';
    }
  }

  /** Reads what is new in one file and hands it downstream; commits on acceptance. */
  private async readState(s: Tracked, st: Stats, observedNs: bigint, final: boolean): Promise<'done' | 'more' | 'refused'> {
    let fd: number;
    try {
      fd = openSync(s.path, 'r');
    } catch {
      return 'done';
    }
    try {
      const fst = fstatSync(fd);
      if (fst.ino !== s.ino || fst.dev !== s.dev) return 'done'; // replaced since the stat: next poll
      s.mtimeMs = fst.mtimeMs;
      // the head must still be the file's fingerprint: else it was truncated and rewritten in
      // place (copytruncate) since we last looked, maybe to beyond the committed offset
      if (s.fp.length > 0 || fst.size > 0) {
        const head = readHeadFd(fd, Math.min(this.cfg.fingerprintSize, fst.size));
        if (head.length < s.fp.length || !head.subarray(0, s.fp.length).equals(s.fp)) {
          if (s.offset > 0) this.truncated(s, this.knownInos());
        }
        if (!head.equals(s.fp)) {
          s.fp = head;
          this.dirty = true;
        }
      }
      if (fst.size <= s.offset && !(final && fst.size > 0)) return 'done';
      const r = readFile(fd, fst.size, s, this.readOpts, this.builder, observedNs, final);
      void st;
      if (r.bytesRead > 0) this.ctx.metrics.inc('atc_filelog_bytes_read_total', { receiver: this.ctx.id }, r.bytesRead);
      if (r.bad > 0) {
        this.ctx.metrics.inc(REFUSED_BY_SIGNAL.logs, { ...this.labels, reason: 'invalid_line' }, r.bad);
        if (!s.warnedBadLine) this.ctx.logger.warn({ path: s.path, lines: r.bad, err: r.badError }, 'filelog: skipped lines that could not be converted (logged once per file)');
        s.warnedBadLine = true;
      }
      s.committed ??= { offset: s.offset, skipping: s.skipping };
      if (r.request) {
        const res = await this.next.consume('logs', r.request, r.items, { track: true });
        if (res.status === 'refused') {
          this.ctx.metrics.inc(REFUSED_BY_SIGNAL.logs, { ...this.labels, reason: 'overload' }, 0);
          this.blockedUntil = Date.now() + Math.max(50, Math.min(res.retryAfterMs, 5000));
          return 'refused';
        }
        if (res.status === 'accepted') this.ctx.metrics.inc(ACCEPTED_BY_SIGNAL.logs, this.labels, r.items);
        else this.ctx.metrics.inc(REFUSED_BY_SIGNAL.logs, { ...this.labels, reason: 'dropped' }, r.items);
        const entry = { offset: r.offset, skipping: r.skipping, done: false };
        (s.inflight ??= []).push(entry);
        const delivered = res.status === 'accepted' ? res.delivered : undefined;
        if (delivered) {
          void delivered.then(() => {
            entry.done = true;
            this.advanceCommitted(s);
          });
        } else {
          entry.done = true;
          this.advanceCommitted(s);
        }
      } else if (!s.inflight?.length) {
        // nothing in flight (skipped or empty reads): the read position is complete
        s.committed = { offset: r.offset, skipping: r.skipping };
      }
      if (r.truncated > 0) this.ctx.metrics.inc('atc_filelog_truncated_lines_total', { receiver: this.ctx.id }, r.truncated);
      if (r.offset !== s.offset || r.skipping !== s.skipping) {
        s.offset = r.offset;
        s.skipping = r.skipping;
        this.dirty = true;
      }
      return r.more ? 'more' : 'done';
    } finally {
      closeSync(fd);
    }
  }

  /** Moves the committed offset over every completed read, in read order. */
  private advanceCommitted(s: Tracked): void {
    const q = s.inflight ?? [];
    while (q.length > 0 && q[0]!.done) {
      const e = q.shift()!;
      s.committed = { offset: e.offset, skipping: e.skipping };
      this.dirty = true;
    }
    // after shutdown the last completions still reach the checkpoint
    if (this.stopped) this.saveCheckpoint(true);
  }

  private saveCheckpoint(sync: boolean): void {
    if (!this.store || (!this.dirty && !sync)) return;
    const entries: CheckpointEntry[] = [];
    for (const s of [...this.draining, ...this.active.values()]) {
      const c = s.committed ?? { offset: s.offset, skipping: s.skipping };
      entries.push({ path: s.path, fp: s.fp.toString('base64'), offset: c.offset, ...(c.skipping ? { skipping: true } : {}) });
    }
    // entries not yet matched (a failed first poll) are kept, not forgotten
    if (this.pending) entries.push(...this.pending);
    try {
      this.store.save(entries, sync);
      this.dirty = false;
    } catch (e) {
      this.ctx.logger.error({ file: this.store.file, err: (e as Error).message }, 'filelog: cannot write checkpoint');
    }
  }
}

function bestMatch(entries: CheckpointEntry[], path: string, head: Buffer): number {
  let any = -1;
  for (let i = 0; i < entries.length; i++) {
    const fp = Buffer.from(entries[i]!.fp, 'base64');
    if (fp.length === 0 || head.length < fp.length || !head.subarray(0, fp.length).equals(fp)) continue;
    if (entries[i]!.path === path) return i;
    if (any < 0) any = i;
  }
  return any;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readHead(path: string, n: number): Buffer | undefined {
  return readHeadAndStat(path, n)?.fp;
}

/** The first `n` bytes and the identity of the file at `path`, both from one open. */
function readHeadAndStat(path: string, n: number): { fp: Buffer; st: Stats } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return { st: fstatSync(fd), fp: readHeadFd(fd, n) };
  } finally {
    closeSync(fd);
  }
}

function readHeadFd(fd: number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let len = 0;
  while (len < n) {
    const r = readSync(fd, b, len, n - len, len);
    if (r === 0) break;
    len += r;
  }
  return Buffer.from(b.subarray(0, len));
}
