// The status page's fused-trace view: the last N fused traces, kept on the main thread. Fusion
// runs in the flush worker; it offers its output through offerRecentFusedTraces() (one call at
// the point where fused traces are produced), which builds at most a few JSON documents per
// second and only while a listener is set (the flush worker forwards them to the main thread).

/** A fused JSON document (schema in docs/fusion.md); opaque here, read defensively. */
export type FusedTraceJson = object;
type Doc = Record<string, unknown>;

type Listener = (docs: FusedTraceJson[]) => void;

const PER_SECOND = 20; // documents built per second at most: the store only shows the latest
let listener: Listener | undefined;
let windowStart = 0;
let builtInWindow = 0;

/** Set by the thread that runs fusion; undefined turns the tap off (then offering costs nothing). */
export function setRecentFusedTraceListener(fn: Listener | undefined): void {
  listener = fn;
}

/**
 * Called by fusion with the traces it just emitted; `toDocument` runs only for the few that are
 * kept (the newest ones), so fusion pays nothing when nobody listens. `count`: only
 * emitted[0, count) are (a reused list).
 */
export function offerRecentFusedTraces<T>(emitted: readonly T[], toDocument: (t: T) => FusedTraceJson, now = Date.now(), count = emitted.length): void {
  if (!listener || count === 0) return;
  if (now - windowStart >= 1000) {
    windowStart = now;
    builtInWindow = 0;
  }
  const n = Math.min(count, PER_SECOND - builtInWindow);
  if (n <= 0) return;
  builtInWindow += n;
  listener(emitted.slice(count - n, count).map(toDocument));
}

export interface FusedTraceSummary {
  trace_id: string;
  service: string;
  root: string;
  start_time_unix_nano: string;
  duration_ms: number;
  status: string;
  spans: number;
  logs: number;
  xids: number;
  kernels: number;
}

const MAX_SPANS_KEPT = 2000; // a huge trace is cut for display; the summary keeps its real counts

/** Bounded store of the newest fused traces, by trace id (a re-emitted trace replaces its entry). */
export class RecentFusedTraces {
  private readonly docs = new Map<string, { doc: FusedTraceJson; summary: FusedTraceSummary }>();

  constructor(private readonly capacity = 50) {}

  add(docs: readonly FusedTraceJson[]): void {
    for (const d of docs) {
      const doc = d as Doc;
      const id = typeof doc['trace_id'] === 'string' ? doc['trace_id'] : undefined;
      if (!id) continue;
      const summary = summarize(id, doc);
      const spans = doc['spans'];
      const kept = Array.isArray(spans) && spans.length > MAX_SPANS_KEPT ? { ...doc, spans: spans.slice(0, MAX_SPANS_KEPT), spans_cut: spans.length - MAX_SPANS_KEPT } : doc;
      this.docs.delete(id);
      this.docs.set(id, { doc: kept, summary });
      if (this.docs.size > this.capacity) this.docs.delete(this.docs.keys().next().value!);
    }
  }

  /** Newest first. */
  list(): FusedTraceSummary[] {
    return [...this.docs.values()].map((d) => d.summary).reverse();
  }

  get(traceId: string): FusedTraceJson | undefined {
    return this.docs.get(traceId)?.doc;
  }
}

function summarize(id: string, d: Doc): FusedTraceSummary {
  const arr = (k: string): unknown[] => (Array.isArray(d[k]) ? (d[k] as unknown[]) : []);
  const spans = arr('spans') as { gpu_events?: { xid?: unknown }[] }[];
  let xids = 0;
  for (const s of spans) for (const e of s.gpu_events ?? []) if (typeof e.xid === 'number') xids++;
  const root = d['root'] as { name?: unknown } | null | undefined;
  return {
    trace_id: id,
    service: String(d['service'] ?? ''),
    root: typeof root?.name === 'string' ? root.name : '',
    start_time_unix_nano: String(d['start_time_unix_nano'] ?? '0'),
    duration_ms: Number(d['duration_ms'] ?? 0),
    status: String(d['status'] ?? ''),
    spans: spans.length,
    logs: arr('logs').length,
    xids,
    kernels: arr('kernels').length,
  };
}
