// What the NVML worker thread does: open NVML, find the devices, sample them into OTLP metrics
// requests, wait for their events and turn those into OTLP log requests. Synchronous (NVML
// calls block); runs in the worker, and directly in benchmarks.
import { encodeRequest } from '../../src/otlp/json-encode.js';
import { CLOCK_MEM, CLOCK_SM, codeName, EVENT, NVML, NvmlLibrary } from './nvml-lib.js';
import { SEVERITY, type SeverityName, xidInfo } from './xid.js';

export interface CollectorOptions {
  libraryPath: string;
  processes: boolean;
  /** event mask to register (0: no events) */
  eventMask: number;
  hostName: string;
  k8sNodeName: string;
  resourceAttributes: Record<string, string>;
  /** collector start, the start time of cumulative sums (ns since the epoch, decimal) */
  startTimeNs: string;
}

export interface Problem {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  device?: number;
  call?: string;
  code?: string;
}

export interface DeviceInfo {
  index: number;
  uuid: string;
  name: string;
}

export interface Encoded {
  data: Uint8Array;
  items: number;
}

type Json = Record<string, unknown>;
type Attr = { key: string; value: Json };

const SCOPE = { name: 'ai-trace-collector/nvml', version: '0.1.0' };

export const CLOCKS_EVENT_REASONS: readonly [number, string][] = [
  [0x1, 'gpu_idle'],
  [0x2, 'applications_clocks_setting'],
  [0x4, 'sw_power_cap'],
  [0x8, 'hw_slowdown'],
  [0x10, 'sync_boost'],
  [0x20, 'sw_thermal_slowdown'],
  [0x40, 'hw_thermal_slowdown'],
  [0x80, 'hw_power_brake_slowdown'],
];

const str = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): Attr => ({ key, value: { intValue: String(v) } });

interface Device extends DeviceInfo {
  handle: unknown;
  address: bigint;
  attrs: Attr[];
  lost: boolean;
  unsupported: Set<string>;
  reported: Set<string>;
  errors: { xid: number; corrected: number; uncorrected: number };
}

/** ns since the epoch as a decimal string (wall clock, as the rest of the collector stamps) */
export function nowNs(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}

export class NvmlCollector {
  readonly devices: Device[] = [];
  readonly problems: Problem[] = [];
  private eventSet: unknown = null;
  /** devices whose events are registered */
  readonly eventDevices: number[] = [];
  private readonly resource: Json;
  private closed = false;

  private constructor(
    readonly lib: NvmlLibrary,
    private readonly opts: CollectorOptions,
    readonly driverVersion: string | undefined,
  ) {
    const attrs: Attr[] = [];
    if (opts.hostName) attrs.push(str('host.name', opts.hostName));
    if (opts.k8sNodeName) attrs.push(str('k8s.node.name', opts.k8sNodeName));
    if (driverVersion) attrs.push(str('nvml.driver.version', driverVersion));
    for (const [k, v] of Object.entries(opts.resourceAttributes)) attrs.push(str(k, v));
    this.resource = { attributes: attrs };
  }

  /** Loads the library, initialises NVML and finds the devices; a reason when it cannot. */
  static open(opts: CollectorOptions): { collector: NvmlCollector } | { reason: string; code?: string } {
    let lib: NvmlLibrary;
    try {
      lib = new NvmlLibrary(opts.libraryPath);
    } catch (e) {
      return { reason: `cannot load ${opts.libraryPath}: ${(e as Error).message}`, code: 'LIBRARY_NOT_FOUND' };
    }
    const ret = lib.init();
    if (ret !== NVML.SUCCESS) {
      return { reason: `nvmlInit failed: ${lib.errorString(ret)} (${codeName(ret)})`, code: codeName(ret) };
    }
    const { ret: cret, count } = lib.deviceCount();
    if (cret !== NVML.SUCCESS) {
      lib.shutdown();
      return { reason: `nvmlDeviceGetCount failed: ${lib.errorString(cret)} (${codeName(cret)})`, code: codeName(cret) };
    }
    if (count === 0) {
      lib.shutdown();
      return { reason: 'NVML found no GPU', code: 'NO_GPU' };
    }
    const c = new NvmlCollector(lib, opts, lib.driverVersion());
    for (let i = 0; i < count; i++) c.attach(i);
    if (opts.eventMask !== 0) c.registerEvents();
    return { collector: c };
  }

  private attach(index: number): void {
    const h = this.lib.handle(index);
    if (h.ret !== NVML.SUCCESS || h.handle === null) {
      this.problems.push({ level: 'warn', msg: `GPU ${index}: no handle: ${codeName(h.ret)}`, device: index, call: 'handle', code: codeName(h.ret) });
      return;
    }
    const uuid = this.lib.uuid(h.handle);
    const name = this.lib.name(h.handle);
    const dev: Device = {
      index,
      handle: h.handle,
      address: NvmlLibrary.handleAddress(h.handle),
      uuid: uuid.ret === NVML.SUCCESS ? uuid.value : `gpu-${index}`,
      name: name.ret === NVML.SUCCESS ? name.value : '',
      attrs: [],
      lost: uuid.ret === NVML.ERROR_GPU_IS_LOST,
      unsupported: new Set(),
      reported: new Set(),
      errors: { xid: 0, corrected: 0, uncorrected: 0 },
    };
    if (uuid.ret !== NVML.SUCCESS) this.failed(dev, 'uuid', uuid.ret);
    dev.attrs = [str('gpu.uuid', dev.uuid), int('gpu.index', index), str('gpu.name', dev.name), str('hw.id', dev.uuid), str('hw.type', 'gpu')];
    this.devices.push(dev);
  }

  private registerEvents(): void {
    if (!this.lib.eventsAvailable) {
      this.problems.push({ level: 'info', msg: 'this NVML has no event API: GPU events are not collected' });
      return;
    }
    const s = this.lib.eventSetCreate();
    if (s.ret !== NVML.SUCCESS) {
      this.problems.push({ level: 'warn', msg: `nvmlEventSetCreate failed: ${codeName(s.ret)}: GPU events are not collected`, call: 'eventSetCreate', code: codeName(s.ret) });
      return;
    }
    this.eventSet = s.set;
    for (const d of this.devices) {
      if (d.lost) continue;
      const sup = this.lib.supportedEvents(d.handle);
      if (sup.ret !== NVML.SUCCESS) {
        this.problems.push({ level: 'info', msg: `GPU ${d.index}: supported event types unknown (${codeName(sup.ret)}): no events from it`, device: d.index, call: 'supported_events', code: codeName(sup.ret) });
        continue;
      }
      const mask = sup.value & this.opts.eventMask;
      if (mask === 0) continue;
      const r = this.lib.registerEvents(d.handle, mask, this.eventSet);
      if (r === NVML.SUCCESS) this.eventDevices.push(d.index);
      else this.problems.push({ level: 'info', msg: `GPU ${d.index}: event registration failed (${codeName(r)}): no events from it`, device: d.index, call: 'register_events', code: codeName(r) });
    }
  }

  get waitsForEvents(): boolean {
    return this.eventSet !== null && this.eventDevices.length > 0;
  }

  /** Whether the call may be made; records unsupported calls and lost GPUs once. */
  private failed(d: Device, call: string, ret: number): void {
    const code = codeName(ret);
    if (ret === NVML.ERROR_NOT_SUPPORTED || ret === NVML.ERROR_FUNCTION_NOT_FOUND) {
      d.unsupported.add(call);
      this.problems.push({ level: 'debug', msg: `GPU ${d.index}: ${call} not supported: not collected`, device: d.index, call, code });
      return;
    }
    if (ret === NVML.ERROR_GPU_IS_LOST) {
      if (!d.lost) {
        d.lost = true;
        this.problems.push({ level: 'error', msg: `GPU ${d.index} (${d.uuid}) is lost`, device: d.index, call, code });
        this.lostRecords.push(d);
      }
      return;
    }
    const key = `${call}:${code}`;
    const first = !d.reported.has(key);
    d.reported.add(key);
    this.problems.push({ level: first ? 'warn' : 'debug', msg: `GPU ${d.index}: ${call} failed: ${this.lib.errorString(ret)} (${code})`, device: d.index, call, code });
  }

  private readonly lostRecords: Device[] = [];

  /** One sample of every device as an ExportMetricsServiceRequest. */
  poll(): Encoded {
    const t = nowNs();
    const start = this.opts.startTimeNs;
    const series = new Map<string, { unit: string; kind: 'gauge' | 'sum' | 'counter'; points: Json[] }>();
    const add = (name: string, unit: string, kind: 'gauge' | 'sum' | 'counter', attrs: Attr[], value: number, asInt: boolean): void => {
      let s = series.get(name);
      if (!s) series.set(name, (s = { unit, kind, points: [] }));
      const p: Json = { attributes: attrs, timeUnixNano: t };
      if (kind !== 'gauge') p['startTimeUnixNano'] = start;
      if (asInt) p['asInt'] = String(Math.round(value));
      else p['asDouble'] = value;
      s.points.push(p);
    };
    const lib = this.lib;
    for (const d of this.devices) {
      const A = d.attrs;
      const ok = (call: string, ret: number): boolean => {
        if (ret === NVML.SUCCESS) return true;
        this.failed(d, call, ret);
        return false;
      };
      const want = (call: string): boolean => !d.lost && !d.unsupported.has(call);
      if (d.lost) {
        // a lost GPU may come back (reset): probe it with one cheap call
        const r = lib.utilization(d.handle);
        if (r.ret === NVML.SUCCESS) {
          d.lost = false;
          this.problems.push({ level: 'info', msg: `GPU ${d.index} (${d.uuid}) answers again`, device: d.index });
        }
      }
      if (want('utilization')) {
        const u = lib.utilization(d.handle);
        if (ok('utilization', u.ret)) {
          add('hw.gpu.utilization', '1', 'gauge', [...A, str('hw.gpu.task', 'general')], u.gpu / 100, false);
          add('nvml.gpu.memory_controller.utilization', '1', 'gauge', A, u.memory / 100, false);
        }
      }
      if (want('memory')) {
        const m = lib.memory(d.handle);
        if (ok('memory', m.ret)) {
          add('hw.gpu.memory.usage', 'By', 'sum', A, m.value.used, true);
          add('hw.gpu.memory.limit', 'By', 'sum', A, m.value.total, true);
          add('nvml.gpu.memory.free', 'By', 'sum', A, m.value.free, true);
          if (m.value.total > 0) add('hw.gpu.memory.utilization', '1', 'gauge', A, m.value.used / m.value.total, false);
        }
      }
      if (want('temperature')) {
        const r = lib.temperature(d.handle);
        if (ok('temperature', r.ret)) add('nvml.gpu.temperature', 'Cel', 'gauge', A, r.value, true);
      }
      if (want('power')) {
        const r = lib.power(d.handle);
        if (ok('power', r.ret)) add('hw.power', 'W', 'gauge', A, r.value / 1000, false);
      }
      if (want('clock')) {
        const sm = lib.clock(d.handle, CLOCK_SM);
        if (ok('clock', sm.ret)) {
          add('nvml.gpu.clock.sm', 'MHz', 'gauge', A, sm.value, true);
          const mem = lib.clock(d.handle, CLOCK_MEM);
          if (ok('clock', mem.ret)) add('nvml.gpu.clock.memory', 'MHz', 'gauge', A, mem.value, true);
        }
      }
      if (want('clocks_event_reasons')) {
        const r = lib.clocksEventReasons(d.handle);
        if (ok('clocks_event_reasons', r.ret)) {
          add('nvml.gpu.clocks_event_reasons', '1', 'gauge', A, r.value, true);
          for (const [bit, reason] of CLOCKS_EVENT_REASONS) add('nvml.gpu.clocks_event.active', '1', 'gauge', [...A, str('nvml.clocks_event.reason', reason)], r.value & bit ? 1 : 0, true);
        }
      }
      if (this.opts.processes && want('processes')) {
        const r = lib.processes(d.handle);
        if (ok('processes', r.ret)) {
          add('nvml.gpu.process.count', '{process}', 'gauge', A, r.value.length, true);
          for (const p of r.value) add('nvml.gpu.process.memory.usage', 'By', 'gauge', [...A, int('process.pid', p.pid)], p.usedGpuMemory, true);
        }
      }
      add('hw.status', '1', 'sum', [...A, str('hw.state', 'ok')], d.lost ? 0 : 1, true);
      add('hw.status', '1', 'sum', [...A, str('hw.state', 'failed')], d.lost ? 1 : 0, true);
      add('hw.errors', '{error}', 'counter', [...A, str('error.type', 'xid')], d.errors.xid, true);
      add('hw.errors', '{error}', 'counter', [...A, str('error.type', 'ecc_corrected')], d.errors.corrected, true);
      add('hw.errors', '{error}', 'counter', [...A, str('error.type', 'ecc_uncorrected')], d.errors.uncorrected, true);
    }
    const metrics: Json[] = [];
    let items = 0;
    for (const [name, s] of series) {
      items += s.points.length;
      const m: Json = { name, unit: s.unit };
      if (s.kind === 'gauge') m['gauge'] = { dataPoints: s.points };
      else m['sum'] = { dataPoints: s.points, aggregationTemporality: 2, isMonotonic: s.kind === 'counter' };
      metrics.push(m);
    }
    return { data: encodeRequest('metrics', { resourceMetrics: [{ resource: this.resource, scopeMetrics: [{ scope: SCOPE, metrics }] }] }), items };
  }

  /** Log records for GPUs found lost since the last call (from polls or events). */
  takeLostRecords(): Json[] {
    const out: Json[] = [];
    for (const d of this.lostRecords.splice(0)) {
      out.push(this.record(d, 'FATAL', 'gpu.lost', `GPU ${d.index} (${d.uuid}) is lost: NVML answers GPU_IS_LOST`, [], nowNs()));
    }
    return out;
  }

  private record(d: Device | undefined, severity: SeverityName, event: string, body: string, extra: Attr[], t: string): Json {
    return {
      timeUnixNano: t,
      observedTimeUnixNano: t,
      severityNumber: SEVERITY[severity],
      severityText: severity,
      eventName: event,
      body: { stringValue: body },
      attributes: [str('event.name', event), ...(d ? d.attrs : []), ...extra],
    };
  }

  /**
   * Waits up to `timeoutMs` for GPU events; returns their log records (with those of GPUs found
   * lost), or none when the wait timed out. After the first event, takes whatever else is
   * already pending without blocking.
   */
  waitEvents(timeoutMs: number): { records: Json[]; kinds: string[]; ret: number } {
    const records: Json[] = this.takeLostRecords();
    const kinds: string[] = [];
    if (!this.waitsForEvents) return { records, kinds, ret: NVML.ERROR_FUNCTION_NOT_FOUND };
    let ret = 0;
    for (let n = 0; n < 256; n++) {
      const r = this.lib.eventWait(this.eventSet, n === 0 ? Math.max(0, Math.floor(timeoutMs)) : 0);
      ret = r.ret;
      if (r.ret !== NVML.SUCCESS || !r.event) break;
      const e = r.event;
      const d = this.devices.find((x) => x.address === e.device);
      const rec = this.eventRecord(d, e.eventType, e.eventData);
      kinds.push(String(rec['eventName']));
      records.push(rec);
    }
    return { records, kinds, ret };
  }

  private eventRecord(d: Device | undefined, type: number, data: number): Json {
    const t = nowNs();
    const where = d ? `GPU ${d.index} (${d.uuid})` : 'a GPU';
    const base = [int('nvml.event.type', type), int('nvml.event.data', data)];
    if (type & EVENT.XID_CRITICAL_ERROR) {
      const info = xidInfo(data);
      if (d) d.errors.xid++;
      return this.record(d, info.severity, 'gpu.xid', `Xid ${data} on ${where}: ${info.description}`, [...base, int('gpu.xid', data), str('gpu.xid.description', info.description)], t);
    }
    if (type & EVENT.DOUBLE_BIT_ECC) {
      if (d) d.errors.uncorrected++;
      return this.record(d, 'ERROR', 'gpu.ecc.double_bit', `double-bit (uncorrectable) ECC error on ${where}`, base, t);
    }
    if (type & EVENT.SINGLE_BIT_ECC) {
      if (d) d.errors.corrected++;
      return this.record(d, 'WARN', 'gpu.ecc.single_bit', `single-bit (corrected) ECC error on ${where}`, base, t);
    }
    if (type & EVENT.GPU_UNAVAILABLE) {
      return this.record(d, 'FATAL', 'gpu.unavailable', `${where} became unavailable`, base, t);
    }
    if (type & EVENT.CLOCK) return this.record(d, 'INFO', 'gpu.clock', `clock change on ${where}`, base, t);
    if (type & EVENT.PSTATE) return this.record(d, 'INFO', 'gpu.pstate', `performance state change on ${where}`, base, t);
    if (type & EVENT.POWER_SOURCE) return this.record(d, 'WARN', 'gpu.power_source', `power source change on ${where}`, base, t);
    return this.record(d, 'INFO', 'gpu.event', `NVML event 0x${type.toString(16)} on ${where}`, base, t);
  }

  encodeLogs(records: Json[]): Encoded {
    return { data: encodeRequest('logs', { resourceLogs: [{ resource: this.resource, scopeLogs: [{ scope: SCOPE, logRecords: records }] }] }), items: records.length };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.eventSet !== null) this.lib.eventSetFree(this.eventSet);
    this.lib.shutdown();
  }
}
