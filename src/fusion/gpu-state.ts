// Recent GPU samples and events per GPU, from the metrics and logs pipelines (NVML receiver or
// scraped dcgm-exporter), summarised over a span's interval.
import { walkRequest } from '../otlp/walk.js';
import { decodeUtf8, Reader } from '../otlp/wire.js';
import { anyValue, forEachAttribute } from './attributes.js';
import type { GpuEvent } from './log-scan.js';
import { scanResource } from './span-scan.js';

type Kind = 'util' | 'mem' | 'power' | 'temp' | 'throttle';

interface Series {
  t: number[]; // ms
  v: number[];
}

interface Gpu {
  host: string | undefined;
  series: Record<Kind, Series>;
  events: GpuEvent[];
}

export interface GpuSummary {
  uuid: string;
  utilizationAvg?: number;
  utilizationMax?: number;
  memoryUsedMax?: number;
  powerAvg?: number;
  temperatureMax?: number;
  throttleReasons: string[];
  events: GpuEvent[];
}

/** Which summary a metric feeds, and the factor to the unit we report (%, bytes, W, °C). */
function classify(name: string, unit: string): { kind: Kind; scale: number } | undefined {
  const n = name.toLowerCase();
  if (/throttle|clock_?event|clocks_event_reasons/.test(n)) return { kind: 'throttle', scale: 1 };
  if (/fb_used|memory\.(usage|used)|memory_used/.test(n) && !/utilization/.test(n)) return { kind: 'mem', scale: unit === 'MiB' || /fb_used/.test(n) ? 1048576 : 1 };
  if (/utilization|gpu_util/.test(n) && !/memory|mem_copy|enc|dec/.test(n)) return { kind: 'util', scale: unit === '1' ? 100 : 1 };
  if (/power/.test(n) && !/limit|state|source/.test(n)) return { kind: 'power', scale: unit === 'mW' ? 0.001 : 1 };
  if (/temp/.test(n)) return { kind: 'temp', scale: 1 };
  return undefined;
}

export const THROTTLE_BITS: [number, string][] = [
  [0x1, 'gpu_idle'], [0x2, 'applications_clocks_setting'], [0x4, 'sw_power_cap'], [0x8, 'hw_slowdown'],
  [0x10, 'sync_boost'], [0x20, 'sw_thermal_slowdown'], [0x40, 'hw_thermal_slowdown'], [0x80, 'hw_power_brake_slowdown'],
];

export class GpuState {
  private readonly gpus = new Map<string, Gpu>();
  /** process id → GPU it last ran on (from per-process GPU memory metrics) */
  private readonly pidGpu = new Map<number, string>();

  constructor(private readonly retentionMs: number) {}

  get size(): number {
    return this.gpus.size;
  }

  private gpu(uuid: string, host?: string): Gpu {
    let g = this.gpus.get(uuid);
    if (!g) {
      const s = (): Series => ({ t: [], v: [] });
      g = { host, series: { util: s(), mem: s(), power: s(), temp: s(), throttle: s() }, events: [] };
      this.gpus.set(uuid, g);
    }
    if (host !== undefined) g.host = host;
    return g;
  }

  addEvent(e: GpuEvent): void {
    const uuid = e.uuid ?? this.onlyGpu(e.host);
    if (uuid === undefined) return;
    this.gpu(uuid, e.host).events.push(e);
  }

  /** Reads gauge and sum points from ExportMetricsServiceRequest bytes. */
  addMetrics(buf: Uint8Array): number {
    let n = 0;
    walkRequest(
      buf,
      (start, end) => (end > start ? scanResource(buf, start, end) : undefined),
      (start, end, ctx) => {
        n += this.metric(buf, start, end, ctx.resource?.gpuUuid, ctx.resource?.host);
      },
    );
    return n;
  }

  private metric(buf: Uint8Array, start: number, end: number, resUuid: string | undefined, host: string | undefined): number {
    let name = '';
    let unit = '';
    const pointLists: [number, number][] = [];
    const r = new Reader(buf, start, end);
    while (r.more()) {
      r.tag();
      if (r.field === 1 && r.wt === 2) {
        r.lenBounds();
        name = decodeUtf8(buf, r.start, r.stop);
      } else if (r.field === 3 && r.wt === 2) {
        r.lenBounds();
        unit = decodeUtf8(buf, r.start, r.stop);
      } else if ((r.field === 5 || r.field === 7) && r.wt === 2) {
        r.lenBounds();
        pointLists.push([r.start, r.stop]);
      } else r.skip();
    }
    const cls = classify(name, unit);
    let n = 0;
    for (const [ps, pe] of pointLists) {
      const pr = new Reader(buf, ps, pe);
      while (pr.more()) {
        pr.tag();
        if (pr.field !== 1 || pr.wt !== 2) {
          pr.skip();
          continue;
        }
        pr.lenBounds();
        const after = pr.pos;
        const dp = new Reader(buf, pr.start, pr.stop);
        let t = 0;
        let v = NaN;
        while (dp.more()) {
          dp.tag();
          if (dp.field === 3) t = dp.fixed64() / 1e6;
          else if (dp.field === 4) v = dp.double();
          else if (dp.field === 6) v = Number(BigInt.asIntN(64, dp.fixed64Big()));
          else dp.skip();
        }
        let uuid = resUuid;
        let pid: number | undefined;
        let pointHost = host;
        forEachAttribute(buf, pr.start, pr.stop, 7, (key, vs, ve) => {
          if (key === 'gpu.uuid' || key === 'UUID' || key === 'uuid') uuid = String(anyValue(buf, vs, ve) ?? '');
          else if (key === 'process.pid' || key === 'pid') pid = Number(anyValue(buf, vs, ve));
          else if ((key === 'Hostname' || key === 'hostname' || key === 'host.name') && pointHost === undefined) pointHost = String(anyValue(buf, vs, ve) ?? '');
        });
        pr.pos = after;
        if (uuid === undefined || uuid === '') continue;
        if (pid !== undefined && Number.isFinite(pid)) {
          this.pidGpu.set(pid, uuid);
          this.gpu(uuid, pointHost);
          continue; // per-process points describe the process, not the GPU as a whole
        }
        if (!cls || !Number.isFinite(v)) continue;
        const s = this.gpu(uuid, pointHost).series[cls.kind];
        s.t.push(t || Date.now());
        s.v.push(v * cls.scale);
        n++;
      }
    }
    return n;
  }

  /** Drops samples and events older than the retention. */
  prune(nowMs: number): void {
    const cutoff = nowMs - this.retentionMs;
    for (const g of this.gpus.values()) {
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

  /** The GPU a span ran on: its own or its resource's gpu.uuid, its pid, or the host's only GPU. */
  resolve(spanUuid: string | undefined, resUuid: string | undefined, pid: number | undefined, host: string | undefined): string | undefined {
    if (spanUuid) return spanUuid;
    if (resUuid) return resUuid;
    if (pid !== undefined) {
      const u = this.pidGpu.get(pid);
      if (u) return u;
    }
    return this.onlyGpu(host);
  }

  private onlyGpu(host: string | undefined): string | undefined {
    let found: string | undefined;
    for (const [uuid, g] of this.gpus) {
      if (host !== undefined && g.host !== undefined && g.host !== host) continue;
      if (found !== undefined) return undefined; // more than one: ambiguous
      found = uuid;
    }
    return found;
  }

  summarize(uuid: string, startNs: bigint, endNs: bigint): GpuSummary | undefined {
    const g = this.gpus.get(uuid);
    if (!g) return undefined;
    const from = Number(startNs / 1000n) / 1000;
    const to = Number(endNs / 1000n) / 1000;
    const pick = (s: Series): number[] => {
      const out: number[] = [];
      let before: number | undefined;
      for (let i = 0; i < s.t.length; i++) {
        const t = s.t[i]!;
        if (t < from) before = s.v[i];
        else if (t <= to) out.push(s.v[i]!);
      }
      // a span shorter than the sampling interval: the sample just before it describes it
      if (out.length === 0 && before !== undefined) out.push(before);
      return out;
    };
    const sum: GpuSummary = { uuid, throttleReasons: [], events: [] };
    const util = pick(g.series.util);
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
    for (const [bit, label] of THROTTLE_BITS) if (mask & bit && bit !== 0x1) sum.throttleReasons.push(label);
    sum.events = g.events.filter((e) => e.timeNs >= startNs && e.timeNs <= endNs);
    return sum;
  }
}
