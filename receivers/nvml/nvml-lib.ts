// NVML through koffi: loads libnvidia-ml, resolves the versioned symbols the way NVML's own
// bindings do (newest first, then the older name), and wraps each call so it returns the
// nvmlReturn_t and fills a reused buffer. No named koffi types: several instances (one per
// worker thread) may live in one process.
import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';

/**
 * koffi, loaded when a library is first opened, not when this module is imported: every thread
 * imports the component registry (the flush worker, receiver workers), and a native addon
 * loading in a worker that shutdown terminates mid-load is a fatal error of the process (a
 * SIGTERM during start-up did it). Only the NVML receiver's own threads load it now.
 */
let loaded: typeof Koffi | undefined;
function koffiModule(): typeof Koffi {
  return (loaded ??= createRequire(import.meta.url)('koffi') as typeof Koffi);
}

export const NVML = {
  SUCCESS: 0,
  ERROR_UNINITIALIZED: 1,
  ERROR_INVALID_ARGUMENT: 2,
  ERROR_NOT_SUPPORTED: 3,
  ERROR_NO_PERMISSION: 4,
  ERROR_NOT_FOUND: 6,
  ERROR_INSUFFICIENT_SIZE: 7,
  ERROR_DRIVER_NOT_LOADED: 9,
  ERROR_TIMEOUT: 10,
  ERROR_LIBRARY_NOT_FOUND: 12,
  ERROR_FUNCTION_NOT_FOUND: 13,
  ERROR_GPU_IS_LOST: 15,
  ERROR_NO_DATA: 21,
  ERROR_UNKNOWN: 999,
} as const;

const CODE_NAMES: Record<number, string> = {
  0: 'SUCCESS', 1: 'UNINITIALIZED', 2: 'INVALID_ARGUMENT', 3: 'NOT_SUPPORTED', 4: 'NO_PERMISSION',
  5: 'ALREADY_INITIALIZED', 6: 'NOT_FOUND', 7: 'INSUFFICIENT_SIZE', 8: 'INSUFFICIENT_POWER',
  9: 'DRIVER_NOT_LOADED', 10: 'TIMEOUT', 11: 'IRQ_ISSUE', 12: 'LIBRARY_NOT_FOUND', 13: 'FUNCTION_NOT_FOUND',
  14: 'CORRUPTED_INFOROM', 15: 'GPU_IS_LOST', 16: 'RESET_REQUIRED', 17: 'OPERATING_SYSTEM',
  18: 'LIB_RM_VERSION_MISMATCH', 19: 'IN_USE', 20: 'MEMORY', 21: 'NO_DATA', 22: 'VGPU_ECC_NOT_SUPPORTED',
  23: 'INSUFFICIENT_RESOURCES', 24: 'FREQ_NOT_SUPPORTED', 25: 'ARGUMENT_VERSION_MISMATCH', 26: 'DEPRECATED',
  27: 'NOT_READY', 28: 'GPU_NOT_FOUND', 29: 'INVALID_STATE', 999: 'UNKNOWN',
};

export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `ERROR_${code}`;
}

/** Event type masks (nvml.h nvmlEventType*). */
export const EVENT = {
  SINGLE_BIT_ECC: 0x1,
  DOUBLE_BIT_ECC: 0x2,
  PSTATE: 0x4,
  XID_CRITICAL_ERROR: 0x8,
  CLOCK: 0x10,
  POWER_SOURCE: 0x80,
  GPU_UNAVAILABLE: 0x4000,
} as const;

export const CLOCK_GRAPHICS = 0;
export const CLOCK_SM = 1;
export const CLOCK_MEM = 2;

/** nvmlMemory_v2_t: `{uint version; ull total, reserved, free, used}`, 40 bytes. */
const MEMORY_V2_VERSION = 0x02000028;
const PROCESS_INFO_SIZE = 24;
const EVENT_DATA_SIZE = 32;

export interface ProcessInfo {
  pid: number;
  usedGpuMemory: number;
}

export interface EventData {
  /** address of the device handle, to match against `handleAddress` */
  device: bigint;
  eventType: number;
  eventData: number;
}

export interface MemoryInfo {
  total: number;
  free: number;
  used: number;
}

type Fn = (...args: unknown[]) => number;
type Handle = unknown;
type Spec = string | Koffi.TypeObject | ReturnType<typeof Koffi.out>;

/** The symbol that was bound for each call, for diagnostics and tests. */
export type SymbolChoice = Record<string, string | undefined>;

export class NvmlLibrary {
  private readonly lib: Koffi.LibraryHandle;
  readonly symbols: SymbolChoice = {};
  private readonly buf = Buffer.alloc(256);
  private readonly view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private procBuf = Buffer.alloc(PROCESS_INFO_SIZE * 64);
  private readonly handleOut: [Handle | null] = [null];

  private readonly fInit: Fn;
  private readonly fShutdown: Fn;
  private readonly fErrorString: ((code: number) => string) | undefined;
  private readonly fDriverVersion: Fn | undefined;
  private readonly fCount: Fn;
  private readonly fHandle: Fn;
  private readonly fUuid: Fn | undefined;
  private readonly fName: Fn | undefined;
  private readonly fUtil: Fn | undefined;
  private readonly fMem: Fn | undefined;
  private readonly memV2: boolean;
  private readonly fTemp: Fn | undefined;
  private readonly fPower: Fn | undefined;
  private readonly fClock: Fn | undefined;
  private readonly fReasons: Fn | undefined;
  private readonly fProcs: Fn | undefined;
  private readonly fSetCreate: Fn | undefined;
  private readonly fSetFree: Fn | undefined;
  private readonly fSupported: Fn | undefined;
  private readonly fRegister: Fn | undefined;
  private readonly fWait: Fn | undefined;

  /** Throws when the library cannot be loaded or lacks the calls nothing works without. */
  constructor(path: string) {
    const koffi = koffiModule();
    this.lib = koffi.load(path);
    const device = koffi.pointer(koffi.opaque());
    const set = koffi.pointer(koffi.opaque());
    const outPtr = (t: Koffi.TypeObject): Spec => koffi.out(koffi.pointer(t));
    const bind = (key: string, names: string[], result: Spec, args: Spec[]): Fn | undefined => {
      for (const name of names) {
        let fn: Fn | undefined;
        try {
          fn = this.lib.func(name, result, args) as Fn;
        } catch {
          continue; // symbol not exported by this driver: try the older name
        }
        this.symbols[key] = name;
        return fn;
      }
      this.symbols[key] = undefined;
      return undefined;
    };
    const required = (fn: Fn | undefined, what: string): Fn => {
      if (!fn) throw new Error(`${path} does not export ${what}`);
      return fn;
    };
    this.fInit = required(bind('init', ['nvmlInit_v2', 'nvmlInit'], 'int', []), 'nvmlInit_v2 or nvmlInit');
    this.fShutdown = required(bind('shutdown', ['nvmlShutdown'], 'int', []), 'nvmlShutdown');
    this.fErrorString = bind('errorString', ['nvmlErrorString'], 'const char *', ['int']) as ((code: number) => string) | undefined;
    this.fDriverVersion = bind('driverVersion', ['nvmlSystemGetDriverVersion'], 'int', ['void *', 'uint32_t']);
    this.fCount = required(bind('count', ['nvmlDeviceGetCount_v2', 'nvmlDeviceGetCount'], 'int', ['void *']), 'nvmlDeviceGetCount');
    this.fHandle = required(bind('handle', ['nvmlDeviceGetHandleByIndex_v2', 'nvmlDeviceGetHandleByIndex'], 'int', ['uint32_t', outPtr(device)]), 'nvmlDeviceGetHandleByIndex');
    this.fUuid = bind('uuid', ['nvmlDeviceGetUUID'], 'int', [device, 'void *', 'uint32_t']);
    this.fName = bind('name', ['nvmlDeviceGetName'], 'int', [device, 'void *', 'uint32_t']);
    this.fUtil = bind('utilization', ['nvmlDeviceGetUtilizationRates'], 'int', [device, 'void *']);
    const memV2 = bind('memory', ['nvmlDeviceGetMemoryInfo_v2'], 'int', [device, 'void *']);
    this.memV2 = memV2 !== undefined;
    this.fMem = memV2 ?? bind('memory', ['nvmlDeviceGetMemoryInfo'], 'int', [device, 'void *']);
    this.fTemp = bind('temperature', ['nvmlDeviceGetTemperature'], 'int', [device, 'int', 'void *']);
    this.fPower = bind('power', ['nvmlDeviceGetPowerUsage'], 'int', [device, 'void *']);
    this.fClock = bind('clock', ['nvmlDeviceGetClockInfo'], 'int', [device, 'int', 'void *']);
    this.fReasons = bind('clocksEventReasons', ['nvmlDeviceGetCurrentClocksEventReasons', 'nvmlDeviceGetCurrentClocksThrottleReasons'], 'int', [device, 'void *']);
    this.fProcs = bind('processes', ['nvmlDeviceGetComputeRunningProcesses_v3', 'nvmlDeviceGetComputeRunningProcesses_v2'], 'int', [device, 'void *', 'void *']);
    this.fSetCreate = bind('eventSetCreate', ['nvmlEventSetCreate'], 'int', [outPtr(set)]);
    this.fSetFree = bind('eventSetFree', ['nvmlEventSetFree'], 'int', [set]);
    this.fSupported = bind('supportedEvents', ['nvmlDeviceGetSupportedEventTypes'], 'int', [device, 'void *']);
    this.fRegister = bind('registerEvents', ['nvmlDeviceRegisterEvents'], 'int', [device, 'uint64_t', set]);
    this.fWait = bind('eventSetWait', ['nvmlEventSetWait_v2', 'nvmlEventSetWait'], 'int', [set, 'void *', 'uint32_t']);
  }

  get eventsAvailable(): boolean {
    return !!(this.fSetCreate && this.fSupported && this.fRegister && this.fWait);
  }

  init(): number {
    return this.fInit();
  }

  shutdown(): number {
    return this.fShutdown();
  }

  unload(): void {
    this.lib.unload();
  }

  errorString(code: number): string {
    try {
      return this.fErrorString?.(code) ?? codeName(code);
    } catch {
      return codeName(code);
    }
  }

  driverVersion(): string | undefined {
    if (!this.fDriverVersion) return undefined;
    return this.fDriverVersion(this.buf, 80) === NVML.SUCCESS ? cString(this.buf, 80) : undefined;
  }

  deviceCount(): { ret: number; count: number } {
    const ret = this.fCount(this.buf);
    return { ret, count: ret === NVML.SUCCESS ? this.view.getUint32(0, true) : 0 };
  }

  handle(index: number): { ret: number; handle: Handle | null } {
    this.handleOut[0] = null;
    const ret = this.fHandle(index, this.handleOut);
    return { ret, handle: ret === NVML.SUCCESS ? this.handleOut[0] : null };
  }

  static handleAddress(h: Handle): bigint {
    return koffiModule().address(h);
  }

  private str(fn: Fn | undefined, h: Handle): { ret: number; value: string } {
    if (!fn) return { ret: NVML.ERROR_FUNCTION_NOT_FOUND, value: '' };
    const ret = fn(h, this.buf, 96);
    return { ret, value: ret === NVML.SUCCESS ? cString(this.buf, 96) : '' };
  }

  uuid(h: Handle): { ret: number; value: string } {
    return this.str(this.fUuid, h);
  }

  name(h: Handle): { ret: number; value: string } {
    return this.str(this.fName, h);
  }

  utilization(h: Handle): { ret: number; gpu: number; memory: number } {
    if (!this.fUtil) return { ret: NVML.ERROR_FUNCTION_NOT_FOUND, gpu: 0, memory: 0 };
    const ret = this.fUtil(h, this.buf);
    return { ret, gpu: this.view.getUint32(0, true), memory: this.view.getUint32(4, true) };
  }

  memory(h: Handle): { ret: number; value: MemoryInfo } {
    if (!this.fMem) return { ret: NVML.ERROR_FUNCTION_NOT_FOUND, value: { total: 0, free: 0, used: 0 } };
    const v = this.view;
    if (this.memV2) {
      this.buf.fill(0, 0, 40);
      v.setUint32(0, MEMORY_V2_VERSION, true);
      const ret = this.fMem(h, this.buf);
      return { ret, value: { total: u64(v, 8), free: u64(v, 24), used: u64(v, 32) } };
    }
    const ret = this.fMem(h, this.buf);
    return { ret, value: { total: u64(v, 0), free: u64(v, 8), used: u64(v, 16) } };
  }

  temperature(h: Handle): { ret: number; value: number } {
    if (!this.fTemp) return { ret: NVML.ERROR_FUNCTION_NOT_FOUND, value: 0 };
    const ret = this.fTemp(h, 0, this.buf);
    return { ret, value: this.view.getUint32(0, true) };
  }

  /** milliwatts */
  power(h: Handle): { ret: number; value: number } {
    if (!this.fPower) return { ret: NVML.ERROR_FUNCTION_NOT_FOUND, value: 0 };
    const ret = this.fPower(h, this.buf);
    return { ret, value: this.view.getUint32(0, true) };
  }

  clock(h: Handle, type: number): { ret: number; value: number } {
    if (!this.fClock) return { ret: NVML.ERROR_FUNCTION_NOT_FOUND, value: 0 };
    const ret = this.fClock(h, type, this.buf);
    return { ret, value: this.view.getUint32(0, true) };
  }

  clocksEventReasons(h: Handle): { ret: number; value: number } {
    if (!this.fReasons) return { ret: NVML.ERROR_FUNCTION_NOT_FOUND, value: 0 };
    const ret = this.fReasons(h, this.buf);
    return { ret, value: u64(this.view, 0) };
  }

  /** Count first, then fetch with headroom: processes can start between the two calls. */
  processes(h: Handle): { ret: number; value: ProcessInfo[] } {
    if (!this.fProcs) return { ret: NVML.ERROR_FUNCTION_NOT_FOUND, value: [] };
    const v = this.view;
    for (let attempt = 0; attempt < 3; attempt++) {
      const cap = Math.floor(this.procBuf.length / PROCESS_INFO_SIZE);
      v.setUint32(0, cap, true);
      const ret = this.fProcs(h, this.buf, this.procBuf);
      if (ret === NVML.ERROR_INSUFFICIENT_SIZE) {
        const need = v.getUint32(0, true);
        this.procBuf = Buffer.alloc(PROCESS_INFO_SIZE * Math.max(cap * 2, need + 16));
        continue;
      }
      if (ret !== NVML.SUCCESS) return { ret, value: [] };
      const n = Math.min(v.getUint32(0, true), cap);
      const pv = new DataView(this.procBuf.buffer, this.procBuf.byteOffset, this.procBuf.byteLength);
      const out: ProcessInfo[] = [];
      for (let i = 0; i < n; i++) out.push({ pid: pv.getUint32(i * PROCESS_INFO_SIZE, true), usedGpuMemory: u64(pv, i * PROCESS_INFO_SIZE + 8) });
      return { ret, value: out };
    }
    return { ret: NVML.ERROR_INSUFFICIENT_SIZE, value: [] };
  }

  eventSetCreate(): { ret: number; set: Handle | null } {
    if (!this.fSetCreate) return { ret: NVML.ERROR_FUNCTION_NOT_FOUND, set: null };
    const out: [Handle | null] = [null];
    const ret = this.fSetCreate(out);
    return { ret, set: ret === NVML.SUCCESS ? out[0] : null };
  }

  eventSetFree(set: Handle): number {
    return this.fSetFree ? this.fSetFree(set) : NVML.ERROR_FUNCTION_NOT_FOUND;
  }

  supportedEvents(h: Handle): { ret: number; value: number } {
    if (!this.fSupported) return { ret: NVML.ERROR_FUNCTION_NOT_FOUND, value: 0 };
    const ret = this.fSupported(h, this.buf);
    return { ret, value: u64(this.view, 0) };
  }

  registerEvents(h: Handle, mask: number, set: Handle): number {
    return this.fRegister ? this.fRegister(h, BigInt(mask), set) : NVML.ERROR_FUNCTION_NOT_FOUND;
  }

  /** Blocks up to `timeoutMs`. TIMEOUT is the normal answer when nothing happened. */
  eventWait(set: Handle, timeoutMs: number): { ret: number; event: EventData | undefined } {
    if (!this.fWait) return { ret: NVML.ERROR_FUNCTION_NOT_FOUND, event: undefined };
    const b = this.buf;
    b.fill(0, 0, EVENT_DATA_SIZE);
    const ret = this.fWait(set, b, timeoutMs);
    if (ret !== NVML.SUCCESS) return { ret, event: undefined };
    const v = this.view;
    return { ret, event: { device: v.getBigUint64(0, true), eventType: u64(v, 8), eventData: u64(v, 16) } };
  }
}

function u64(v: DataView, off: number): number {
  return Number(v.getBigUint64(off, true));
}

function cString(b: Buffer, max: number): string {
  const end = b.indexOf(0);
  return b.toString('utf8', 0, end < 0 || end > max ? max : end);
}
