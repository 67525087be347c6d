// Kineto trace JSON → OTLP spans, streaming, in two passes over the file:
//   1. scan: every top-level key (header and trailer: deviceProperties, distributedInfo, user
//      metadata), the ProfilerStep#N intervals and the process/thread names — and proof that
//      the file is complete (a gzip stream cut short or a missing "}" fails here, before any
//      span is emitted);
//   2. convert: each X event to a span, written straight into protobuf, in batches.
// Memory is bounded by one event, one batch, the per-thread nesting stacks, and two id → trace
// maps of 4 bytes per GPU launch. Span and trace ids are derived from the file and the event's
// own ids, so reading a file twice yields the same spans, and a kernel finds its launch's span
// without keeping the launch.
import { createHash } from 'node:crypto';
import { ProtoWriter } from '../../src/otlp/proto-writer.js';
import type { ScanHandler } from './trace-scanner.js';

export const CPU_CATEGORIES = new Set(['cpu_op', 'user_annotation', 'python_function', 'cuda_runtime', 'cuda_driver', 'privateuse1_runtime', 'privateuse1_driver', 'Trace']);
export const GPU_CATEGORIES = new Set(['kernel', 'gpu_memcpy', 'gpu_memset', 'gpu_user_annotation']);
const LAUNCH_CATEGORIES = new Set(['cuda_runtime', 'cuda_driver', 'privateuse1_runtime', 'privateuse1_driver']);
export const DEFAULT_CATEGORIES = ['cpu_op', 'user_annotation', 'gpu_user_annotation', 'kernel', 'gpu_memcpy', 'gpu_memset', 'cuda_runtime', 'cuda_driver'];

const OTEL_ANNOTATION = /^otel:([0-9a-fA-F]{32}):([0-9a-fA-F]{16})$/;
const STEP = /^ProfilerStep#(\d+)$/;
const TWO32 = 4294967296;

export interface Step {
  n: number;
  start: number; // ns relative to the base
  end: number;
  spanId: Uint8Array;
  pid: number;
  tid: number;
}

/** Pass 1: what the conversion needs to know before the first span. */
export class TraceInfo implements ScanHandler {
  readonly meta = new Map<string, unknown>();
  readonly steps: Step[] = [];
  readonly names = new Map<string, string>(); // "pid" or "pid:tid" → name
  events = 0;
  private seeds: Seeds | undefined;
  private readonly stepPattern = Buffer.from('ProfilerStep#');
  private readonly metaPattern = Buffer.from('"M"');

  constructor(private readonly fileKey: string) {}

  onKey(key: string, value: unknown): void {
    this.meta.set(key, value);
  }
  onEventsStart(): void {}
  onEventsEnd(): void {}

  onEvent(bytes: Uint8Array): void {
    const index = this.events++;
    const b = bytes as Buffer;
    const isStep = b.indexOf(this.stepPattern) >= 0;
    const isMeta = !isStep && b.indexOf(this.metaPattern) >= 0;
    if (!isStep && !isMeta) return;
    let e: KinetoEvent;
    try {
      e = JSON.parse(b.toString('utf8')) as KinetoEvent;
    } catch {
      return; // pass 2 reports it
    }
    if (e.ph === 'M') {
      const name = e.args?.['name'];
      if (typeof name !== 'string') return;
      if (e.name === 'process_name') this.names.set(String(e.pid), name);
      else if (e.name === 'thread_name') this.names.set(`${e.pid}:${e.tid}`, name);
      return;
    }
    const m = e.ph === 'X' && typeof e.name === 'string' ? STEP.exec(e.name) : null;
    if (!m || typeof e.ts !== 'number') return;
    const start = Math.round(e.ts * 1000);
    const seeds = this.seedsFor();
    this.steps.push({ n: Number(m[1]), start, end: start + Math.round((e.dur ?? 0) * 1000), spanId: spanIdOf(seeds, e, index), pid: num(e.pid), tid: num(e.tid) });
  }

  seedsFor(): Seeds {
    this.seeds ??= makeSeeds(this.fileKey, this.meta.get('trace_id'));
    return this.seeds;
  }

  /** Steps sorted by start, for lookups by time. */
  sortSteps(): void {
    this.steps.sort((a, b) => a.start - b.start);
  }
}

export interface KinetoEvent {
  ph?: string;
  cat?: string;
  name?: string;
  pid?: number | string;
  tid?: number | string;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

interface Seeds {
  a: number;
  b: number;
  c: number;
  d: number;
}

function makeSeeds(fileKey: string, kinetoTraceId: unknown): Seeds {
  const h = createHash('sha256').update(fileKey).update('\0').update(String(kinetoTraceId ?? '')).digest();
  return { a: h.readUInt32LE(0), b: h.readUInt32LE(4), c: h.readUInt32LE(8), d: h.readUInt32LE(12) };
}

function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 8 bytes from (seed, kind, id): the span id of an event. */
function id8(s: Seeds, kind: number, id: number): Uint8Array {
  const lo = id % TWO32 >>> 0;
  const hi = Math.floor(id / TWO32) >>> 0;
  let h1 = mix32(s.a ^ Math.imul(kind + 1, 0x9e3779b1) ^ lo);
  h1 = mix32(h1 ^ hi ^ Math.imul(kind, 0x27d4eb2f));
  let h2 = mix32(s.b ^ h1 ^ Math.imul(lo, 0x85ebca77));
  h2 = mix32((h2 + hi + kind) >>> 0);
  if (h1 === 0 && h2 === 0) h2 = 1;
  const out = new Uint8Array(8);
  out[0] = h1 >>> 24;
  out[1] = (h1 >>> 16) & 0xff;
  out[2] = (h1 >>> 8) & 0xff;
  out[3] = h1 & 0xff;
  out[4] = h2 >>> 24;
  out[5] = (h2 >>> 16) & 0xff;
  out[6] = (h2 >>> 8) & 0xff;
  out[7] = h2 & 0xff;
  return out;
}

/** 16 bytes from (seed, id): a trace id of this file (per profiler step). */
function id16(s: Seeds, id: number): Uint8Array {
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  const a = mix32(s.c ^ Math.imul(id + 7, 0x9e3779b1));
  const b = mix32(s.d ^ a ^ id);
  const c = mix32(s.a ^ b ^ 0x51ed270b);
  const d = mix32(s.b ^ c ^ Math.imul(id + 1, 0x7feb352d));
  v.setUint32(0, a);
  v.setUint32(4, b);
  v.setUint32(8, c);
  v.setUint32(12, d || 1);
  return out;
}

const KIND_SEQ = 1;
const KIND_CORRELATION = 2;
const KIND_EXTERNAL = 3;

function varintLen(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : -1;
}

function externalId(e: KinetoEvent): number | undefined {
  const x = e.args?.['External id'];
  return typeof x === 'number' && x > 0 ? x : undefined;
}

function correlation(e: KinetoEvent): number | undefined {
  const x = e.args?.['correlation'];
  return typeof x === 'number' && x > 0 ? x : undefined;
}

/** The span id an event gets: by its correlation (launches), External id (ops), or position. */
function spanIdOf(s: Seeds, e: KinetoEvent, index: number): Uint8Array {
  const cat = e.cat ?? '';
  if (LAUNCH_CATEGORIES.has(cat)) {
    const c = correlation(e);
    if (c !== undefined) return id8(s, KIND_CORRELATION, c);
  } else if (CPU_CATEGORIES.has(cat)) {
    const x = externalId(e);
    if (x !== undefined) return id8(s, KIND_EXTERNAL, x);
  }
  return id8(s, KIND_SEQ, index);
}

/** id → small int, paged typed arrays: 4 bytes per id actually used. */
class IdMap {
  private readonly pages = new Map<number, Int32Array>();
  get(id: number): number {
    const p = this.pages.get(Math.floor(id / 4096));
    return p ? p[id % 4096]! : 0;
  }
  set(id: number, v: number): void {
    const k = Math.floor(id / 4096);
    let p = this.pages.get(k);
    if (!p) this.pages.set(k, (p = new Int32Array(4096)));
    p[id % 4096] = v;
  }
}

interface Ctx {
  traceId: Uint8Array;
  /** parent of the context's root span (an annotation's or metadata's span id), if any */
  parent: Uint8Array | undefined;
}

interface Frame {
  end: number;
  spanId: Uint8Array;
  ctx: number;
}

export interface ConvertOptions {
  categories: ReadonlySet<string>;
  maxBatchSpans: number;
  maxBatchBytes: number;
  /** encoded Resource message */
  resource: Uint8Array;
  scopeName: string;
  scopeVersion: string;
}

function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

/** Pass 2: events → batches of ExportTraceServiceRequest bytes. */
export class KinetoConverter implements ScanHandler {
  readonly batches: { data: Uint8Array; spans: number }[] = [];
  spans = 0;
  skipped = 0;
  badEvents = 0;
  private index = 0;
  private readonly seeds: Seeds;
  private readonly baseHi: number;
  private readonly baseLo: number;
  private readonly baseBig: bigint;
  private readonly ctxs: Ctx[] = [];
  private readonly stacks = new Map<string, Frame[]>();
  private readonly byCorrelation = new IdMap();
  private readonly byExternal = new IdMap();
  private readonly stepCtx = new Map<number, number>();
  private readonly fileCtx: number;
  private readonly deviceNames: Map<number, string>;
  private w: ProtoWriter;
  private batchSpans = 0;
  private readonly keyCache = new Map<string, string>();
  private readonly keyFields = new Map<string, Uint8Array>();

  constructor(
    private readonly info: TraceInfo,
    private readonly opts: ConvertOptions,
  ) {
    this.seeds = info.seedsFor();
    info.sortSteps();
    const base = info.meta.get('baseTimeNanoseconds');
    // without it (old traces) ts is µs since the epoch
    this.baseBig = typeof base === 'number' && Number.isFinite(base) ? BigInt(Math.round(base)) : 0n;
    this.baseHi = Number(this.baseBig / BigInt(TWO32));
    this.baseLo = Number(this.baseBig % BigInt(TWO32));
    const otelTrace = info.meta.get('otel.trace_id');
    const otelSpan = info.meta.get('otel.span_id') ?? info.meta.get('otel.parent_span_id');
    const traceId = typeof otelTrace === 'string' && /^[0-9a-fA-F]{32}$/.test(otelTrace) ? fromHex(otelTrace) : undefined;
    const parent = traceId && typeof otelSpan === 'string' && /^[0-9a-fA-F]{16}$/.test(otelSpan) ? fromHex(otelSpan) : undefined;
    this.fileCtx = this.ctx(traceId ?? id16(this.seeds, -1), parent);
    for (const s of info.steps) this.stepCtx.set(s.n, traceId ? this.fileCtx : this.ctx(id16(this.seeds, s.n), undefined));
    this.deviceNames = new Map();
    const props = info.meta.get('deviceProperties');
    if (Array.isArray(props)) for (const p of props as Record<string, unknown>[]) if (typeof p?.['id'] === 'number' && typeof p['name'] === 'string') this.deviceNames.set(p['id'], p['name']);
    this.w = this.newWriter();
  }

  private ctx(traceId: Uint8Array, parent: Uint8Array | undefined): number {
    this.ctxs.push({ traceId, parent });
    return this.ctxs.length; // 1-based: 0 in the id maps means unknown
  }

  onKey(): void {}
  onEventsStart(): void {}
  onEventsEnd(): void {}

  onEvent(bytes: Uint8Array): void {
    const index = this.index++;
    let e: KinetoEvent;
    try {
      e = JSON.parse((bytes as Buffer).toString('utf8')) as KinetoEvent;
    } catch {
      this.badEvents++;
      return;
    }
    if (e.ph !== 'X' || typeof e.ts !== 'number' || typeof e.name !== 'string') {
      this.skipped++;
      return;
    }
    const cat = e.cat ?? '';
    if (!this.opts.categories.has(cat)) {
      this.skipped++;
      return;
    }
    this.convert(e, cat, index);
  }

  /** the step whose interval holds `t` (ns relative to the base), if any */
  private stepAt(t: number): Step | undefined {
    const steps = this.info.steps;
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

  private convert(e: KinetoEvent, cat: string, index: number): void {
    const start = Math.round(e.ts! * 1000);
    const end = start + Math.max(0, Math.round((e.dur ?? 0) * 1000));
    const pid = num(e.pid);
    const tid = num(e.tid);
    const spanId = spanIdOf(this.seeds, e, index);
    const gpu = GPU_CATEGORIES.has(cat);
    let ctx = 0;
    let parent: Uint8Array | undefined;
    let stepN: number | undefined;
    let stack: Frame[] | undefined;
    if (gpu) {
      // a kernel, copy or GPU range: the launch that caused it, else the op around the launch
      const c = correlation(e);
      const x = externalId(e);
      const byC = c !== undefined ? this.byCorrelation.get(c) : 0;
      const byX = byC === 0 && x !== undefined ? this.byExternal.get(x) : 0;
      if (byC !== 0) {
        ctx = byC;
        parent = id8(this.seeds, KIND_CORRELATION, c!);
      } else if (byX !== 0) {
        ctx = byX;
        parent = id8(this.seeds, KIND_EXTERNAL, x!);
      }
    } else {
      // CPU: nesting on the thread, from a stack of open events
      const key = `${pid}:${tid}`;
      stack = this.stacks.get(key);
      if (!stack) this.stacks.set(key, (stack = []));
      while (stack.length > 0 && (stack[stack.length - 1]!.end <= start || stack[stack.length - 1]!.end < end)) stack.pop();
      const top = stack[stack.length - 1];
      const annotation = cat === 'user_annotation' ? OTEL_ANNOTATION.exec(e.name!) : null;
      const step = cat === 'user_annotation' || cat === 'Trace' ? STEP.exec(e.name!) : null;
      if (annotation) {
        // record_function("otel:<trace_id>:<span_id>"): this subtree joins that trace
        ctx = this.ctx(fromHex(annotation[1]!), fromHex(annotation[2]!));
        parent = this.ctxs[ctx - 1]!.parent;
      } else if (step) {
        stepN = Number(step[1]);
        ctx = this.stepCtx.get(stepN) ?? this.fileCtx;
        parent = this.ctxs[ctx - 1]!.parent;
      } else if (top) {
        ctx = top.ctx;
        parent = top.spanId;
      }
    }
    if (ctx === 0) {
      // not nested in anything known: the profiler step running at that time, else the file
      const s = this.stepAt(start);
      if (s) {
        ctx = this.stepCtx.get(s.n) ?? this.fileCtx;
        parent = s.spanId;
      } else {
        ctx = this.fileCtx;
        parent = this.ctxs[ctx - 1]!.parent;
      }
    }
    if (stack) {
      if (end > start) stack.push({ end, spanId, ctx });
      if (LAUNCH_CATEGORIES.has(cat)) {
        const c = correlation(e);
        if (c !== undefined) this.byCorrelation.set(c, ctx);
      } else {
        const x = externalId(e);
        if (x !== undefined) this.byExternal.set(x, ctx);
      }
    }
    this.writeSpan(e, cat, this.ctxs[ctx - 1]!.traceId, spanId, parent, start, end, pid, tid, gpu, stepN);
  }

  private newWriter(): ProtoWriter {
    const w = new ProtoWriter(Math.min(this.opts.maxBatchBytes + 65536, 8 << 20));
    w.tag(1, 2); // ExportTraceServiceRequest.resource_spans
    w.fork();
    w.tag(1, 2); // ResourceSpans.resource
    w.bytes(this.opts.resource);
    w.tag(2, 2); // ResourceSpans.scope_spans
    w.fork();
    w.tag(1, 2); // ScopeSpans.scope
    w.fork();
    w.tag(1, 2);
    w.string(this.opts.scopeName);
    w.tag(2, 2);
    w.string(this.opts.scopeVersion);
    w.join();
    return w;
  }

  private time(w: ProtoWriter, field: number, rel: number): void {
    w.tag(field, 1);
    if (rel >= 0 && rel < 2 ** 53) {
      let lo = this.baseLo + (rel % TWO32);
      let hi = this.baseHi + Math.floor(rel / TWO32);
      if (lo >= TWO32) {
        lo -= TWO32;
        hi += 1;
      }
      w.fixed32(lo);
      w.fixed32(hi);
    } else {
      w.fixed64(this.baseBig + BigInt(rel));
    }
  }

  private writeSpan(e: KinetoEvent, cat: string, traceId: Uint8Array, spanId: Uint8Array, parent: Uint8Array | undefined, start: number, end: number, pid: number, tid: number, gpu: boolean, stepN: number | undefined): void {
    const w = this.w;
    w.tag(2, 2); // ScopeSpans.spans
    w.fork();
    w.tag(1, 2);
    w.bytes(traceId);
    w.tag(2, 2);
    w.bytes(spanId);
    if (parent) {
      w.tag(4, 2);
      w.bytes(parent);
    }
    w.tag(5, 2);
    w.string(e.name!);
    w.tag(6, 0);
    w.varint(1); // SPAN_KIND_INTERNAL
    this.time(w, 7, start);
    this.time(w, 8, end);
    this.attrStr(w, 'pytorch.category', cat);
    if (gpu) {
      this.attrInt(w, 'gpu.index', pid);
      this.attrInt(w, 'gpu.stream', tid);
      const dn = this.deviceNames.get(pid);
      if (dn) this.attrStr(w, 'gpu.name', dn);
    } else {
      if (pid >= 0) this.attrInt(w, 'process.pid', pid);
      if (tid >= 0) this.attrInt(w, 'thread.id', tid);
      const tn = this.info.names.get(`${pid}:${tid}`);
      if (tn) this.attrStr(w, 'thread.name', tn);
    }
    if (stepN !== undefined) this.attrInt(w, 'pytorch.step', stepN);
    const args = e.args;
    if (args) {
      for (const k in args) {
        if (k === 'device' || k === 'stream') continue;
        const v = args[k];
        const key = this.argKey(k);
        if (typeof v === 'number') {
          if (Number.isInteger(v)) this.attrInt(w, key, v);
          else this.attrDouble(w, key, v);
        } else if (typeof v === 'string') this.attrStr(w, key, v.length > 4096 ? v.slice(0, 4096) : v);
        else if (typeof v === 'boolean') this.attrBool(w, key, v);
        else if (v !== null && v !== undefined) {
          const s = JSON.stringify(v);
          this.attrStr(w, key, s.length > 1024 ? s.slice(0, 1024) : s);
        }
      }
    }
    w.join();
    this.spans++;
    this.batchSpans++;
    if (this.batchSpans >= this.opts.maxBatchSpans || w.pos >= this.opts.maxBatchBytes) this.cut();
  }

  private argKey(k: string): string {
    let v = this.keyCache.get(k);
    if (v === undefined) {
      v = 'pytorch.' + k.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
      if (this.keyCache.size < 10_000) this.keyCache.set(k, v);
    }
    return v;
  }

  /** KeyValue.key field bytes (tag, length, UTF-8), cached per key */
  private keyField(key: string): Uint8Array {
    let k = this.keyFields.get(key);
    if (!k) {
      const kb = Buffer.from(key, 'utf8');
      const kw = new ProtoWriter(kb.length + 8);
      kw.tag(1, 2);
      kw.bytes(kb);
      k = kw.finish();
      if (this.keyFields.size < 10_000) this.keyFields.set(key, k);
    }
    return k;
  }

  private attrStr(w: ProtoWriter, key: string, v: string): void {
    w.tag(9, 2);
    w.fork();
    w.raw(this.keyField(key));
    w.tag(2, 2);
    w.fork();
    w.tag(1, 2);
    w.string(v);
    w.join();
    w.join();
  }

  /** KeyValue{key, AnyValue{int_value}} with lengths computed: no fork/join. */
  private attrInt(w: ProtoWriter, key: string, v: number): void {
    const k = this.keyField(key);
    const vl = v >= 0 ? varintLen(v) : 10;
    const anyLen = 1 + vl;
    w.tag(9, 2);
    w.varint(k.length + 2 + anyLen);
    w.raw(k);
    w.tag(2, 2);
    w.varint(anyLen);
    w.tag(3, 0);
    w.varint(v);
  }

  private attrDouble(w: ProtoWriter, key: string, v: number): void {
    const k = this.keyField(key);
    w.tag(9, 2);
    w.varint(k.length + 2 + 9);
    w.raw(k);
    w.tag(2, 2);
    w.varint(9);
    w.tag(4, 1);
    w.double(v);
  }

  private attrBool(w: ProtoWriter, key: string, v: boolean): void {
    const k = this.keyField(key);
    w.tag(9, 2);
    w.varint(k.length + 2 + 2);
    w.raw(k);
    w.tag(2, 2);
    w.varint(2);
    w.tag(2, 0);
    w.varint(v ? 1 : 0);
  }

  /** Closes the current batch (if it has spans) into `batches`. */
  cut(): void {
    if (this.batchSpans === 0) return;
    const w = this.w;
    w.join(); // ScopeSpans
    w.join(); // ResourceSpans
    this.batches.push({ data: w.finish(), spans: this.batchSpans });
    this.batchSpans = 0;
    this.w = this.newWriter();
  }
}

/** Encodes the Resource of a trace file from its metadata. */
export function traceResource(info: TraceInfo, extra: Record<string, string | number>, fileName: string): { attributes: { key: string; value: Record<string, unknown> }[] } {
  const attrs: { key: string; value: Record<string, unknown> }[] = [];
  const put = (key: string, v: unknown): void => {
    if (typeof v === 'string') attrs.push({ key, value: { stringValue: v } });
    else if (typeof v === 'number' && Number.isInteger(v)) attrs.push({ key, value: { intValue: String(v) } });
    else if (typeof v === 'number' && Number.isFinite(v)) attrs.push({ key, value: { doubleValue: v } });
    else if (typeof v === 'boolean') attrs.push({ key, value: { boolValue: v } });
  };
  const meta = info.meta;
  const service = meta.get('otel.service_name');
  put('service.name', typeof service === 'string' && service ? service : extra['service.name']);
  for (const [k, v] of Object.entries(extra)) if (k !== 'service.name') put(k, v);
  put('pytorch.trace.file', fileName);
  // the process: the CPU process_name metadata (GPU "processes" are devices, numbered from 0)
  for (const [k, name] of info.names) {
    if (k.includes(':')) continue;
    const pid = Number(k);
    if (Number.isInteger(pid) && pid > 1024 && !/^(GPU|CUDA|Spans|Traces)\b/.test(name)) {
      put('process.pid', pid);
      put('process.executable.name', name);
      break;
    }
  }
  const devices = meta.get('deviceProperties');
  if (Array.isArray(devices)) {
    for (const d of devices as Record<string, unknown>[]) {
      if (typeof d !== 'object' || d === null || typeof d['id'] !== 'number') continue;
      const p = `pytorch.device.${d['id']}`;
      put(`${p}.name`, d['name']);
      put(`${p}.total_global_mem`, d['totalGlobalMem']);
      if (typeof d['computeMajor'] === 'number') put(`${p}.compute_capability`, `${d['computeMajor']}.${d['computeMinor'] ?? 0}`);
      put(`${p}.num_sms`, d['numSms']);
    }
    if (devices.length === 1 && typeof (devices[0] as Record<string, unknown>)?.['name'] === 'string') put('gpu.name', (devices[0] as Record<string, unknown>)['name']);
  }
  const dist = meta.get('distributedInfo');
  if (dist && typeof dist === 'object') for (const [k, v] of Object.entries(dist as Record<string, unknown>)) put(`pytorch.distributed.${k}`, v);
  for (const [k, v] of meta) {
    if (k === 'deviceProperties' || k === 'distributedInfo' || k === 'traceEvents' || k === 'otel.service_name') continue;
    if (k === 'trace_id') put('pytorch.kineto.trace_id', v);
    else if (k === 'baseTimeNanoseconds') put('pytorch.base_time_ns', typeof v === 'number' ? String(BigInt(Math.round(v))) : v);
    else put(k.startsWith('otel.') ? k : `pytorch.${k.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`, v);
  }
  return { attributes: attrs };
}
