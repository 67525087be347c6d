// The join itself, independent of how data reaches it: holds spans by trace for a window,
// keeps logs that came before any span of their trace waiting for them (bounded, counted when
// they expire), keeps GPU state, and emits each trace enriched (see assemble.ts). Output goes
// to the callbacks given: enriched traces, fused documents, anomaly log records.
// A held trace holds a share of the acknowledgements of every batch its spans came in
// (docs/delivery-guarantees.md): emitted traces carry them on, merged.
import { randomBytes } from 'node:crypto';
import { AckSet } from '../../src/acks/ack-set.js';
import type { CreateContext } from '../../src/component.js';
import { ProtoWriter } from '../../src/otlp/proto-writer.js';
import { AnomalyDetector, encodeAnomalies } from './anomaly.js';
import { assemble, findRoot, type FusedTrace, type SpanPlan } from './assemble.js';
import { writeBoolAttribute } from '../../src/otlp/attributes-writer.js';
import { KEY } from '../../src/otlp/fields.js';
import { SPAN_KIND_INTERNAL, TracesBuilder } from '../../src/otlp/traces-builder.js';
import type { FusionConfig } from './config.js';
import { encodeTraces } from './enrich.js';
import { fusedDocument } from './fused-document.js';
import { offerRecentFusedTraces } from '../../src/telemetry/recent-fused-traces.js';
import { GpuState } from './gpu-state.js';
import { LogAttributeFilter } from './log-filter.js';
import { scanLogs, type GpuEvent, type LogScanOptions, type TracedLog } from './log-scan.js';
import type { HeldSpan, HeldTrace, LogEvent, LogsBySpan } from './model.js';
import { SpanScanner, spanFromFields } from './span-scan.js';

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
  traces(data: Uint8Array, items: number, acks: AckSet): void;
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

/**
 * What late logs need of an emitted trace: the request it went out in, kept for late_window
 * (one per emission, shared by its traces). Nothing of a trace is kept as objects after it left
 * (they would outlive the young generation by a minute); a late log — rare — scans the request
 * for its trace's spans.
 */
interface Emission {
  at: number;
  request: Uint8Array;
}

const SPAN_OVERHEAD = 200; // bytes of bookkeeping per held span, for max_bytes

export class FusionCore {
  private readonly held = new Map<string, HeldTrace>();
  private heldBytes = 0;
  private readonly waiting = new Map<string, Waiting>();
  private waitingCount = 0;
  private waitingBytes = 0;
  /** trace key → the emission it last went out in */
  private readonly emitted = new Map<string, Emission>();
  readonly gpu: GpuState;
  private readonly anomalies: AnomalyDetector | undefined;
  private readonly logScan: LogScanOptions;
  private lastPrune = 0;
  private readonly scanner = new SpanScanner();
  /** per batch: the scanned spans and their trace keys (reused) */
  private readonly scanned: HeldSpan[] = [];
  private readonly scannedKeys: string[] = [];
  /** the output request's buffer, reused from emission to emission */
  private readonly builder = new TracesBuilder(64 * 1024);

  constructor(
    private readonly cfg: FusionConfig,
    private readonly ctx: CreateContext,
    private readonly out: FusionOutput,
    private readonly now: () => number = Date.now,
  ) {
    this.gpu = new GpuState(cfg.gpuRetentionMs, now);
    this.anomalies = cfg.anomaly.enabled ? new AnomalyDetector(cfg.anomaly.metrics, cfg.anomaly.factor, cfg.anomaly.window) : undefined;
    this.logScan = { filter: new LogAttributeFilter(cfg.logEvents), maxBodyBytes: cfg.logEvents.maxBodyBytes };
  }

  /** how often tick() should run */
  get tickMs(): number {
    return Math.min(200, Math.max(10, this.cfg.rootWaitMs / 2));
  }

  get heldTraces(): number {
    return this.held.size;
  }

  get heldByteCount(): number {
    return this.heldBytes;
  }

  get waitingLogs(): number {
    return this.waitingCount;
  }

  /** Holds the spans; `acks` (the batch's) stay open until every trace they fed is emitted. */
  addSpans(data: Uint8Array, acks: AckSet = AckSet.none()): void {
    const spans = this.scanned;
    const keys = this.scannedKeys;
    spans.length = 0;
    keys.length = 0;
    this.scanner.scan(data, spans, keys);
    const now = this.now();
    const hasAcks = !acks.empty;
    let last: HeldTrace | undefined;
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!;
      const key = keys[i]!;
      let t = last !== undefined && last.key === key ? last : this.held.get(key);
      if (!t) t = this.newTrace(key, now);
      // each trace the batch feeds holds a share (spans of one trace usually come together)
      if (t !== last && hasAcks) t.acks = t.acks ? t.acks.absorb(acks.share()) : acks.share();
      last = t;
      t.spans.push(s);
      const size = s.size + SPAN_OVERHEAD;
      t.bytes += size;
      this.heldBytes += size;
      // a root span ends the request: only stragglers are still to come
      if (s.isRoot) t.rootEnded = true;
      // without its root, a long request's children arrive long before it: wait for it
      t.deadline = t.rootEnded ? now + this.cfg.rootWaitMs : Math.max(now + this.cfg.decisionWaitMs, t.firstSeen + this.cfg.rootlessWaitMs);
    }
    const n = spans.length;
    // the held traces keep the spans; these lists are reused by the next batch
    spans.length = 0;
    keys.length = 0;
    this.ctx.metrics.inc('atc_fusion_spans_total', {}, n);
    // the batch's own handle: the shares taken above keep its acknowledgements open
    acks.complete('delivered');
    this.enforceBounds();
  }

  private newTrace(key: string, now: number): HeldTrace {
    const t: HeldTrace = { key, spans: [], logs: undefined, deadline: now + this.cfg.decisionWaitMs, bytes: 0, rootEnded: false, firstSeen: now, acks: undefined };
    // logs that came first join now
    const w = this.waiting.size > 0 ? this.waiting.get(key) : undefined;
    if (w) {
      this.waiting.delete(key);
      this.waitingCount -= w.count;
      this.waitingBytes -= w.bytes;
      t.logs = w.logs;
      t.bytes += w.bytes;
      this.heldBytes += w.bytes;
    }
    this.held.set(key, t);
    return t;
  }

  addLogs(data: Uint8Array): void {
    const traced: TracedLog[] = [];
    const events: GpuEvent[] = [];
    scanLogs(data, traced, events, this.logScan);
    this.addGpuEvents(events);
    const late: Late[] = [];
    const now = this.now();
    for (const l of traced) {
      const t = this.held.get(l.traceKey);
      if (t) {
        pushLog((t.logs ??= new Map()), l.spanKey, l.event);
        t.bytes += l.size;
        this.heldBytes += l.size;
        continue;
      }
      const done = this.emitted.size > 0 ? this.emitted.get(l.traceKey) : undefined;
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
    const due: HeldTrace[] = [];
    const dueRoot: HeldTrace[] = [];
    for (const t of this.held.values()) if (t.deadline <= now) (t.rootEnded ? dueRoot : due).push(t);
    if (due.length) this.emit(due, 'window');
    if (dueRoot.length) this.emit(dueRoot, 'root');
    let expired = 0;
    for (const [k, w] of this.waiting) {
      if (now - w.since < this.cfg.logWaitMs) break; // insertion order = arrival order
      expired += this.dropWaiting(k, w);
    }
    if (expired > 0) this.ctx.metrics.inc('atc_fusion_logs_expired_total', { reason: 'log_wait' }, expired);
    if (now - this.lastPrune >= 5000) {
      this.lastPrune = now;
      this.gpu.prune(now);
      for (const [k, e] of this.emitted) {
        if (now - e.at <= this.cfg.lateWindowMs) break; // insertion order = emission order
        this.emitted.delete(k);
      }
    }
    this.ctx.metrics.set('atc_fusion_held_traces', {}, this.held.size);
    this.ctx.metrics.set('atc_fusion_held_bytes', {}, this.heldBytes);
    this.ctx.metrics.set('atc_fusion_waiting_logs', {}, this.waitingCount);
  }

  /** Emits every held trace (shutdown). Logs still waiting for spans stay in the logs pipeline only. */
  flushAll(): void {
    this.emit([...this.held.values()], 'shutdown');
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
    if (this.held.size <= this.cfg.maxTraces && this.heldBytes <= this.cfg.maxBytes) return;
    const out: HeldTrace[] = [];
    let n = this.held.size;
    let b = this.heldBytes;
    for (const t of this.held.values()) {
      if (n <= this.cfg.maxTraces * 0.9 && b <= this.cfg.maxBytes * 0.9) break;
      out.push(t);
      n--;
      b -= t.bytes;
    }
    this.emit(out, 'evicted');
  }

  private emit(traces: HeldTrace[], reason: EmitReason): void {
    if (traces.length === 0) return;
    const now = this.now();
    const out: FusedTrace[] = [];
    let logsJoined = 0;
    let gpuJoined = 0;
    for (const t of traces) {
      this.held.delete(t.key);
      this.heldBytes -= t.bytes;
      const f = assemble(t, this.gpu);
      logsJoined += f.logsJoined;
      gpuJoined += f.gpuJoined;
      out.push(f);
    }
    const m = this.ctx.metrics;
    m.inc('atc_fusion_traces_emitted_total', { reason }, out.length);
    if (logsJoined > 0) m.inc('atc_fusion_logs_joined_total', {}, logsJoined);
    if (gpuJoined > 0) m.inc('atc_fusion_gpu_joined_spans_total', {}, gpuJoined);
    // the status page's fused-trace view (a few documents per second, only while it listens)
    offerRecentFusedTraces(out, fusedDocument);
    if (this.out.documents) {
      const docs = out.map((f): FusedDoc => {
        const doc = fusedDocument(f);
        const first = f.root ?? f.trace.spans[0];
        return { traceKey: f.trace.key, rootSpanId: f.root?.spanId ?? '', resource: first?.resource.raw ?? new Uint8Array(0), startNs: BigInt(doc.start_time_unix_nano), status: f.status, json: JSON.stringify(doc) };
      });
      m.inc('atc_fusion_documents_total', {}, docs.length);
      this.out.documents(docs);
    }
    let items = 0;
    for (const f of out) items += f.trace.spans.length;
    const acks: AckSet[] = [];
    for (const t of traces) if (t.acks) acks.push(t.acks);
    const request = encodeTraces(out, this.builder);
    const emission: Emission = { at: now, request };
    for (const t of traces) {
      this.emitted.delete(t.key);
      this.emitted.set(t.key, emission);
    }
    this.out.traces(request, items, acks.length > 0 ? AckSet.merge(acks) : AckSet.none());
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
      if (!byTrace) scanned.set(l.emission, (byTrace = this.spansByTrace(l.emission.request)));
      const parent = lateParent(byTrace.get(l.key) ?? [], l.spanKey);
      if (!parent) continue;
      let entry = fragments.get(l.key);
      if (!entry) {
        const trace: HeldTrace = { key: l.key, spans: [], logs: undefined, deadline: 0, bytes: 0, rootEnded: true, firstSeen: 0, acks: undefined };
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
    const keys: string[] = [];
    this.scanner.scan(request, spans, keys);
    const out = new Map<string, HeldSpan[]>();
    for (let i = 0; i < spans.length; i++) {
      const list = out.get(keys[i]!);
      if (list) list.push(spans[i]!);
      else out.set(keys[i]!, [spans[i]!]);
    }
    return out;
  }
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
