// What fusion remembers of emitted traces for late logs: per emission, an outline request —
// every span's trace id, span id, parent id, name, times and profiler category under its
// resource and scope, nothing else (~80 B per span against ~490 B for the request as it left).
// That is all a late log's fragment reads (lateParent, fragmentSpan), so the same scanner reads
// it. Kept for late_window, and at most late_window_bytes: beyond, the oldest are forgotten early.
// Which emission a trace left in is found through id tables of one generation each (about an
// eighth of the window): a generation whose emissions are all forgotten is dropped whole, so no
// table is ever swept for forgotten entries, and the table of held traces stays small. A
// generation's ids are appended to a flat log as traces leave and put into its table only when
// a lookup needs it: a table of the whole generation (~24 MB at 95k spans/s) took a cache miss
// per emitted trace, while most windows are searched rarely (late logs, logs before spans).
import { KEY } from '../../src/otlp/fields.js';
import type { ProtoWriter } from '../../src/otlp/proto-writer.js';
import type { TracesBuilder } from '../../src/otlp/traces-builder.js';
import type { HeldSpan } from './model.js';
import { outlineChunkBytes, OutlineStore, type OutlineChunk } from './outline-store.js';
import { TraceIdTable } from './trace-id-table.js';

const S = KEY.Span;

const SPAN_ENTRY = KEY.ScopeSpans.spans;
const TRACE_ID_TAG = KEY.Span.traceId;
/** bytes of other fields (kind, a short trace_state) a copied run may hold beyond the needed ones */
const RUN_SLACK = 24;

/** Writes the outline of `s` into the open scope of `b` (field values copied as bytes). */
export function writeOutlineSpan(b: TracesBuilder, s: HeldSpan): void {
  if (s.category === undefined && writeOutlineRun(b, s)) return;
  const w = b.w;
  const buf = s.buf;
  b.beginSpan();
  bytesField(w, S.traceId, buf, s.traceIdStart, s.traceIdEnd);
  bytesField(w, S.spanId, buf, s.idStart, s.idEnd);
  bytesField(w, S.parentSpanId, buf, s.parentStart, s.parentEnd);
  bytesField(w, S.name, buf, s.nameStart, s.nameEnd);
  if (s.startAt >= 0) {
    w.key(S.startTimeUnixNano);
    w.rawFrom(buf, s.startAt, s.startAt + 8);
  }
  if (s.endAt >= 0) {
    w.key(S.endTimeUnixNano);
    w.rawFrom(buf, s.endAt, s.endAt + 8);
  }
  // a profiler span never parents a fragment: keep what marks it as one
  if (s.category !== undefined) b.stringAttr('pytorch.category', s.category);
  b.endSpan();
}

/**
 * The usual layout — fields in field-number order, so trace id, span id, parent id, name, kind
 * and times are one run of bytes — copied as one span entry: the run must begin with the 16-byte
 * trace id, hold the span id, name, times and any parent id (the last of each, which the span
 * was read with), and little else. false: written field by field instead.
 */
function writeOutlineRun(b: TracesBuilder, s: HeldSpan): boolean {
  const buf = s.buf;
  const from = s.traceIdStart - 2;
  const to = s.endAt + 8;
  if (s.traceIdEnd - s.traceIdStart !== 16 || from < s.start || buf[from] !== TRACE_ID_TAG || buf[from + 1] !== 16) return false;
  if (s.endAt < 0 || to > s.end || s.startAt < from || s.startAt + 8 > to || s.idStart < from || s.idEnd > to || s.nameStart < from || s.nameEnd > to) return false;
  if (s.parentEnd > s.parentStart && (s.parentStart < from || s.parentEnd > to)) return false;
  const needed = 18 + 2 + (s.idEnd - s.idStart) + 3 + (s.parentEnd - s.parentStart) + 3 + (s.nameEnd - s.nameStart) + 18;
  const n = to - from;
  if (n > needed + RUN_SLACK) return false;
  const w = b.w;
  w.key(SPAN_ENTRY);
  w.varint(n);
  w.rawFrom(buf, from, to);
  b.items++;
  return true;
}

function bytesField(w: ProtoWriter, key: number, buf: Uint8Array, start: number, end: number): void {
  if (end <= start) return; // absent and empty read back the same
  w.key(key);
  w.varint(end - start);
  w.rawFrom(buf, start, end);
}

/** An emission as the late window keeps it. */
export interface Emission {
  at: number;
  /** its outline request (in `chunk`: valid while the emission is remembered) */
  outline: Uint8Array;
  chunk: OutlineChunk;
  /** traces in it */
  traces: number;
}

/** ints per logged id: its four words, then the emission's sequence number */
const LOGGED = 5;

/** trace id → the last emission (sequence number) it left in, for emissions from `startAt` on */
interface Generation {
  /** the logged ids put into a table so far (undefined until a lookup first needs one) */
  ids: TraceIdTable | undefined;
  indexed: number;
  /** ids as they left, in order: LOGGED ints each */
  log: Int32Array;
  logged: number;
  startAt: number;
  /** the newest emission it indexes */
  lastSeq: number;
}

/**
 * Emissions still remembered, oldest first, by sequence number (`base` is the first one's).
 * Bounded by age (`windowMs`) and by outline bytes (`maxBytes`).
 */
export class LateWindow {
  private list: Emission[] = [];
  base = 0;
  bytes = 0;
  /** oldest first */
  private generations: Generation[] = [];
  private readonly generationMs: number;
  private readonly outlines: OutlineStore;
  /** the id table and log of the last generation dropped, for the next ones */
  private spareIds: TraceIdTable | undefined;
  private spareLog: Int32Array | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly maxBytes: number,
  ) {
    this.generationMs = Math.max(1000, windowMs / 8);
    this.outlines = new OutlineStore(outlineChunkBytes(maxBytes));
  }

  /**
   * Notes that the trace whose id is the four words (see `word`) at ids[at, at + 4) left in
   * emission `seq` (the one added next or last). Words, not the id's bytes: fusion has them in a
   * small array by slot, where the bytes are in a batch nothing has read for seconds.
   */
  remember(ids: Int32Array, at: number, seq: number, now: number): void {
    let g = this.generations[this.generations.length - 1];
    if (g === undefined || now - g.startAt >= this.generationMs) {
      // sized for as many entries as the last one took: no growth on the way, as a rule
      const want = (g === undefined ? 1024 : g.logged + (g.logged >> 3)) * LOGGED;
      let log = this.spareLog;
      this.spareLog = undefined;
      if (log === undefined || log.length < want) log = new Int32Array(want);
      g = { ids: undefined, indexed: 0, log, logged: 0, startAt: now, lastSeq: seq };
      this.generations.push(g);
    }
    let o = g.logged * LOGGED;
    if (o + LOGGED > g.log.length) {
      const bigger = new Int32Array(g.log.length * 2);
      bigger.set(g.log);
      g.log = bigger;
    }
    const log = g.log;
    log[o++] = ids[at]!;
    log[o++] = ids[at + 1]!;
    log[o++] = ids[at + 2]!;
    log[o++] = ids[at + 3]!;
    log[o] = seq;
    g.logged++;
    g.lastSeq = seq;
  }

  /** The emission the trace with this id (16 latin1 characters) last left in, while remembered. */
  find(key: string): Emission | undefined {
    if (this.list.length === 0) return undefined;
    // newest first: a trace emitted twice (spans after it left) is found in its last emission
    for (let i = this.generations.length - 1; i >= 0; i--) {
      const seq = this.index(this.generations[i]!).getKey(key);
      if (seq >= 0) return this.get(seq);
    }
    return undefined;
  }

  /** The generation's table with every logged id in it (in order: a later emission wins). */
  private index(g: Generation): TraceIdTable {
    let ids = g.ids;
    if (ids === undefined) {
      const want = Math.ceil(g.logged / 0.6);
      ids = this.spareIds;
      this.spareIds = undefined;
      if (ids !== undefined && ids.slots >= want) ids.clear();
      else ids = new TraceIdTable(want);
      g.ids = ids;
    }
    const log = g.log;
    for (let i = g.indexed; i < g.logged; i++) ids.setWords(log, i * LOGGED, log[i * LOGGED + 4]!);
    g.indexed = g.logged;
    return ids;
  }

  get size(): number {
    return this.list.length;
  }

  /**
   * Remembers emission `seq` (one above the last one added, or the first after clear) with a
   * copy of `outline` (a view of the caller's builder: it may be overwritten after this).
   */
  add(seq: number, at: number, outline: Uint8Array, traces: number): void {
    if (this.list.length === 0) this.base = seq;
    const { view, chunk } = this.outlines.copy(outline);
    this.list.push({ at, outline: view, chunk, traces });
    this.bytes += view.length;
  }

  /** chunks of outline memory allocated so far (tests: reuse) */
  get outlineChunksAllocated(): number {
    return this.outlines.allocated;
  }

  get(seq: number): Emission | undefined {
    return seq >= this.base ? this.list[seq - this.base] : undefined;
  }

  /** Forgets emissions older than the window; returns how many went. */
  expire(now: number): number {
    let n = 0;
    while (n < this.list.length && now - this.list[n]!.at > this.windowMs) n++;
    this.drop(n);
    return n;
  }

  /** Forgets the oldest emissions while over maxBytes; returns the traces forgotten. */
  bound(): number {
    let n = 0;
    let traces = 0;
    let bytes = this.bytes;
    while (n < this.list.length && bytes > this.maxBytes) {
      bytes -= this.list[n]!.outline.length;
      traces += this.list[n]!.traces;
      n++;
    }
    this.drop(n);
    return traces;
  }

  clear(): void {
    for (const e of this.list) this.outlines.release(e.chunk);
    this.list = [];
    this.base = 0;
    this.bytes = 0;
    this.generations = [];
  }

  /** generations of id tables held (tests) */
  get generationCount(): number {
    return this.generations.length;
  }

  private drop(n: number): void {
    if (n === 0) return;
    for (let i = 0; i < n; i++) {
      const e = this.list[i]!;
      this.bytes -= e.outline.length;
      this.outlines.release(e.chunk);
    }
    this.list.splice(0, n);
    this.base += n;
    let g = 0;
    while (g < this.generations.length && this.generations[g]!.lastSeq < this.base) g++;
    if (g > 0) {
      const last = this.generations.splice(0, g)[g - 1]!;
      if (last.ids !== undefined) this.spareIds = last.ids;
      this.spareLog = last.log;
    }
  }
}
