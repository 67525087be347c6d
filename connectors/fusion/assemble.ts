// Decides what each span of a trace gets when it leaves: its logs, the GPU summary over its
// interval, the GPU events that happened on its GPU while it ran (each event once per trace,
// on the innermost span(s) running then, never copied to enclosing spans), and — for events
// that mean the work failed — ERROR status when the application set none, plus gpu.error.*
// attributes. The root gets the trace's event counts. Encoding and the fused document both
// read this plan, so they agree.
import type { GpuState, GpuSummary } from './gpu-state.js';
import type { GpuEvent } from './log-scan.js';
import type { HeldSpan, HeldTrace, LogEvent } from './model.js';

export interface EventCounts {
  events: number;
  xid: number;
  errors: number;
}

export interface SpanPlan {
  logs: LogEvent[];
  gpu: GpuSummary | undefined;
  events: GpuEvent[];
  /** the first event on this span that means the work failed */
  gpuError: GpuEvent | undefined;
  /** status fusion writes (only where the application set none); message omitted when it set one */
  setStatus: { message: string | undefined } | undefined;
  /** trace-wide counts, on the root only */
  counts: EventCounts | undefined;
}

export interface FusedTrace {
  trace: HeldTrace;
  /** what each span gets; a span absent here goes out as it came (empty: the whole trace does) */
  plans: ReadonlyMap<HeldSpan, SpanPlan>;
  root: HeldSpan | undefined;
  counts: EventCounts;
  status: 'ok' | 'error';
  logsJoined: number;
  gpuJoined: number;
}

export const STATUS_ERROR = 2;

export function gpuErrorMessage(e: GpuEvent): string {
  return e.xid !== undefined ? `GPU XID ${e.xid}: ${e.meaning}` : `GPU ${e.kind}: ${e.meaning}`;
}

const emptyPlan = (): SpanPlan => ({ logs: [], gpu: undefined, events: [], gpuError: undefined, setStatus: undefined, counts: undefined });

const NO_PLANS: ReadonlyMap<HeldSpan, SpanPlan> = new Map();
const NO_COUNTS: EventCounts = Object.freeze({ events: 0, xid: 0, errors: 0 });

/** The root span: the one without a parent, else the first whose parent is not in the trace. */
export function findRoot(spans: readonly HeldSpan[]): HeldSpan | undefined {
  for (const s of spans) if (s.isRoot) return s;
  if (spans.length === 1) return spans[0];
  const ids = new Set<string>();
  for (const s of spans) ids.add(s.spanId);
  for (const s of spans) if (!ids.has(s.parentId)) return s;
  return undefined;
}

export function assemble(trace: HeldTrace, gpu: GpuState): FusedTrace {
  const spans = trace.spans;
  // most traces get nothing: no logs and no GPU known for any span. They go out as they came,
  // and nothing of theirs is decoded (no ids, names or times)
  let joinsGpu = false;
  if (gpu.size > 0) {
    for (const s of spans) {
      if (s.category !== undefined) continue;
      if (gpu.resolve(s.gpuUuid, s.resource.gpuUuid, s.pid ?? s.resource.pid, s.resource.node)) {
        joinsGpu = true;
        break;
      }
    }
  }
  if (!joinsGpu && (trace.logs === undefined || trace.logs.size === 0)) {
    let status: 'ok' | 'error' = 'ok';
    for (const s of spans) if (s.statusCode === STATUS_ERROR) status = 'error';
    // the held trace's own object, reused from trace to trace: read during the emission only
    const f = (trace.plain ??= { trace, plans: NO_PLANS, root: undefined, counts: NO_COUNTS, status: 'ok', logsJoined: 0, gpuJoined: 0 });
    f.root = findRoot(spans);
    f.status = status;
    return f;
  }
  return join(trace, gpu);
}

function join(trace: HeldTrace, gpu: GpuState): FusedTrace {
  const plans = new Map<HeldSpan, SpanPlan>();
  const plan = (s: HeldSpan): SpanPlan => {
    let p = plans.get(s);
    if (!p) plans.set(s, (p = emptyPlan()));
    return p;
  };
  const byId = new Map<string, HeldSpan>();
  for (const s of trace.spans) byId.set(s.spanId, s);
  const root = findRoot(trace.spans);
  const traceLogs = trace.logs ?? new Map<string, LogEvent[]>();
  let logsJoined = 0;
  let gpuJoined = 0;
  // events → the spans that ran on that GPU when it happened
  const candidates = new Map<GpuEvent, HeldSpan[]>();
  for (const s of trace.spans) {
    const logs = traceLogs.get(s.spanId);
    if (logs) {
      plan(s).logs.push(...logs);
      logsJoined += logs.length;
    }
    if (s.category !== undefined) continue; // profiler spans: their parent carries the GPU
    const g = gpu.resolve(s.gpuUuid, s.resource.gpuUuid, s.pid ?? s.resource.pid, s.resource.node);
    if (!g) continue;
    const startNs = s.startNs;
    const endNs = s.endNs;
    plan(s).gpu = gpu.summarize(g, startNs, endNs);
    gpuJoined++;
    for (const e of gpu.eventsDuring(g, startNs, endNs)) {
      const list = candidates.get(e);
      if (list) list.push(s);
      else candidates.set(e, [s]);
    }
  }
  // logs for span ids no span in the trace has: on the root, so nothing is lost
  for (const [spanKey, logs] of traceLogs) {
    if (byId.has(spanKey) || !root) continue;
    plan(root).logs.push(...logs);
    logsJoined += logs.length;
  }
  const counts: EventCounts = { events: 0, xid: 0, errors: 0 };
  for (const [e, spans] of candidates) {
    counts.events++;
    if (e.kind === 'gpu.xid') counts.xid++;
    if (e.fatal) counts.errors++;
    for (const s of innermost(spans, byId)) {
      const p = plan(s);
      p.events.push(e);
      if (!e.fatal || p.gpuError) continue;
      p.gpuError = e;
      if (s.statusCode === 0) p.setStatus = { message: s.statusMessage ? undefined : gpuErrorMessage(e) };
    }
  }
  if (root && counts.events > 0) plan(root).counts = counts;
  const status = trace.spans.some((s) => s.statusCode === STATUS_ERROR || plans.get(s)?.setStatus !== undefined) ? 'error' : 'ok';
  return { trace, plans, root, counts, status, logsJoined, gpuJoined };
}

/** The spans of the list none of whose descendants is also in the list. */
function innermost(spans: HeldSpan[], byId: Map<string, HeldSpan>): HeldSpan[] {
  if (spans.length === 1) return spans;
  const inList = new Set(spans);
  const ancestors = new Set<HeldSpan>();
  for (const s of spans) {
    let p = byId.get(s.parentId);
    for (let depth = 0; p && depth < 1000; depth++) {
      if (inList.has(p)) ancestors.add(p);
      p = byId.get(p.parentId);
    }
  }
  return spans.filter((s) => !ancestors.has(s));
}
