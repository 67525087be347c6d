// The fusion processor: holds spans by trace for a join window and emits each trace enriched
// with its logs (span events), the GPU state while its spans ran (attributes, XID events and
// error status) and profiler kernels (child spans, joined by trace id). One instance serves
// the traces, logs and metrics pipelines that list it: logs and metrics pass on unchanged.
// A held trace holds the acknowledgements of the batches its spans came in (a share of each,
// docs/delivery-guarantees.md): the write-ahead log, a Kafka offset or a file checkpoint stays
// open until the trace is emitted and every exporter has it.
import { AckSet } from '../acks/ack-set.js';
import type { Batch, CreateContext, Processor } from '../component.js';
import { scanRequest } from '../otlp/scanner.js';
import { AnomalyDetector, encodeAnomalies, type Anomaly } from './anomaly.js';
import type { FusionConfig } from './config.js';
import { encodeTraces, type SpanExtras } from './enrich.js';
import { fusedDocument } from './fused-document.js';
import { offerRecentFusedTraces } from '../telemetry/recent-fused-traces.js';
import { createFusedSinks, writeFused, type FusedSink } from './fused-sinks.js';
import { keyToHex } from './model.js';
import { GpuState } from './gpu-state.js';
import { scanLogs, type GpuEvent, type TracedLog } from './log-scan.js';
import { idKey, type HeldSpan, type HeldTrace, type LogEvent } from './model.js';
import { scanSpans, type ScannedSpan } from './span-scan.js';

type Next = (b: Batch) => Promise<void>;
type EmitReason = 'window' | 'root' | 'evicted' | 'shutdown';

interface Emitted {
  at: number;
  spans: Map<string, HeldSpan>;
}

const SPAN_OVERHEAD = 200; // bytes of bookkeeping per held span, for max_bytes

export class FusionProcessor implements Processor {
  private readonly held = new Map<string, HeldTrace>();
  private heldBytes = 0;
  private readonly emitted = new Map<string, Emitted>();
  private readonly gpu: GpuState;
  private readonly anomalies: AnomalyDetector | undefined;
  private tracesNext: Next | undefined;
  private logsNext: Next | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;
  private sinks: FusedSink[] = [];

  constructor(
    private readonly cfg: FusionConfig,
    private readonly ctx: CreateContext,
    private readonly now: () => number = Date.now,
  ) {
    this.gpu = new GpuState(cfg.gpuRetentionMs);
    this.anomalies = cfg.anomaly.enabled ? new AnomalyDetector(cfg.anomaly.metrics, cfg.anomaly.factor, cfg.anomaly.window) : undefined;
  }

  async start(): Promise<void> {
    this.sinks = createFusedSinks(this.cfg.fusedOutput);
    this.timer = setInterval(() => this.tick(), Math.min(200, Math.max(10, this.cfg.rootWaitMs / 2)));
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.emit([...this.held.values()], 'shutdown');
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    for (const s of this.sinks) await s.close();
  }

  connect(signal: Batch['signal'], next: Next): void {
    if (signal === 'traces') this.tracesNext ??= next;
    else if (signal === 'logs') this.logsNext ??= next;
  }

  /** Traces are taken over (emitted later, enriched); logs and metrics are read and passed on. */
  process(batch: Batch, next: Next): Promise<void> {
    switch (batch.signal) {
      case 'traces':
        this.tracesNext = next;
        if (this.stopped) return next(batch);
        this.addSpans(batch.data, batch.acks ?? AckSet.none());
        return Promise.resolve();
      case 'logs':
        this.logsNext = next;
        this.addLogs(batch.data);
        return next(batch);
      case 'metrics': {
        this.gpu.addMetrics(batch.data);
        const found = this.anomalies?.check(batch.data) ?? [];
        if (found.length > 0) this.reportAnomalies(found);
        return next(batch);
      }
    }
  }

  /** Traces held now (tests and benchmarks). */
  get heldTraces(): number {
    return this.held.size;
  }

  get heldByteCount(): number {
    return this.heldBytes;
  }

  private addSpans(data: Uint8Array, acks: AckSet): void {
    const spans: ScannedSpan[] = [];
    scanSpans(data, spans);
    const now = this.now();
    let last: HeldTrace | undefined;
    for (const s of spans) {
      let t = this.held.get(s.traceKey);
      if (!t) {
        t = this.newTrace(s.traceKey, now);
      }
      // each trace the batch feeds holds a share of its acknowledgements (spans of one trace
      // usually come together: one share per run of them)
      if (t !== last && !acks.empty) t.acks.absorb(acks.share());
      last = t;
      t.spans.push(s);
      const size = s.raw.length + SPAN_OVERHEAD;
      t.bytes += size;
      this.heldBytes += size;
      // a root span ends the request: only stragglers are still to come
      const isRoot = s.parentId === '' || /^\0+$/.test(s.parentId);
      if (isRoot) t.rootEnded = true;
      t.deadline = t.rootEnded ? Math.min(now + this.cfg.rootWaitMs, t.firstSeen + this.cfg.decisionWaitMs * 4) : now + this.cfg.decisionWaitMs;
    }
    this.ctx.metrics.inc('atc_fusion_spans_total', {}, spans.length);
    // the batch's own handle: the shares above now keep its acknowledgements open
    acks.complete('delivered');
    this.enforceBounds();
  }

  private newTrace(key: string, now: number): HeldTrace {
    const t: HeldTrace = { key, spans: [], logs: new Map(), deadline: now + this.cfg.decisionWaitMs, bytes: 0, rootEnded: false, firstSeen: now, acks: AckSet.none() };
    this.held.set(key, t);
    return t;
  }

  private addLogs(data: Uint8Array): void {
    const traced: TracedLog[] = [];
    const events: GpuEvent[] = [];
    scanLogs(data, traced, events);
    for (const e of events) this.gpu.addEvent(e);
    if (events.length > 0) this.ctx.metrics.inc('atc_fusion_gpu_events_total', {}, events.length);
    const late: { emitted: Emitted; key: string; spanKey: string; event: LogEvent }[] = [];
    const now = this.now();
    for (const l of traced) {
      let t = this.held.get(l.traceKey);
      if (!t) {
        const done = this.emitted.get(l.traceKey);
        if (done) {
          late.push({ emitted: done, key: l.traceKey, spanKey: l.spanKey, event: l.event });
          continue;
        }
        // logs usually arrive before their span ends: hold them until the spans come
        t = this.newTrace(l.traceKey, now);
      }
      let list = t.logs.get(l.spanKey);
      if (!list) t.logs.set(l.spanKey, (list = []));
      list.push(l.event);
      const size = (l.event.body?.length ?? 0) + 64;
      t.bytes += size;
      this.heldBytes += size;
    }
    if (traced.length > 0) this.ctx.metrics.inc('atc_fusion_logs_total', {}, traced.length);
    if (late.length > 0) this.emitLate(late);
    this.enforceBounds();
  }

  private tick(): void {
    const now = this.now();
    const due: HeldTrace[] = [];
    const dueRoot: HeldTrace[] = [];
    for (const t of this.held.values()) if (t.deadline <= now) (t.rootEnded ? dueRoot : due).push(t);
    if (due.length) this.emit(due, 'window');
    if (dueRoot.length) this.emit(dueRoot, 'root');
    if (now % 5000 < 250) {
      this.gpu.prune(now);
      for (const [k, e] of this.emitted) {
        if (now - e.at <= this.cfg.lateWindowMs) break; // insertion order = emission order
        this.emitted.delete(k);
      }
    }
    this.ctx.metrics.set('atc_fusion_held_traces', {}, this.held.size);
    this.ctx.metrics.set('atc_fusion_held_bytes', {}, this.heldBytes);
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
    const out: { trace: HeldTrace; extras: Map<HeldSpan, SpanExtras> }[] = [];
    let withoutSpans = 0;
    let logsJoined = 0;
    let gpuJoined = 0;
    for (const t of traces) {
      this.held.delete(t.key);
      this.heldBytes -= t.bytes;
      if (t.spans.length === 0) {
        withoutSpans++; // logs whose spans never came: they went down the logs pipeline anyway
        continue;
      }
      const extras = new Map<HeldSpan, SpanExtras>();
      const spansById = new Map<string, HeldSpan>();
      for (const s of t.spans) spansById.set(s.spanId, s);
      for (const s of t.spans) {
        const logs = t.logs.get(s.spanId) ?? [];
        logsJoined += logs.length;
        const uuid = this.gpu.resolve(s.gpuUuid, s.resource.gpuUuid, s.pid ?? s.resource.pid, s.resource.host);
        const gpu = uuid !== undefined && s.category === undefined ? this.gpu.summarize(uuid, s.startNs, s.endNs) : undefined;
        if (gpu) gpuJoined++;
        if (logs.length > 0 || gpu) extras.set(s, { logs, gpu });
      }
      // logs for span ids no span in the trace has: attach to the root so nothing is lost
      for (const [spanKey, logs] of t.logs) {
        if (spansById.has(spanKey)) continue;
        const root = t.spans.find((s) => s.parentId === '' || /^\0+$/.test(s.parentId)) ?? t.spans[0]!;
        const x = extras.get(root) ?? { logs: [], gpu: undefined };
        x.logs.push(...logs);
        extras.set(root, x);
        logsJoined += logs.length;
      }
      out.push({ trace: t, extras });
      this.emitted.delete(t.key);
      this.emitted.set(t.key, { at: now, spans: spansById });
    }
    const m = this.ctx.metrics;
    if (out.length > 0) m.inc('atc_fusion_traces_emitted_total', { reason }, out.length);
    if (withoutSpans > 0) m.inc('atc_fusion_traces_without_spans_total', {}, withoutSpans);
    if (logsJoined > 0) m.inc('atc_fusion_logs_joined_total', {}, logsJoined);
    if (gpuJoined > 0) m.inc('atc_fusion_gpu_joined_spans_total', {}, gpuJoined);
    // the emitted batch carries what the traces held (a trace without spans holds none)
    const acks = AckSet.merge(traces.map((t) => t.acks));
    if (out.length === 0) return acks.complete('delivered');
    // the status page's fused-trace view (a few documents per second, only while it listens)
    offerRecentFusedTraces(out, (o) => fusedDocument(o.trace, o.extras));
    if (this.sinks.length > 0) this.writeDocuments(out);
    this.send(encodeTraces(out), acks);
  }

  /** Logs for a trace already emitted: a small fragment with the same trace and span ids. */
  private emitLate(late: { emitted: Emitted; key: string; spanKey: string; event: LogEvent }[]): void {
    const byTrace = new Map<string, { trace: HeldTrace; extras: Map<HeldSpan, SpanExtras> }>();
    for (const l of late) {
      const span = l.emitted.spans.get(l.spanKey) ?? [...l.emitted.spans.values()][0];
      if (!span) continue;
      let entry = byTrace.get(l.key);
      if (!entry) byTrace.set(l.key, (entry = { trace: { key: l.key, spans: [], logs: new Map(), deadline: 0, bytes: 0, rootEnded: true, firstSeen: 0, acks: AckSet.none() }, extras: new Map() }));
      // the fragment span: ids, name and times of the original, no attributes of its own
      let frag = [...entry.extras.keys()].find((s) => s.spanId === span.spanId);
      if (!frag) {
        frag = { ...span, raw: fragmentSpan(span) };
        entry.trace.spans.push(frag);
        entry.extras.set(frag, { logs: [], gpu: undefined });
      }
      entry.extras.get(frag)!.logs.push(l.event);
    }
    this.ctx.metrics.inc('atc_fusion_logs_late_total', {}, late.length);
    // the logs themselves went down the logs pipeline with their acknowledgements
    if (byTrace.size > 0) this.send(encodeTraces([...byTrace.values()]), AckSet.none());
  }

  private reportAnomalies(found: Anomaly[]): void {
    this.ctx.metrics.inc('atc_fusion_anomalies_total', {}, found.length);
    for (const a of found) this.ctx.logger.warn({ metric: a.metric, value: a.value, median: a.median, step: a.step, reason: a.reason }, 'training anomaly');
    if (!this.logsNext) return; // fusion is not in a logs pipeline: counted and logged only
    const data = encodeAnomalies(found);
    this.track(this.logsNext({ signal: 'logs', data, items: found.length, createdAt: this.now() }));
  }

  private send(data: Uint8Array, acks: AckSet): void {
    const next = this.tracesNext;
    const items = scanRequest('traces', data).items;
    if (!next) {
      // not wired to a traces pipeline (never happens through the config): dropped, counted
      this.ctx.metrics.inc('atc_fusion_dropped_spans_total', {}, items);
      return acks.complete('dropped');
    }
    this.track(next({ signal: 'traces', data, items, createdAt: this.now(), acks }));
  }

  private track(p: Promise<void>): void {
    const t = p.catch((e: Error) => this.ctx.logger.error({ err: e.message }, 'fusion output failed')).finally(() => this.inflight.delete(t));
    this.inflight.add(t);
  }

  private writeDocuments(out: { trace: HeldTrace; extras: Map<HeldSpan, SpanExtras> }[]): void {
    const docs = out.map(({ trace, extras }) => ({ traceId: keyToHex(trace.key), json: JSON.stringify(fusedDocument(trace, extras)) }));
    this.ctx.metrics.inc('atc_fusion_documents_total', {}, docs.length);
    this.track(writeFused(this.sinks, docs, this.now(), this.ctx.logger, (sink) => this.ctx.metrics.inc('atc_fusion_documents_failed_total', { sink }, docs.length)));
  }
}

/** trace_id, span_id, parent, name, kind and times of a span, plus fusion.fragment = true. */
function fragmentSpan(s: HeldSpan): Uint8Array {
  const keep = new Set([1, 2, 4, 5, 6, 7, 8]);
  const parts: Uint8Array[] = [];
  // copy the kept fields' bytes as they are
  let pos = 0;
  const buf = s.raw;
  while (pos < buf.length) {
    const start = pos;
    let tag = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++]!;
      tag += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (wt === 0) while (buf[pos++]! >= 0x80);
    else if (wt === 1) pos += 8;
    else if (wt === 5) pos += 4;
    else if (wt === 2) {
      let len = 0;
      let m = 1;
      for (;;) {
        const b = buf[pos++]!;
        len += (b & 0x7f) * m;
        if (b < 0x80) break;
        m *= 128;
      }
      pos += len;
    }
    if (keep.has(field)) parts.push(buf.subarray(start, pos));
  }
  // attribute fusion.fragment = true
  parts.push(Uint8Array.from([0x4a, 0x15, 0x0a, 0x0f, ...Buffer.from('fusion.fragment'), 0x12, 0x02, 0x10, 0x01]));
  return Buffer.concat(parts);
}

export { idKey };
