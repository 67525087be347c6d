// Pass 2 over a Kineto trace: each event that pass 1 indexed becomes a span, written straight
// into protobuf, in batches. Parents and trace contexts come from the index (trace-index.ts), so
// the order of the events in the file does not matter. Span ids are derived from the file and the
// event's position among the spans, so reading a file twice yields the same spans.
import { createHash } from 'node:crypto';
import { KEY } from '../../src/otlp/fields.js';
import { ProtoWriter } from '../../src/otlp/proto-writer.js';
import { SPAN_KIND_INTERNAL, TracesBuilder } from '../../src/otlp/traces-builder.js';
import { decodeString, EventFields } from './event-fields.js';
import { SpanAttributes } from './span-attributes.js';
import { KIND_ESCAPED, KIND_FAR, KIND_GPU, KIND_STEP, TraceIndex } from './trace-index.js';

export { DEFAULT_CATEGORIES } from './trace-index.js';

const TWO32 = 4294967296;
const KIND_SEQ = 1;

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

/** a 32-bit word with its bytes reversed: fixed32 writes little-endian, span ids are big-endian */
const bswap = (h: number): number => ((h >>> 24) | ((h >>> 8) & 0xff00) | ((h << 8) & 0xff0000) | (h << 24)) >>> 0;

/** Writes field `key` with the 8 bytes from (seed, kind, id): the span id of an event. */
function writeId8(w: ProtoWriter, key: number, s: Seeds, kind: number, id: number): void {
  const lo = id % TWO32 >>> 0;
  const hi = Math.floor(id / TWO32) >>> 0;
  let h1 = mix32(s.a ^ Math.imul(kind + 1, 0x9e3779b1) ^ lo);
  h1 = mix32(h1 ^ hi ^ Math.imul(kind, 0x27d4eb2f));
  let h2 = mix32(s.b ^ h1 ^ Math.imul(lo, 0x85ebca77));
  h2 = mix32((h2 + hi + kind) >>> 0);
  if (h1 === 0 && h2 === 0) h2 = 1;
  w.key(key);
  w.varint(8); // the length of the 8 id bytes
  w.fixed32(bswap(h1));
  w.fixed32(bswap(h2));
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

export interface ConvertOptions {
  /** names the file in span and trace ids (its name and size) */
  fileKey: string;
  maxBatchSpans: number;
  maxBatchBytes: number;
  /** encoded Resource message */
  resource: Uint8Array;
  scopeName: string;
  scopeVersion: string;
}

const HEX32 = /^[0-9a-fA-F]{32}$/;
const HEX16 = /^[0-9a-fA-F]{16}$/;

function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

/** Pass 2: events → batches of ExportTraceServiceRequest bytes. */
export class KinetoConverter {
  readonly batches: { data: Uint8Array; spans: number }[] = [];
  spans = 0;
  private readonly seeds: Seeds;
  private readonly baseHi: number;
  private readonly baseLo: number;
  private readonly baseBig: bigint;
  private readonly traceIds: (Uint8Array | undefined)[] = [];
  private readonly parentIds: (Uint8Array | undefined)[] = [];
  private readonly stepN = new Map<number, number>();
  private readonly deviceNames: Map<number, string>;
  private readonly b: TracesBuilder;
  private batchSpans = 0;
  private readonly attrs = new SpanAttributes();
  private readonly stepKey = this.attrs.field('pytorch.step');
  private readonly far = new EventFields();
  /** the attributes every span of a (thread, category) has, encoded once: thread × 65536 + category */
  private readonly common = new Map<number, Uint8Array>();

  constructor(
    private readonly index: TraceIndex,
    private readonly opts: ConvertOptions,
  ) {
    const meta = index.meta;
    this.seeds = makeSeeds(opts.fileKey, meta.get('trace_id'));
    const otelTrace = meta.get('otel.trace_id');
    const otelSpan = meta.get('otel.span_id') ?? meta.get('otel.parent_span_id');
    const fileTrace = typeof otelTrace === 'string' && HEX32.test(otelTrace) ? otelTrace.toLowerCase() : undefined;
    const fileParent = fileTrace && typeof otelSpan === 'string' && HEX16.test(otelSpan) ? otelSpan.toLowerCase() : undefined;
    index.resolve(fileTrace, fileParent);
    for (const s of index.steps) this.stepN.set(s.k, s.n);
    // ts is µs since baseTimeNanoseconds (µs since the epoch in traces without it); the index
    // keeps ns relative to its origin µs
    const base = meta.get('baseTimeNanoseconds');
    const baseNs = typeof base === 'number' && Number.isFinite(base) ? BigInt(Math.round(base)) : 0n;
    this.baseBig = baseNs + BigInt(index.originUs ?? 0) * 1000n;
    this.baseHi = Number(this.baseBig / BigInt(TWO32));
    this.baseLo = Number(this.baseBig % BigInt(TWO32));
    this.deviceNames = new Map();
    const props = meta.get('deviceProperties');
    if (Array.isArray(props)) for (const p of props as Record<string, unknown>[]) if (typeof p?.['id'] === 'number' && typeof p['name'] === 'string') this.deviceNames.set(p['id'], p['name']);
    this.b = new TracesBuilder(Math.min(this.opts.maxBatchBytes + 65536, 8 << 20));
    this.open();
  }

  private traceId(c: number): Uint8Array {
    let t = this.traceIds[c];
    if (!t) {
      const ctx = this.index.contexts[c]!;
      t = ctx.traceHex ? fromHex(ctx.traceHex) : id16(this.seeds, ctx.key);
      this.traceIds[c] = t;
      this.parentIds[c] = ctx.parentHex ? fromHex(ctx.parentHex) : undefined;
    }
    return t;
  }

  /** span `k` of the index, from its event's bytes (from b[off]); parent and trace from the index */
  span(bytes: Uint8Array, off: number, k: number): void {
    const ix = this.index;
    const kind = ix.kind.a[k]!;
    const p = ix.parent[k]!;
    const c = ix.ctx[k]!;
    const b = this.b;
    const w = b.w;
    const traceId = this.traceId(c);
    b.beginSpan();
    b.traceId(traceId);
    writeId8(w, KEY.Span.spanId, this.seeds, KIND_SEQ, k);
    if (p >= 0) writeId8(w, KEY.Span.parentSpanId, this.seeds, KIND_SEQ, p);
    else {
      const parent = this.parentIds[c];
      if (parent) b.parentSpanId(parent);
    }
    let ns = off + ix.nameOff.a[k]!;
    let ne = ns + ix.nameLen.a[k]!;
    let as = off + ix.argsOff.a[k]!;
    let ae = ix.argsLen.a[k]! > 0 ? as + ix.argsLen.a[k]! : -1;
    if (kind & KIND_FAR) {
      // a large event: its name and args found again
      const f = this.far;
      f.read(bytes, off);
      ns = f.nameStart;
      ne = f.nameEnd;
      as = f.argsStart;
      ae = f.argsStart < 0 ? -1 : f.argsEnd;
    }
    if (kind & KIND_ESCAPED) b.name(decodeString(bytes, ns, ne, true));
    else {
      // the name's UTF-8 bytes as they are in the file
      w.key(KEY.Span.name);
      w.varint(ne - ns);
      w.rawFrom(bytes, ns, ne);
    }
    b.kind(SPAN_KIND_INTERNAL);
    this.time(KEY.Span.startTimeUnixNano, ix.start.a[k]!);
    this.time(KEY.Span.endTimeUnixNano, ix.end.a[k]!);
    w.raw(this.commonAttributes(ix.thread.a[k]!, ix.cat.a[k]!, kind));
    if (kind & KIND_STEP) this.attrs.int(w, this.stepKey, this.stepN.get(k)!);
    if (ae >= 0) this.attrs.args(w, bytes, as, ae);
    b.endSpan();
    this.spans++;
    this.batchSpans++;
    if (this.batchSpans >= this.opts.maxBatchSpans || w.pos >= this.opts.maxBatchBytes) this.cut();
  }

  private open(): void {
    this.b.beginResource(this.opts.resource);
    this.b.beginScope(this.opts.scopeName, this.opts.scopeVersion);
  }

  /** a span time (ns relative to the base) as fixed64, without a BigInt when it fits */
  private time(key: number, rel: number): void {
    const w = this.b.w;
    w.key(key);
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

  /**
   * pytorch.category, then gpu.index, gpu.stream and gpu.name (GPU activities) or process.pid,
   * thread.id and thread.name: the same for every span of a thread and category.
   */
  private commonAttributes(t: number, cat: number, kind: number): Uint8Array {
    const key = t * 65536 + cat;
    let enc = this.common.get(key);
    if (enc) return enc;
    const at = this.attrs;
    const w = new ProtoWriter(256);
    at.bytesValue(w, at.field('pytorch.category'), this.index.cats[cat]!.bytes);
    const th = this.index.threads[t]!;
    const pid = th.pid;
    const tid = th.tid;
    if (kind & KIND_GPU) {
      if (Number.isInteger(pid)) at.int(w, 'gpu.index', pid as number);
      if (Number.isInteger(tid)) at.int(w, 'gpu.stream', tid as number);
      const dn = typeof pid === 'number' ? this.deviceNames.get(pid) : undefined;
      if (dn) at.str(w, 'gpu.name', dn);
    } else {
      if (Number.isInteger(pid)) at.int(w, 'process.pid', pid as number);
      if (Number.isInteger(tid)) at.int(w, 'thread.id', tid as number);
      const name = this.index.names.get(`${th.pid}:${th.tid}`);
      if (name) at.str(w, 'thread.name', name);
    }
    enc = w.finish();
    this.common.set(key, enc);
    return enc;
  }

  /** Closes the current batch (if it has spans) into `batches`. */
  cut(): void {
    if (this.batchSpans === 0) return;
    const b = this.b;
    b.endScope();
    b.endResource();
    this.batches.push({ data: b.finish(), spans: this.batchSpans });
    this.batchSpans = 0;
    b.reset();
    this.open();
  }
}

/** Encodes the Resource of a trace file from its metadata. */
export function traceResource(info: TraceIndex, extra: Record<string, string | number>, fileName: string): { attributes: { key: string; value: Record<string, unknown> }[] } {
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
