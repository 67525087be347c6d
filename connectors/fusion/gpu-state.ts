// Recent GPU samples and events per (node, GPU), and process → GPU per (node, pid), from the
// metrics and logs pipelines (NVML receiver or scraped dcgm-exporter), summarised over a
// span's interval. A gateway fusing many nodes keeps them apart: pids and even GPU ids of
// different nodes never meet.
import { walkRequest } from '../../src/otlp/walk.js';
import { NO } from '../../src/otlp/fields.js';
import { DataPointCursor, MetricView } from '../../src/otlp/metric-view.js';
import { anyValue, forEachAttribute } from '../../src/otlp/attributes-reader.js';
import { xidPolicy } from './gpu-events.js';
import { GPU_LABELS, GPU_METRICS, THROTTLE_BITS, type GpuMetric } from './gpu-metric-names.js';
import type { GpuEvent } from './log-scan.js';
import { scanResource } from './span-scan.js';

type Kind = 'util' | 'mem' | 'power' | 'temp' | 'throttle';

interface Series {
  t: number[]; // ms
  v: number[];
}

export interface Gpu {
  node: string;
  uuid: string;
  name: string | undefined;
  index: number | undefined;
  memTotal: number | undefined;
  /** dcgm-exporter gives free and reserved framebuffer; total = used + free + reserved */
  fbFree: number | undefined;
  fbReserved: number | undefined;
  /** DCGM_FI_DEV_XID_ERRORS holds the last XID: a change is an event */
  lastXid: number | undefined;
  series: Record<Kind, Series>;
  events: GpuEvent[];
}

export interface GpuSummary {
  uuid: string;
  node: string;
  name: string | undefined;
  index: number | undefined;
  /** samples inside the span's interval (utilization's, else the most of any series) */
  samples: number;
  /** some value is the sample just before the span (none fell inside it) */
  beforeSpan: boolean;
  utilizationAvg?: number;
  utilizationMax?: number;
  memoryUsedMax?: number;
  memoryTotal?: number;
  memoryUsedPercent?: number;
  powerAvg?: number;
  temperatureMax?: number;
  throttleReasons: string[];
}

/** a sample older than this before a span's start does not describe it */
export const MAX_SAMPLE_AGE_BEFORE_SPAN_MS = 30_000;

const label = (keys: readonly string[], attrs: Map<string, string | number | boolean | undefined>): string | undefined => {
  for (const k of keys) {
    const v = attrs.get(k);
    if (v !== undefined && v !== '') return String(v);
  }
  return undefined;
};

export class GpuState {
  /** node ('' when unknown) → GPU uuid → state */
  private readonly nodes = new Map<string, Map<string, Gpu>>();
  /** `${node}\0${pid}` → the GPU that process last used, and when */
  private readonly pidGpu = new Map<string, { uuid: string; ms: number }>();

  constructor(private readonly retentionMs: number, private readonly now: () => number = Date.now) {}

  get size(): number {
    let n = 0;
    for (const m of this.nodes.values()) n += m.size;
    return n;
  }

  private gpu(node: string, uuid: string): Gpu {
    let byUuid = this.nodes.get(node);
    if (!byUuid) {
      this.nodes.set(node, (byUuid = new Map()));
      if (node !== '') this.foldUnnamed(node, byUuid);
    }
    let g = byUuid.get(uuid);
    if (!g) {
      const s = (): Series => ({ t: [], v: [] });
      g = { node, uuid, name: undefined, index: undefined, memTotal: undefined, fbFree: undefined, fbReserved: undefined, lastXid: undefined, series: { util: s(), mem: s(), power: s(), temp: s(), throttle: s() }, events: [] };
      byUuid.set(uuid, g);
    }
    return g;
  }

  /**
   * Data that named no node, stored while no node was known (an XID log before the first GPU
   * sample), belongs to the first node that shows up, by the same lone-node rule as nodeFor.
   * Left apart, a node-less span would resolve to that GPU, which has events but no samples.
   */
  private foldUnnamed(node: string, into: Map<string, Gpu>): void {
    const unnamed = this.nodes.get('');
    if (!unnamed || this.nodes.size !== 2) return; // '' and the new node: no other named node to choose from
    for (const [uuid, g] of unnamed) {
      g.node = node;
      into.set(uuid, g);
    }
    this.nodes.delete('');
    for (const [k, p] of this.pidGpu) {
      if (!k.startsWith('\0')) continue;
      this.pidGpu.delete(k);
      this.pidGpu.set(node + k, p);
    }
  }

  /** The node whose GPUs a span or event of `node` may use; one side without a node only matches a lone node. */
  private nodeFor(node: string | undefined): string | undefined {
    const k = node ?? '';
    if (this.nodes.has(k)) return k;
    if (this.nodes.size === 1) {
      const only = this.nodes.keys().next().value as string;
      if (node === undefined || only === '') return only;
    }
    return undefined;
  }

  /** Stores an event on its GPU; false when the GPU cannot be told. */
  addEvent(e: GpuEvent): boolean {
    const node = this.nodeFor(e.node) ?? e.node ?? '';
    let uuid = e.uuid;
    if (uuid === undefined) {
      const gpus = this.nodes.get(node);
      if (!gpus || gpus.size !== 1) return false;
      uuid = gpus.keys().next().value as string;
    }
    this.gpu(node, uuid).events.push(e);
    return true;
  }

  /** Reads the table's gauges and sums from ExportMetricsServiceRequest bytes; returns events found (dcgm XIDs). */
  addMetrics(buf: Uint8Array): GpuEvent[] {
    const events: GpuEvent[] = [];
    walkRequest(
      buf,
      (start, end) => (end > start ? scanResource(buf, start, end) : undefined),
      (start, end, ctx) => this.metric(buf, start, end, ctx.resource?.gpuUuid, ctx.resource?.node, events),
    );
    return events;
  }

  private readonly view = new MetricView();
  private readonly points = new DataPointCursor();

  private metric(buf: Uint8Array, start: number, end: number, resUuid: string | undefined, resNode: string | undefined, events: GpuEvent[]): void {
    const mv = this.view.read(buf, start, end);
    const m = GPU_METRICS.get(mv.name);
    if (!m || (mv.type !== 'gauge' && mv.type !== 'sum')) return; // not a GPU metric fusion reads
    const attrs = new Map<string, string | number | boolean | undefined>();
    const p = this.points.begin(mv);
    while (p.next()) {
      attrs.clear();
      forEachAttribute(buf, p.start, p.end, NO.NumberDataPoint.attributes, (key, vs, ve) => attrs.set(key, anyValue(buf, vs, ve)));
      // µs precision: a JS number cannot hold epoch ns exactly
      const tNs = p.timeNs > 0 ? BigInt(Math.round(p.timeNs / 1000)) * 1000n : BigInt(this.now()) * 1_000_000n;
      this.point(m, tNs, p.value * m.scale, attrs, resUuid, resNode, events);
    }
  }

  private point(m: GpuMetric, tNs: bigint, v: number, attrs: Map<string, string | number | boolean | undefined>, resUuid: string | undefined, resNode: string | undefined, events: GpuEvent[]): void {
    const uuid = label(GPU_LABELS.uuid, attrs) ?? resUuid;
    if (uuid === undefined || !Number.isFinite(v)) return;
    const node = label(GPU_LABELS.node, attrs) ?? resNode ?? '';
    const g = this.gpu(node, uuid);
    const t = Number(tNs / 1000n) / 1000; // ms
    const name = label(GPU_LABELS.name, attrs);
    if (name !== undefined) g.name = name;
    const index = Number(label(GPU_LABELS.index, attrs));
    if (Number.isInteger(index)) g.index = index;
    switch (m.reads) {
      case 'processMem': {
        const pid = label(GPU_LABELS.pid, attrs);
        if (pid !== undefined) this.pidGpu.set(`${node}\0${pid}`, { uuid, ms: t });
        return;
      }
      case 'memTotal':
        g.memTotal = v;
        return;
      case 'memFree':
        g.fbFree = v;
        return;
      case 'memReserved':
        g.fbReserved = v;
        return;
      case 'xid': {
        if (g.lastXid !== undefined && v !== g.lastXid && v !== 0) {
          const p = xidPolicy(v);
          const e: GpuEvent = { node, uuid, timeNs: tNs, kind: 'gpu.xid', xid: v, fatal: p.fatal, meaning: p.meaning, message: `XID ${v} (dcgm-exporter)` };
          g.events.push(e);
          events.push(e);
        }
        g.lastXid = v;
        return;
      }
      default: {
        const s = g.series[m.reads];
        s.t.push(t);
        s.v.push(v);
      }
    }
  }

  /** Drops samples, events and pid bindings older than the retention. */
  prune(nowMs: number): void {
    const cutoff = nowMs - this.retentionMs;
    for (const gpus of this.nodes.values()) {
      for (const g of gpus.values()) {
        for (const s of Object.values(g.series)) {
          let i = 0;
          while (i < s.t.length && s.t[i]! < cutoff) i++;
          if (i > 0) {
            s.t.splice(0, i);
            s.v.splice(0, i);
          }
        }
        g.events = g.events.filter((e) => Number(e.timeNs / 1_000_000n) >= cutoff);
      }
    }
    for (const [k, p] of this.pidGpu) if (p.ms < cutoff) this.pidGpu.delete(k);
  }

  /** The GPU a span ran on: its own or its resource's gpu.uuid, its (node, pid), or its node's only GPU. */
  resolve(spanUuid: string | undefined, resUuid: string | undefined, pid: number | undefined, node: string | undefined): Gpu | undefined {
    const n = this.nodeFor(node);
    if (n === undefined) return undefined;
    const gpus = this.nodes.get(n)!;
    const uuid = spanUuid || resUuid || (pid !== undefined ? this.pidGpu.get(`${n}\0${pid}`)?.uuid : undefined);
    if (uuid) return gpus.get(uuid);
    if (gpus.size === 1) return gpus.values().next().value;
    return undefined; // several GPUs and nothing says which
  }

  summarize(g: Gpu, startNs: bigint, endNs: bigint): GpuSummary {
    const from = Number(startNs / 1000n) / 1000;
    const to = Number(endNs / 1000n) / 1000;
    let beforeSpan = false;
    let most = 0;
    const pick = (s: Series): number[] => {
      const out: number[] = [];
      let before: number | undefined;
      let beforeT = 0;
      for (let i = 0; i < s.t.length; i++) {
        const t = s.t[i]!;
        if (t < from) {
          before = s.v[i];
          beforeT = t;
        } else if (t <= to) out.push(s.v[i]!);
      }
      most = Math.max(most, out.length);
      // a span shorter than the sampling interval: the sample just before it describes it
      if (out.length === 0 && before !== undefined && from - beforeT <= MAX_SAMPLE_AGE_BEFORE_SPAN_MS) {
        out.push(before);
        beforeSpan = true;
      }
      return out;
    };
    const sum: GpuSummary = { uuid: g.uuid, node: g.node, name: g.name, index: g.index, samples: 0, beforeSpan: false, throttleReasons: [] };
    const util = pick(g.series.util);
    const utilSamples = most;
    if (util.length) {
      sum.utilizationAvg = util.reduce((a, b) => a + b, 0) / util.length;
      sum.utilizationMax = Math.max(...util);
    }
    const mem = pick(g.series.mem);
    if (mem.length) sum.memoryUsedMax = Math.max(...mem);
    const power = pick(g.series.power);
    if (power.length) sum.powerAvg = power.reduce((a, b) => a + b, 0) / power.length;
    const temp = pick(g.series.temp);
    if (temp.length) sum.temperatureMax = Math.max(...temp);
    let mask = 0;
    for (const v of pick(g.series.throttle)) mask |= v;
    for (const [bit, reason] of THROTTLE_BITS) if (mask & bit && bit !== 0x1) sum.throttleReasons.push(reason);
    sum.samples = g.series.util.t.length > 0 ? utilSamples : most;
    sum.beforeSpan = beforeSpan;
    const total = g.memTotal ?? (g.fbFree !== undefined && g.series.mem.v.length > 0 ? g.series.mem.v[g.series.mem.v.length - 1]! + g.fbFree + (g.fbReserved ?? 0) : undefined);
    if (total !== undefined && total > 0) {
      sum.memoryTotal = total;
      if (sum.memoryUsedMax !== undefined) sum.memoryUsedPercent = (sum.memoryUsedMax / total) * 100;
    }
    return sum;
  }

  /** Events on a GPU within [startNs, endNs]. */
  eventsDuring(g: Gpu, startNs: bigint, endNs: bigint): GpuEvent[] {
    return g.events.filter((e) => e.timeNs >= startNs && e.timeNs <= endNs);
  }
}
