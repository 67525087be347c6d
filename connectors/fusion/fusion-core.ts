// The join itself, independent of how data reaches it: holds spans by trace for a window,
// keeps logs that came before any span of their trace waiting for them (bounded, counted when
// they expire), keeps GPU state, and emits each trace enriched (see assemble.ts). Output goes
// to the callbacks given: enriched traces, fused documents, anomaly log records.
// A batch's acknowledgements stay open while a trace it fed is held
// (docs/delivery-guarantees.md): each emission carries a share of every batch its traces came in.
// Per-trace state lives in reused objects indexed by slot, found through an index of hashes and
// slots (held-id-index.ts). Emitting a trace leaves its entry there, stale (the index drops
// stale entries when it next rebuilds), and the late window (late-window.ts) remembers the
// emission it left in, when logs may come.
import { randomBytes } from 'node:crypto';
import { AckSet } from '../../src/acks/ack-set.js';
import { BufferHold } from '../../src/buffers/buffer-hold.js';
import { SpareBuffers } from '../../src/buffers/spare-buffers.js';
import type { CreateContext } from '../../src/component.js';
import { ProtoWriter } from '../../src/otlp/proto-writer.js';
import { AnomalyDetector, encodeAnomalies } from './anomaly.js';
import { assemble, findRoot, type FusedTrace, type SpanPlan } from './assemble.js';
import { writeBoolAttribute } from '../../src/otlp/attributes-writer.js';
import { KEY } from '../../src/otlp/fields.js';
import { SPAN_KIND_INTERNAL, TracesBuilder } from '../../src/otlp/traces-builder.js';
import type { FusionConfig } from './config.js';
import { encodeTraces, groupTrace, writeGrouped } from './enrich.js';
import { fusedDocument } from './fused-document.js';
import { offerRecentFusedTraces } from '../../src/telemetry/recent-fused-traces.js';
import { GpuState } from './gpu-state.js';
import { LateWindow, type Emission } from './late-window.js';
import { LogAttributeFilter } from './log-filter.js';
import { scanLogs, type GpuEvent, type LogScanOptions, type TracedLog } from './log-scan.js';
import { HeldTrace, latin1, type HeldBatch, type HeldSpan, type LogEvent, type LogsBySpan } from './model.js';
import { SpanPool } from './span-pool.js';
import { IntStack } from './int-stack.js';
import { SpanGroups } from './span-groups.js';
import { SpanScanner, spanFromFields } from './span-scan.js';
import { HeldIdIndex } from './held-id-index.js';

export type EmitReason = 'window' | 'root' | 'evicted' | 'shutdown';

export interface FusedDoc {
  /** 16 id bytes as a latin1 string */
  traceKey: string;
  /** the root span's id (latin1), or '' */
  rootSpanId: string;
  /** the Resource bytes of the root span (else of the first span) */
  resource: Uint8Array;
  startNs: bigint;
  status: 'ok' | 'error';
  json: string;
}

export interface FusionOutput {
  /**
   * enriched traces (and late-log fragments) as one ExportTraceServiceRequest, with the
   * acknowledgements of the spans in it: the receiver of the data completes or passes them on
   */
  traces(data: Uint8Array, items: number, acks: AckSet, hold?: BufferHold): void;
  /** one JSON document per emitted trace; omitted: no documents are built */
  documents?(docs: FusedDoc[]): void;
  /** training anomalies as an ExportLogsServiceRequest */
  anomalies(data: Uint8Array, items: number): void;
}

interface Waiting {
  logs: LogsBySpan;
  count: number;
  bytes: number;
  since: number;
}

/** the id spans without one are held under (OTLP allows none: such spans are one "trace") */
const NO_TRACE_ID = new Uint8Array(16);

/** what emittedBatches holds past its count: no batch (so a list slot keeps nothing alive) */
const NO_BATCH: HeldBatch = { acks: AckSet.none(), hold: undefined, traces: 0, mark: -1 };

/**
 * Spans whose index entries are loaded together before they are held: few enough that the
 * entries stay in the cache while the spans are held (128 cache lines)
 */
const WARM_CHUNK = 128;

/** emission sequence numbers stay below this (id table values are 31-bit) */
const MAX_SEQ = 1 << 30;

const SPAN_OVERHEAD = 200; // bytes of bookkeeping per held span, for max_bytes

/** emitted requests' buffers kept for reuse: emissions overlap little (one per tick) */
const OUT_SPARES = 2;

export class FusionCore {
  /**
   * trace id → its slot in `traces`, and by slot the held trace's id as four words (`ids.words`);
   * a trace that leaves is released there (its entry goes stale)
   */
  private readonly ids = new HeldIdIndex();
  /** by slot; a slot's object is reused by the next trace given that slot */
  private readonly traces: HeldTrace[] = [];
  private readonly freeSlots = new IntStack();
  private heldCount = 0;
  /**
   * Slots in creation order (what `tick` and eviction walk, oldest first); an entry whose
   * trace left or whose slot was reused since (orderPos differs) is skipped and compacted away
   */
  private order = new Int32Array(1024);
  private orderLen = 0;
  /** by slot: the trace's position in `order` (-1: not held), and when it is due */
  private orderPos = new Int32Array(1024).fill(-1);
  private deadlines = new Float64Array(1024);
  private heldBytes = 0;
  private readonly waiting = new Map<string, Waiting>();
  private waitingCount = 0;
  private waitingBytes = 0;
  /**
   * What late logs need of emitted traces: per emission, an outline of its spans (see
   * late-window.ts), shared by its traces. Nothing of a trace is kept as objects after it left
   * (they would outlive the young generation by a minute); a late log — rare — scans its
   * emission's outline for its trace's spans.
   */
  private readonly late: LateWindow;
  /** whether emissions go into the late window (late_window > 0, and logs may come: see keepLateWindow) */
  private remembers: boolean;
  private emissionSeq = 0;
  readonly gpu: GpuState;
  private readonly anomalies: AnomalyDetector | undefined;
  private readonly logScan: LogScanOptions;
  private lastPrune = 0;
  private readonly pool = new SpanPool();
  private readonly scanner = new SpanScanner(this.pool);
  /** for late logs: spans read back from an emitted request (not pooled: they are dropped) */
  private readonly lateScanner = new SpanScanner();
  /** per chunk of a batch's spans: their ids' hashes (see addSpans) */
  private readonly chunkHashes = new Int32Array(WARM_CHUNK);
  /** the hash of spans without a trace id (held under NO_TRACE_ID) */
  private readonly noIdHash = this.ids.hash(NO_TRACE_ID, 0);
  /** the warming loads' values, kept so that they are made (see HeldIdIndex.warm) */
  private warmed = 0;
  /** per batch: the scanned spans and where their trace ids are (reused) */
  private readonly scanned: HeldSpan[] = [];
  private readonly scannedIds: number[] = [];
  /** the output request's buffer (an emission takes it: see emit), and the late window's */
  private readonly builder = new TracesBuilder(64 * 1024);
  private readonly outline = new TracesBuilder(64 * 1024);
  /** buffers of emitted requests the pipelines gave back (see takeBack) */
  private readonly outSpares = new SpareBuffers(OUT_SPARES, Number.POSITIVE_INFINITY);
  /** tick's due traces and an emission's fused traces (reused lists, see tick) */
  private readonly dueWindow: HeldTrace[] = [];
  private readonly dueRoot: HeldTrace[] = [];
  private readonly fused: FusedTrace[] = [];
  /** traces enforceBounds sends out early (reused, as tick's lists) */
  private readonly evicted: HeldTrace[] = [];
  /** an emission's spans by resource and scope (reused structures) */
  private readonly groups = new SpanGroups();
  /** per emission: holds of batches no held trace needs any more (reused list) */
  private readonly freedHolds: BufferHold[] = [];
  /** per emission: the batches its traces hold parts of (reused list; NO_BATCH past its count) */
  private readonly emittedBatches: HeldBatch[] = [];

  constructor(
    private readonly cfg: FusionConfig,
    private readonly ctx: CreateContext,
    private readonly out: FusionOutput,
    private readonly now: () => number = Date.now,
  ) {
    this.gpu = new GpuState(cfg.gpuRetentionMs, now);
    this.late = new LateWindow(cfg.lateWindowMs, cfg.lateWindowBytes);
    this.remembers = cfg.lateWindowMs > 0;
    this.anomalies = cfg.anomaly.enabled ? new AnomalyDetector(cfg.anomaly.metrics, cfg.anomaly.factor, cfg.anomaly.window) : undefined;
    this.logScan = { filter: new LogAttributeFilter(cfg.logEvents), maxBodyBytes: cfg.logEvents.maxBodyBytes };
  }

  /** how often tick() should run */
  get tickMs(): number {
    return Math.min(200, Math.max(10, this.cfg.rootWaitMs / 2));
  }

  get heldTraces(): number {
    return this.heldCount;
  }

  get heldByteCount(): number {
    return this.heldBytes;
  }

  get waitingLogs(): number {
    return this.waitingCount;
  }

  /** Holds the spans; `acks` (the batch's) stay open until every trace they fed is emitted. */
  addSpans(data: Uint8Array, acks: AckSet = AckSet.none(), hold?: BufferHold): void {
    const spans = this.scanned;
    const ids = this.scannedIds;
    const n = this.scanner.scan(data, spans, ids);
    const now = this.now();
    const batch: HeldBatch | undefined = acks.empty && hold === undefined ? undefined : { acks, traces: 0, mark: -1, hold };
    let last: HeldTrace | undefined;
    const hashes = this.chunkHashes;
    for (let from = 0; from < n; from += WARM_CHUNK) {
      const to = Math.min(n, from + WARM_CHUNK);
      // the id index's entries for the next spans loaded together (see HeldIdIndex.warm)
      let warmed = 0;
      for (let i = from; i < to; i++) {
        const at = ids[i]!;
        const h = at >= 0 ? this.ids.hash(data, at) : this.noIdHash;
        hashes[i - from] = h;
        warmed ^= this.ids.warm(h);
      }
      this.warmed = warmed;
      for (let i = from; i < to; i++) {
        const s = spans[i]!;
        const at = ids[i]!;
        const idBuf = at >= 0 ? data : NO_TRACE_ID;
        const idAt = at >= 0 ? at : 0;
        let t: HeldTrace | undefined;
        if (last !== undefined && sameId(last.idBuf, last.idAt, idBuf, idAt)) t = last;
        else {
          // the slot a new trace would take, entered in the id index by the same probe that misses
          const free = this.freeSlots.size > 0 ? this.freeSlots.peek() : this.traces.length;
          const v = this.ids.getOrAddHashed(idBuf, idAt, hashes[i - from]!, free);
          t = v >= 0 ? this.traces[v]! : this.newTrace(free, idBuf, idAt, now);
        }
        // each trace the batch feeds keeps the batch's acknowledgements open (counted once)
        if (t !== last && batch !== undefined && t.holdBatch(batch)) batch.traces++;
        last = t;
        t.spans.push(s);
        const size = s.size + SPAN_OVERHEAD;
        t.bytes += size;
        this.heldBytes += size;
        // a root span ends the request: only stragglers are still to come
        if (s.isRoot) t.rootEnded = true;
        // without its root, a long request's children arrive long before it: wait for it
        this.deadlines[t.slot] = t.rootEnded ? now + this.cfg.rootWaitMs : Math.max(now + this.cfg.decisionWaitMs, t.firstSeen + this.cfg.rootlessWaitMs);
      }
    }
    // the held traces keep the spans; the lists are overwritten by the next batch
    this.ctx.metrics.inc('atc_fusion_spans_total', {}, n);
    // a batch that fed no trace is done; otherwise its last trace's emission completes it
    // (and lets go of its buffer, which the held spans are views of)
    if (batch === undefined || batch.traces === 0) acks.complete('delivered');
    else hold?.retain();
    this.enforceBounds();
  }

  /** A trace in `slot` (the free slot addSpans entered in the id index with the id). */
  private newTrace(slot: number, buf: Uint8Array, at: number, now: number): HeldTrace {
    if (this.freeSlots.size > 0) this.freeSlots.pop();
    let t = this.traces[slot];
    if (t === undefined) {
      this.traces.push((t = new HeldTrace(slot)));
      if (slot === this.orderPos.length) this.growSlots();
    }
    t.reset(buf, at, now);
    this.deadlines[slot] = now + this.cfg.decisionWaitMs;
    this.heldCount++;
    this.appendOrder(t);
    // logs that came first join now
    const w = this.waiting.size > 0 ? this.waiting.get(t.key) : undefined;
    if (w) {
      this.waiting.delete(t.key);
      this.waitingCount -= w.count;
      this.waitingBytes -= w.bytes;
      t.logs = w.logs;
      t.bytes += w.bytes;
      this.heldBytes += w.bytes;
    }
    return t;
  }

  private growSlots(): void {
    const pos = new Int32Array(this.orderPos.length * 2).fill(-1);
    pos.set(this.orderPos);
    this.orderPos = pos;
    const deadlines = new Float64Array(this.deadlines.length * 2);
    deadlines.set(this.deadlines);
    this.deadlines = deadlines;
  }

  private appendOrder(t: HeldTrace): void {
    if (this.orderLen === this.order.length) {
      this.compactOrder();
      if (this.orderLen * 2 > this.order.length) {
        const bigger = new Int32Array(this.order.length * 2);
        bigger.set(this.order.subarray(0, this.orderLen));
        this.order = bigger;
      }
    }
    this.orderPos[t.slot] = this.orderLen;
    this.order[this.orderLen++] = t.slot;
  }

  /** The held trace at position i of the creation order, or undefined for a stale entry. */
  private orderAt(i: number): HeldTrace | undefined {
    const slot = this.order[i]!;
    return this.orderPos[slot] === i ? this.traces[slot] : undefined;
  }

  /** Drops stale entries from the creation order (keeping it in order). */
  private compactOrder(): void {
    let w = 0;
    for (let i = 0; i < this.orderLen; i++) {
      const slot = this.order[i]!;
      if (this.orderPos[slot] !== i) continue;
      this.orderPos[slot] = w;
      this.order[w++] = slot;
    }
    this.orderLen = w;
  }

  /** Held traces, oldest first. */
  private heldInOrder(): HeldTrace[] {
    const out: HeldTrace[] = [];
    for (let i = 0; i < this.orderLen; i++) {
      const t = this.orderAt(i);
      if (t !== undefined) out.push(t);
    }
    return out;
  }

  /** The held trace for a log's trace key, if any. */
  private heldByKey(key: string): HeldTrace | undefined {
    if (this.heldCount === 0 || key.length !== 16) return undefined;
    // the index answers held slots only, their whole id compared
    const v = this.ids.findKey(key);
    return v < 0 ? undefined : this.traces[v];
  }

  /** The emission a trace last left in, while remembered. */
  private emittedByKey(key: string): Emission | undefined {
    return key.length === 16 ? this.late.find(key) : undefined;
  }

  /**
   * Whether to keep the late window: not when no logs can come (fusion fed by traces and
   * metrics pipelines only), where remembering each emitted span's outline was ~10 % of
   * fusion's work and up to late_window_bytes of memory for nothing. Turned on again (from then
   * on) if logs do come; never on with late_window 0.
   */
  keepLateWindow(keep: boolean): void {
    const on = keep && this.cfg.lateWindowMs > 0;
    if (on === this.remembers) return;
    this.remembers = on;
    if (!on) this.late.clear();
  }

  /** bytes the late window holds (outlines of emitted traces) */
  get lateWindowBytes(): number {
    return this.late.bytes;
  }

  addLogs(data: Uint8Array): void {
    const traced: TracedLog[] = [];
    const events: GpuEvent[] = [];
    scanLogs(data, traced, events, this.logScan);
    this.addGpuEvents(events);
    const late: Late[] = [];
    const now = this.now();
    for (const l of traced) {
      const t = this.heldByKey(l.traceKey);
      if (t) {
        pushLog((t.logs ??= new Map()), l.spanKey, l.event);
        t.bytes += l.size;
        this.heldBytes += l.size;
        continue;
      }
      const done = this.emittedByKey(l.traceKey);
      if (done) {
        late.push({ emission: done, key: l.traceKey, spanKey: l.spanKey, event: l.event });
        continue;
      }
      // before any span of its trace (a long request's spans come at its end): wait for them
      let w = this.waiting.get(l.traceKey);
      if (!w) this.waiting.set(l.traceKey, (w = { logs: new Map(), count: 0, bytes: 0, since: now }));
      pushLog(w.logs, l.spanKey, l.event);
      w.count++;
      w.bytes += l.size;
      this.waitingCount++;
      this.waitingBytes += l.size;
    }
    if (traced.length > 0) this.ctx.metrics.inc('atc_fusion_logs_total', {}, traced.length);
    if (late.length > 0) this.emitLate(late);
    this.enforceWaitingBounds();
  }

  private addGpuEvents(events: GpuEvent[]): void {
    if (events.length === 0) return;
    let lost = 0;
    for (const e of events) if (!this.gpu.addEvent(e)) lost++;
    this.ctx.metrics.inc('atc_fusion_gpu_events_total', {}, events.length);
    if (lost > 0) this.ctx.metrics.inc('atc_fusion_gpu_events_unattributed_total', {}, lost);
  }

  addMetrics(data: Uint8Array): void {
    const events = this.gpu.addMetrics(data);
    if (events.length > 0) this.ctx.metrics.inc('atc_fusion_gpu_events_total', {}, events.length);
    const found = this.anomalies?.check(data) ?? [];
    if (found.length === 0) return;
    this.ctx.metrics.inc('atc_fusion_anomalies_total', {}, found.length);
    for (const a of found) this.ctx.logger.warn({ metric: a.metric, value: a.value, median: a.median, step: a.step, reason: a.reason }, 'training anomaly');
    this.out.anomalies(encodeAnomalies(found), found.length);
  }

  tick(): void {
    const now = this.now();
    // lists reused from tick to tick, written by index with their counts beside them, never cut:
    // setting a shorter length gives most of the backing store up (V8 trims an array to under
    // half its capacity), and refilling it allocates again
    const due = this.dueWindow;
    const dueRoot = this.dueRoot;
    let nDue = 0;
    let nRoot = 0;
    // one pass over the creation order: due traces leave it, stale entries are dropped
    // (typed arrays only: the trace objects of due traces alone are touched)
    const { order, orderPos: pos, deadlines } = this;
    let w = 0;
    for (let i = 0; i < this.orderLen; i++) {
      const slot = order[i]!;
      if (pos[slot] !== i) continue;
      if (deadlines[slot]! <= now) {
        const t = this.traces[slot]!;
        if (t.rootEnded) dueRoot[nRoot++] = t;
        else due[nDue++] = t;
        pos[slot] = -1;
        continue;
      }
      pos[slot] = w;
      order[w++] = slot;
    }
    this.orderLen = w;
    if (nDue > 0) this.emit(due, nDue, 'window');
    if (nRoot > 0) this.emit(dueRoot, nRoot, 'root');
    let expired = 0;
    for (const [k, w] of this.waiting) {
      if (now - w.since < this.cfg.logWaitMs) break; // insertion order = arrival order
      expired += this.dropWaiting(k, w);
    }
    if (expired > 0) this.ctx.metrics.inc('atc_fusion_logs_expired_total', { reason: 'log_wait' }, expired);
    if (now - this.lastPrune >= 5000) {
      this.lastPrune = now;
      this.gpu.prune(now);
      this.late.expire(now);
    }
    this.ctx.metrics.set('atc_fusion_held_traces', {}, this.heldCount);
    this.ctx.metrics.set('atc_fusion_held_bytes', {}, this.heldBytes);
    this.ctx.metrics.set('atc_fusion_waiting_logs', {}, this.waitingCount);
    this.ctx.metrics.set('atc_fusion_late_window_bytes', {}, this.late.bytes);
  }

  /** Emits every held trace (shutdown). Logs still waiting for spans stay in the logs pipeline only. */
  flushAll(): void {
    const all = this.heldInOrder();
    this.emit(all, all.length, 'shutdown');
    let expired = 0;
    for (const [k, w] of this.waiting) expired += this.dropWaiting(k, w);
    if (expired > 0) this.ctx.metrics.inc('atc_fusion_logs_expired_total', { reason: 'shutdown' }, expired);
  }

  private dropWaiting(key: string, w: Waiting): number {
    this.waiting.delete(key);
    this.waitingCount -= w.count;
    this.waitingBytes -= w.bytes;
    return w.count;
  }

  private enforceWaitingBounds(): void {
    let expired = 0;
    for (const [k, w] of this.waiting) {
      if (this.waitingCount <= this.cfg.maxWaitingLogs && this.waitingBytes <= this.cfg.maxWaitingLogBytes) break;
      expired += this.dropWaiting(k, w);
    }
    if (expired > 0) this.ctx.metrics.inc('atc_fusion_logs_expired_total', { reason: 'bounds' }, expired);
  }

  /** Oldest traces go out early (never dropped) when the window exceeds its bounds. */
  private enforceBounds(): void {
    if (this.heldCount <= this.cfg.maxTraces && this.heldBytes <= this.cfg.maxBytes) return;
    const out = this.evicted;
    let k = 0;
    let n = this.heldCount;
    let b = this.heldBytes;
    for (let i = 0; i < this.orderLen; i++) {
      if (n <= this.cfg.maxTraces * 0.9 && b <= this.cfg.maxBytes * 0.9) break;
      const t = this.orderAt(i);
      if (t === undefined) continue;
      out[k++] = t;
      n--;
      b -= t.bytes;
    }
    this.emit(out, k, 'evicted');
  }

  /**
   * Emits traces[0, n) (a reused list: entries past n are stale). An emission of a tick is tens
   * of thousands of traces held since the window began, their objects long out of the caches:
   * each pass over them costs a miss per object, so everything a trace gives the emission (its
   * plan, its share of acknowledgements, its spans' groups) is taken in one pass, the output is
   * written from the groups, and one more pass lets the traces go.
   */
  private emit(traces: readonly HeldTrace[], n: number, reason: EmitReason): void {
    if (n === 0) return;
    const now = this.now();
    // 2^30 emissions take years; then late logs lose what was emitted before, once
    if (this.emissionSeq === MAX_SEQ) this.forgetEmissions();
    const seq = this.emissionSeq++;
    // reused, as tick's lists; a joined trace's plan stays referred to until overwritten
    const out = this.fused;
    const groups = this.groups;
    // what an emission that threw midway left grouped is not this one's
    if (groups.count > 0) groups.clear();
    const batches = this.emittedBatches;
    let plans: Map<HeldSpan, SpanPlan> | undefined;
    let logsJoined = 0;
    let gpuJoined = 0;
    let items = 0;
    let nBatches = 0;
    for (let i = 0; i < n; i++) {
      const t = traces[i]!;
      this.heldCount--;
      this.heldBytes -= t.bytes;
      items += t.spans.length;
      const f = assemble(t, this.gpu);
      logsJoined += f.logsJoined;
      gpuJoined += f.gpuJoined;
      out[i] = f;
      plans = groupTrace(f, groups, plans);
      // each batch the emission holds a part of, listed once (see takeAcks)
      const b = t.batch;
      if (b !== undefined) {
        if (b.mark !== seq) {
          b.mark = seq;
          batches[nBatches++] = b;
        }
        b.traces--;
        t.batch = undefined;
        if (t.batches !== undefined) {
          for (const o of t.batches) {
            if (o.mark !== seq) {
              o.mark = seq;
              batches[nBatches++] = o;
            }
            o.traces--;
          }
          t.batches = undefined;
        }
      }
    }
    const m = this.ctx.metrics;
    m.inc('atc_fusion_traces_emitted_total', { reason }, n);
    if (logsJoined > 0) m.inc('atc_fusion_logs_joined_total', {}, logsJoined);
    if (gpuJoined > 0) m.inc('atc_fusion_gpu_joined_spans_total', {}, gpuJoined);
    // the status page's fused-trace view (a few documents per second, only while it listens)
    offerRecentFusedTraces(out, fusedDocument, undefined, n);
    if (this.out.documents) {
      const docs = out.slice(0, n).map((f): FusedDoc => {
        const doc = fusedDocument(f);
        const first = f.root ?? f.trace.spans[0];
        return { traceKey: f.trace.key, rootSpanId: f.root?.spanId ?? '', resource: first?.resource.raw ?? new Uint8Array(0), startNs: BigInt(doc.start_time_unix_nano), status: f.status, json: JSON.stringify(doc) };
      });
      m.inc('atc_fusion_documents_total', {}, docs.length);
      this.out.documents(docs);
    }
    const freed = this.freedHolds;
    const acks = this.takeAcks(nBatches, freed);
    const remember = this.remembers;
    writeGrouped(groups, plans, this.builder, remember ? this.outline : undefined);
    // handed on, not copied: the builder goes on in a buffer an earlier request gave back
    const request = this.builder.finishDetached(this.outSpares.take(this.builder.w.pos));
    const hold = new BufferHold(request, this.takeBack);
    for (let i = 0; i < n; i++) {
      const t = traces[i]!;
      if (remember) this.late.remember(this.ids.words, t.slot * 4, seq, now);
      this.ids.release(t.slot);
      // the output holds copies of the spans: the trace's objects serve the next ones
      this.pool.release(t.spans);
      t.release();
      this.orderPos[t.slot] = -1;
      this.freeSlots.push(t.slot);
    }
    // the spans were copied and their ids read: batches no held trace needs any more go back
    for (let i = 0; i < freed.length; i++) freed[i]!.release();
    freed.length = 0;
    if (remember) {
      this.late.add(seq, now, this.outline.finishView(), n);
      const forgotten = this.late.bound();
      if (forgotten > 0) this.ctx.metrics.inc('atc_fusion_late_window_forgotten_traces_total', {}, forgotten);
    }
    this.out.traces(request, items, acks, hold);
  }

  /** An emitted request's buffer, given back once the pipelines fed took it: the next one's. */
  private readonly takeBack = (buf: Uint8Array): void => {
    this.outSpares.keep(new Uint8Array(buf.buffer, 0, buf.buffer.byteLength));
  };

  private forgetEmissions(): void {
    this.late.clear();
    this.emissionSeq = 0;
  }

  /**
   * The acknowledgements an emission carries: a share of every batch its traces hold a part of
   * (emittedBatches[0, count), each already counted down by its traces leaving); a batch no held
   * trace needs any more gives its own handle instead, and its buffer goes to `freed`.
   */
  private takeAcks(count: number, freed: BufferHold[]): AckSet {
    if (count === 0) return AckSet.none();
    const batches = this.emittedBatches;
    const sets: AckSet[] = [];
    for (let i = 0; i < count; i++) {
      const b = batches[i]!;
      batches[i] = NO_BATCH;
      if (b.traces === 0) {
        if (b.hold !== undefined) freed.push(b.hold);
        sets.push(b.acks);
      } else sets.push(b.acks.share());
    }
    return AckSet.merge(sets);
  }

  /**
   * Logs for a trace already emitted: per span, a small fragment span with its own id, parented
   * to the span the logs belong to (the root when that span is unknown), carrying them.
   */
  private emitLate(late: Late[]): void {
    const fragments = new Map<string, { f: FusedTrace; bySpan: Map<string, HeldSpan> }>();
    const plans = new Map<HeldSpan, SpanPlan>();
    // each emission's request scanned once: its spans by trace key
    const scanned = new Map<Emission, Map<string, HeldSpan[]>>();
    for (const l of late) {
      let byTrace = scanned.get(l.emission);
      if (!byTrace) scanned.set(l.emission, (byTrace = this.spansByTrace(l.emission.outline)));
      const parent = lateParent(byTrace.get(l.key) ?? [], l.spanKey);
      if (!parent) continue;
      let entry = fragments.get(l.key);
      if (!entry) {
        const trace = HeldTrace.withKey(l.key);
        trace.rootEnded = true;
        entry = { f: { trace, plans, root: undefined, counts: { events: 0, xid: 0, errors: 0 }, status: 'ok', logsJoined: 0, gpuJoined: 0 }, bySpan: new Map() };
        fragments.set(l.key, entry);
      }
      let frag = entry.bySpan.get(parent.spanId);
      if (!frag) {
        frag = fragmentSpan(l.key, parent);
        entry.bySpan.set(parent.spanId, frag);
        entry.f.trace.spans.push(frag);
        plans.set(frag, { logs: [], gpu: undefined, events: [], gpuError: undefined, setStatus: undefined, counts: undefined });
      }
      plans.get(frag)!.logs.push(l.event);
    }
    this.ctx.metrics.inc('atc_fusion_logs_late_total', {}, late.length);
    if (fragments.size === 0) return;
    const list = [...fragments.values()].map((e) => e.f);
    let items = 0;
    for (const f of list) items += f.trace.spans.length;
    // the logs themselves went down the logs pipeline with their own acknowledgements
    this.out.traces(encodeTraces(list, this.builder), items, AckSet.none());
  }

  private spansByTrace(request: Uint8Array): Map<string, HeldSpan[]> {
    const spans: HeldSpan[] = [];
    const ids: number[] = [];
    const n = this.lateScanner.scan(request, spans, ids);
    const out = new Map<string, HeldSpan[]>();
    for (let i = 0; i < n; i++) {
      const key = ids[i]! >= 0 ? latin1(request, ids[i]!, ids[i]! + 16) : latin1(NO_TRACE_ID, 0, 16);
      const list = out.get(key);
      if (list) list.push(spans[i]!);
      else out.set(key, [spans[i]!]);
    }
    return out;
  }
}

function sameId(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number): boolean {
  for (let i = 0; i < 16; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}

interface Late {
  emission: Emission;
  key: string;
  spanKey: string;
  event: LogEvent;
}

function pushLog(logs: LogsBySpan, spanKey: string, e: LogEvent): void {
  const list = logs.get(spanKey);
  if (list) list.push(e);
  else logs.set(spanKey, [e]);
}

/** The span a late log's fragment hangs from: its own span, else the root, else the first. */
function lateParent(spans: readonly HeldSpan[], spanKey: string): HeldSpan | undefined {
  for (const s of spans) if (s.category === undefined && s.spanId === spanKey) return s;
  const root = findRoot(spans);
  if (root) return root.category === undefined ? root : undefined; // a profiler root: none
  for (const s of spans) if (s.category === undefined) return s;
  return undefined;
}

/** A new span (own id) parented to `parentId`, with its name and times and fusion.fragment = true. */
function fragmentSpan(traceKey: string, parent: HeldSpan): HeldSpan {
  const parentId = parent.spanId;
  const name = parent.name;
  const startNs = parent.startNs;
  const endNs = parent.endNs;
  const spanId = randomBytes(8);
  const w = new ProtoWriter(128);
  w.key(KEY.Span.traceId);
  w.bytes(Buffer.from(traceKey, 'latin1'));
  w.key(KEY.Span.spanId);
  w.bytes(spanId);
  w.key(KEY.Span.parentSpanId);
  w.bytes(Buffer.from(parentId, 'latin1'));
  w.key(KEY.Span.name);
  w.string(name);
  w.key(KEY.Span.kind);
  w.varint(SPAN_KIND_INTERNAL);
  w.key(KEY.Span.startTimeUnixNano);
  w.fixed64(startNs);
  w.key(KEY.Span.endTimeUnixNano);
  w.fixed64(endNs);
  writeBoolAttribute(w, KEY.Span.attributes, 'fusion.fragment', true);
  return spanFromFields(w.finish(), parent.resource, parent.scope);
}
