// Pass 1 over a Kineto trace: a compact index of every event that becomes a span, whatever the
// order Kineto wrote them in (CPU ops first, runtime calls after them, each GPU activity before
// its launch). Per span event 43 bytes (start, end, thread, kind, category, byte offset and length
// of the event, 16-bit offsets and lengths of its name and args, then parent and context), 20 more
// per GPU activity (its correlation and External id) and per flow event, plus 4 bytes per
// correlation / External id. `resolve()` then sorts each thread's intervals by start and finds every span's
// parent (CPU: the innermost enclosing interval on its thread; GPU: its launch) and trace context,
// so that pass 2 only encodes.
import { EventFields, INCOMPLETE, MALFORMED } from './event-fields.js';
import { FlowList, Growable } from './growable.js';
import { IdMap } from './id-map.js';
import type { ScanHandler } from './trace-scanner.js';

export const CPU_CATEGORIES = new Set(['cpu_op', 'user_annotation', 'python_function', 'cuda_runtime', 'cuda_driver', 'privateuse1_runtime', 'privateuse1_driver', 'Trace']);
export const GPU_CATEGORIES = new Set(['kernel', 'gpu_memcpy', 'gpu_memset', 'gpu_user_annotation']);
export const LAUNCH_CATEGORIES = new Set(['cuda_runtime', 'cuda_driver', 'privateuse1_runtime', 'privateuse1_driver']);
const FLOW_CATEGORIES = new Set(['ac2g', 'async_cpu_to_gpu']);
export const DEFAULT_CATEGORIES = ['cpu_op', 'user_annotation', 'gpu_user_annotation', 'kernel', 'gpu_memcpy', 'gpu_memset', 'cuda_runtime', 'cuda_driver'];

/** Kineto rounds ts and dur to µs separately in older traces: an end may stick out by 1 µs */
export const END_TOLERANCE_NS = 1000;

export const KIND_GPU = 1;
export const KIND_LAUNCH = 2;
export const KIND_STEP = 4;
export const KIND_OTEL = 8;
/** the name has escapes (decoded in pass 2) */
export const KIND_ESCAPED = 16;
/** the name or args lie too far into the event for the 16-bit offsets: pass 2 reads the event again */
export const KIND_FAR = 32;
const FAR = 0xffff;

const OTEL_ANNOTATION = /^otel:([0-9a-fA-F]{32}):([0-9a-fA-F]{16})$/;
const STEP = /^ProfilerStep#(\d+)$/;
const STEP_PREFIX = Buffer.from('ProfilerStep#');
const OTEL_PREFIX = Buffer.from('otel:');

export interface Step {
  n: number;
  k: number;
  start: number;
  end: number;
}

export interface Thread {
  pid: number | string;
  tid: number | string;
}

/** a trace the spans go into: a profiler step's, an otel annotation's, or the file's */
export interface Context {
  /** 32 hex digits, or undefined: derived from the file and `key` */
  traceHex: string | undefined;
  key: number;
  /** the parent span id (hex) of the context's root spans, if any */
  parentHex: string | undefined;
}

/** a category seen in the file: its bytes, kind bits (-1: not a span) and whether it is a flow's */
interface Category {
  bytes: Uint8Array;
  kind: number;
  flow: boolean;
}

/** at most this many categories that are neither spans nor flows are remembered */
const MAX_OTHER_CATEGORIES = 256;

export class TraceIndex implements ScanHandler {
  readonly meta = new Map<string, unknown>();
  readonly names = new Map<string, string>(); // "pid" or "pid:tid" → name
  readonly threads: Thread[] = [];
  readonly steps: Step[] = [];
  readonly contexts: Context[] = [{ traceHex: undefined, key: -1, parentHex: undefined }];
  /** events seen in traceEvents, and those that become spans; events that are not well-formed objects */
  events = 0;
  spans = 0;
  badEvents = 0;
  /** µs: timestamps are kept as ns relative to the first event's whole µs */
  originUs: number | undefined;
  readonly start = new Growable((n) => new Float64Array(n));
  readonly end = new Growable((n) => new Float64Array(n));
  readonly thread = new Growable((n) => new Int32Array(n));
  readonly kind = new Growable((n) => new Uint8Array(n));
  /** where each span's event lies in the (inflated) input: pass 2 reads only those bytes */
  readonly at = new Growable((n) => new Float64Array(n));
  readonly len = new Growable((n) => new Int32Array(n));
  /** the name's content and the args object, from the event's first byte (args length 0: none) */
  readonly nameOff = new Growable((n) => new Uint16Array(n));
  readonly nameLen = new Growable((n) => new Uint16Array(n));
  readonly argsOff = new Growable((n) => new Uint16Array(n));
  readonly argsLen = new Growable((n) => new Uint16Array(n));
  /** index in `cats` */
  readonly cat = new Growable((n) => new Uint16Array(n));
  readonly cats: Category[] = [];
  /** GPU activities: span index, correlation and External id (0: none), for resolve() */
  private gpuK = new Growable((n) => new Int32Array(n));
  private gpuCorr = new Growable((n) => new Float64Array(n));
  private gpuExt = new Growable((n) => new Float64Array(n));
  private gpuCount = 0;
  /** after resolve(): the parent's index (-1: the context's parent) and the context of each span */
  parent = new Int32Array(0);
  ctx = new Int32Array(0);
  // what only resolve() needs (released by it)
  private byCorrelation = new IdMap();
  private byExternal = new IdMap();
  /** GPU spans by flow (when they carry no correlation): span index → launch's span index */
  private byFlow = new Map<number, number>();
  private otel = new Map<number, { trace: string; span: string }>();
  private uncorrelated: number[] = [];
  private flowS = new FlowList();
  private flowF = new FlowList();
  private readonly threadIds = new Map<number | string, Map<number | string, number>>();
  readonly f = new EventFields();

  constructor(private readonly categories: ReadonlySet<string>) {}

  onKey(key: string, value: unknown): void {
    this.meta.set(key, value);
  }
  onEventsStart(): void {}
  onEventsEnd(): void {}

  /** the index in `cats` of the event's category; -1 when it has none, or an unremembered one */
  category(f: EventFields, bytes: Uint8Array): number {
    if (f.catStart < 0) return -1;
    // the categories seen so far (a handful), compared byte by byte: no string per event
    const len = f.catEnd - f.catStart;
    const cats = this.cats;
    for (let c = 0; c < cats.length; c++) {
      const kb = cats[c]!.bytes;
      if (kb.length !== len) continue;
      let j = 0;
      while (j < len && bytes[f.catStart + j] === kb[j]) j++;
      if (j === len) return c;
    }
    const cat = Buffer.from(bytes.buffer, bytes.byteOffset + f.catStart, len).toString('latin1');
    const kind = !this.categories.has(cat) ? -1 : GPU_CATEGORIES.has(cat) ? KIND_GPU : LAUNCH_CATEGORIES.has(cat) ? KIND_LAUNCH : 0;
    const flow = FLOW_CATEGORIES.has(cat);
    // span and flow categories are always kept (pass 2 names each span's); others while few
    if (kind < 0 && !flow && cats.length >= MAX_OTHER_CATEGORIES) return -1;
    cats.push({ bytes: Buffer.from(cat, 'latin1'), kind, flow });
    return cats.length - 1;
  }

  /** the index of an event's (pid, tid) */
  threadOf(f: EventFields): number {
    // events come in runs of one thread: the last numeric (pid, tid) is remembered
    const numeric = f.pidStart < 0 && f.tidStart < 0;
    if (numeric && f.pid === this.lastPid && f.tid === this.lastTid) return this.lastThread;
    const pid: number | string = f.pidStart >= 0 ? f.raw(f.pidStart, f.pidEnd) : f.pid;
    const tid: number | string = f.tidStart >= 0 ? f.raw(f.tidStart, f.tidEnd) : f.tid;
    let m = this.threadIds.get(pid);
    if (!m) this.threadIds.set(pid, (m = new Map()));
    let t = m.get(tid);
    if (t === undefined) {
      t = this.threads.length;
      this.threads.push({ pid, tid });
      m.set(tid, t);
    }
    if (numeric) {
      this.lastPid = f.pid;
      this.lastTid = f.tid;
      this.lastThread = t;
    }
    return t;
  }
  private lastPid = NaN;
  private lastTid = NaN;
  private lastThread = -1;

  /** ns relative to the origin */
  rel(f: EventFields): number {
    this.originUs ??= f.tsInt;
    return (f.tsInt - this.originUs) * 1000 + f.tsNs;
  }

  onEvent(b: Uint8Array, start: number, offset: number): number {
    const f = this.f;
    const end = f.read(b, start);
    if (end < 0) {
      if (end !== MALFORMED || f.malformedEnd < 0) return INCOMPLETE;
      this.events++;
      this.badEvents++;
      return f.malformedEnd;
    }
    this.events++;
    if (f.ph === 0x58 /* X */) {
      if (!f.hasTs || f.nameStart < 0) return end;
      const cat = this.category(f, b);
      if (cat < 0) return end;
      let kind = this.cats[cat]!.kind;
      if (kind < 0) return end;
      const k = this.spans++;
      this.at.set(k, offset);
      this.len.set(k, end - start);
      const nameOff = f.nameStart - start;
      const nameLen = f.nameEnd - f.nameStart;
      const argsOff = f.argsStart < 0 ? 0 : f.argsStart - start;
      const argsLen = f.argsStart < 0 ? 0 : f.argsEnd - f.argsStart;
      if (nameOff >= FAR || nameLen >= FAR || argsOff >= FAR || argsLen >= FAR) kind |= KIND_FAR;
      this.nameOff.set(k, nameOff);
      this.nameLen.set(k, nameLen);
      this.argsOff.set(k, argsOff);
      this.argsLen.set(k, argsLen);
      this.cat.set(k, cat);
      const ts = this.rel(f);
      this.start.set(k, ts);
      this.end.set(k, ts + f.durNs);
      this.thread.set(k, this.threadOf(f));
      if (f.nameEscaped) kind |= KIND_ESCAPED;
      if (kind & KIND_GPU) {
        const g = this.gpuCount++;
        this.gpuK.set(g, k);
        this.gpuCorr.set(g, f.correlation);
        this.gpuExt.set(g, f.externalId);
        if (f.correlation === 0) this.uncorrelated.push(k);
      } else if (kind & KIND_LAUNCH) {
        if (f.correlation > 0) this.byCorrelation.setFirst(f.correlation, k);
      } else {
        if (f.externalId > 0) this.byExternal.setFirst(f.externalId, k);
        if (f.nameStartsWith(STEP_PREFIX)) {
          const m = STEP.exec(f.name());
          if (m) {
            kind |= KIND_STEP;
            this.steps.push({ n: Number(m[1]), k, start: ts, end: ts + f.durNs });
          }
        } else if (f.nameStartsWith(OTEL_PREFIX)) {
          const m = OTEL_ANNOTATION.exec(f.name());
          if (m) {
            kind |= KIND_OTEL;
            this.otel.set(k, { trace: m[1]!.toLowerCase(), span: m[2]!.toLowerCase() });
          }
        }
      }
      this.kind.set(k, kind);
      return end;
    }
    if (f.ph === 0x4d /* M */) {
      this.metadata(b.subarray(start, end));
      return end;
    }
    if ((f.ph === 0x73 || f.ph === 0x66) && f.hasTs && Number.isFinite(f.flowId) && f.catStart >= 0) {
      // flow events (s at the launch, f at the GPU activity): kept in case an activity lacks its correlation
      const cat = this.category(f, b);
      if (cat >= 0 && this.cats[cat]!.flow) (f.ph === 0x73 ? this.flowS : this.flowF).push(f.flowId, this.threadOf(f), this.rel(f));
    }
    return end;
  }

  private metadata(bytes: Uint8Array): void {
    let e: { name?: unknown; pid?: unknown; tid?: unknown; args?: { name?: unknown } };
    try {
      e = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as typeof e;
    } catch {
      return;
    }
    const name = e.args?.name;
    if (typeof name !== 'string') return;
    if (e.name === 'process_name') this.names.set(String(e.pid), name);
    else if (e.name === 'thread_name') this.names.set(`${String(e.pid)}:${String(e.tid)}`, name);
  }

  /** the step whose interval holds `t`, if any */
  stepAt(t: number): Step | undefined {
    const steps = this.steps;
    let lo = 0;
    let hi = steps.length - 1;
    let found: Step | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = steps[mid]!;
      if (s.start <= t) {
        found = s;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found && t <= found.end ? found : undefined;
  }

  /**
   * Parents and contexts of all CPU spans. `fileTrace`/`fileParent`: prof.add_metadata's
   * otel.trace_id / otel.span_id, which put every step into that one trace.
   */
  resolve(fileTrace: string | undefined, fileParent: string | undefined): void {
    const n = this.spans;
    const start = this.start.a;
    const end = this.end.a;
    const kind = this.kind.a;
    const thread = this.thread.a;
    this.parent = new Int32Array(n).fill(-1);
    this.ctx = new Int32Array(n);
    const parent = this.parent;
    const ctx = this.ctx;
    this.contexts[0] = { traceHex: fileTrace, key: -1, parentHex: fileParent };
    this.steps.sort((a, b) => a.start - b.start || a.k - b.k);
    const stepCtx = new Map<number, number>();
    for (const s of this.steps) {
      if (fileTrace) stepCtx.set(s.k, 0);
      else {
        stepCtx.set(s.k, this.contexts.length);
        this.contexts.push({ traceHex: undefined, key: s.n, parentHex: undefined });
      }
    }
    // CPU spans grouped by thread; the threads with profiler steps first, so that every other
    // thread finds the step contexts settled
    const byThread: number[][] = [];
    for (let k = 0; k < n; k++) {
      if (kind[k]! & KIND_GPU) continue;
      (byThread[thread[k]!] ??= []).push(k);
    }
    const stepThreads = new Set(this.steps.map((s) => thread[s.k]!));
    const order = [...byThread.keys()].filter((t) => byThread[t]).sort((a, b) => Number(stepThreads.has(b)) - Number(stepThreads.has(a)) || a - b);
    this.sorted = [];
    for (const t of order) {
      const list = byThread[t]!;
      // by start; at equal starts the longer (outer) first; then file order
      list.sort((a, b) => start[a]! - start[b]! || end[b]! - end[a]! || a - b);
      this.sorted[t] = list;
      const stack: number[] = [];
      for (const k of list) {
        const s = start[k]!;
        const e = end[k]!;
        // the top must still be open at s and hold [s, e] (its end with Kineto's µs tolerance)
        while (stack.length > 0) {
          const top = stack[stack.length - 1]!;
          if (end[top]! <= s || end[top]! + END_TOLERANCE_NS < e) stack.pop();
          else break;
        }
        const top = stack.length > 0 ? stack[stack.length - 1]! : -1;
        const kk = kind[k]!;
        if (kk & KIND_OTEL) {
          const o = this.otel.get(k)!;
          ctx[k] = this.contexts.length;
          this.contexts.push({ traceHex: o.trace, key: -1, parentHex: o.span });
        } else if (kk & KIND_STEP && !(top >= 0 && this.isOtel(ctx[top]!))) {
          ctx[k] = stepCtx.get(k)!;
        } else if (top >= 0) {
          ctx[k] = ctx[top]!;
          parent[k] = top;
        } else {
          // not nested in anything on its thread (the autograd thread, a call that outlives its
          // step): a child of the profiler step running at its start
          const st = this.stepAt(s);
          if (st && st.k !== k) {
            ctx[k] = ctx[st.k]!;
            parent[k] = st.k;
          }
        }
        if (e > s) stack.push(k);
      }
    }
    this.linkFlows();
    this.linkGpu();
    // pass 2 needs none of these
    this.byCorrelation = new IdMap();
    this.byExternal = new IdMap();
    this.byFlow = new Map();
    this.otel = new Map();
    this.uncorrelated = [];
    this.flowS = new FlowList();
    this.flowF = new FlowList();
    this.sorted = [];
    this.gpuK = new Growable((n) => new Int32Array(n));
    this.gpuCorr = new Growable((n) => new Float64Array(n));
    this.gpuExt = new Growable((n) => new Float64Array(n));
    this.gpuCount = 0;
  }

  /**
   * GPU activities: a child of the launch that caused it (correlation, else flow), else of the op
   * with its External id, else of the profiler step running then; in its parent's trace.
   */
  private linkGpu(): void {
    const gpuK = this.gpuK.a;
    const gpuCorr = this.gpuCorr.a;
    const gpuExt = this.gpuExt.a;
    for (let g = 0; g < this.gpuCount; g++) {
      const k = gpuK[g]!;
      const corr = gpuCorr[g]!;
      const ext = gpuExt[g]!;
      let l = corr > 0 ? this.byCorrelation.get(corr) : -1;
      if (l < 0 && this.byFlow.size > 0) l = this.byFlow.get(k) ?? -1;
      if (l < 0 && ext > 0) l = this.byExternal.get(ext);
      if (l < 0) {
        const s = this.stepAt(this.start.a[k]!);
        if (s) l = s.k;
      }
      if (l >= 0) {
        this.parent[k] = l;
        this.ctx[k] = this.ctx[l]!;
      }
    }
  }

  /** per thread, its CPU span indexes sorted by start (after resolve) */
  private sorted: number[][] = [];

  isOtel(c: number): boolean {
    return c > 0 && this.contexts[c]!.traceHex !== undefined && this.contexts[c]!.key === -1;
  }

  /** GPU activities without a correlation id: their launch through the ac2g flow events */
  private linkFlows(): void {
    if (this.uncorrelated.length === 0 || this.flowF.n === 0) return;
    const start = this.start.a;
    const thread = this.thread.a;
    const at = new Map<string, number>();
    for (const k of this.uncorrelated) at.set(`${thread[k]}:${start[k]}`, k);
    const s = this.flowS;
    const launchOf = new Map<number, number>();
    for (let i = 0; i < s.n; i++) launchOf.set(s.id.a[i]!, i); // the last of an id wins
    const f = this.flowF;
    for (let i = 0; i < f.n; i++) {
      const k = at.get(`${f.thread.a[i]}:${f.ts.a[i]}`);
      const l = launchOf.get(f.id.a[i]!);
      if (k === undefined || l === undefined) continue;
      const launch = this.enclosing(s.thread.a[l]!, s.ts.a[l]!);
      if (launch >= 0) this.byFlow.set(k, launch);
    }
  }

  /** the innermost CPU span on `t` holding time `ts`; -1 if none */
  private enclosing(t: number, ts: number): number {
    const list = this.sorted[t];
    if (!list) return -1;
    let lo = 0;
    let hi = list.length - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.start.a[list[mid]!]! <= ts) {
        k = list[mid]!;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // climb to the first ancestor still open at ts
    while (k >= 0 && this.end.a[k]! < ts) k = this.thread.a[this.parent[k]!] === t ? this.parent[k]! : -1;
    return k;
  }
}
