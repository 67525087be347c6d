// The GPU metrics fusion reads, by exact name (never by substring: dcgm-exporter has
// DCGM_FI_DEV_MEMORY_TEMP next to DCGM_FI_DEV_GPU_TEMP). Documented in docs/fusion.md.

export type GpuField = 'util' | 'mem' | 'memTotal' | 'memFree' | 'memReserved' | 'power' | 'temp' | 'throttle' | 'xid' | 'processMem';

export interface GpuMetric {
  reads: GpuField;
  /** factor to the unit reported on spans: %, bytes, W, °C; bit masks and XIDs unscaled */
  scale: number;
}

const MIB = 1024 * 1024;

export const GPU_METRICS: ReadonlyMap<string, GpuMetric> = new Map<string, GpuMetric>([
  // our NVML receiver
  ['hw.gpu.utilization', { reads: 'util', scale: 100 }], // ratio 0..1
  ['hw.gpu.memory.usage', { reads: 'mem', scale: 1 }], // By
  ['hw.gpu.memory.limit', { reads: 'memTotal', scale: 1 }], // By
  ['hw.power', { reads: 'power', scale: 1 }], // W (points carry gpu.uuid)
  ['nvml.gpu.temperature', { reads: 'temp', scale: 1 }], // Cel
  ['nvml.gpu.clocks_event_reasons', { reads: 'throttle', scale: 1 }], // bit mask
  ['nvml.gpu.process.memory.usage', { reads: 'processMem', scale: 1 }], // per process.pid
  // NVIDIA dcgm-exporter, scraped by the prometheus receiver
  ['DCGM_FI_DEV_GPU_UTIL', { reads: 'util', scale: 1 }], // %
  ['DCGM_FI_DEV_FB_USED', { reads: 'mem', scale: MIB }], // MiB
  ['DCGM_FI_DEV_FB_FREE', { reads: 'memFree', scale: MIB }],
  ['DCGM_FI_DEV_FB_RESERVED', { reads: 'memReserved', scale: MIB }],
  ['DCGM_FI_DEV_POWER_USAGE', { reads: 'power', scale: 1 }], // W
  ['DCGM_FI_DEV_GPU_TEMP', { reads: 'temp', scale: 1 }], // °C (not DCGM_FI_DEV_MEMORY_TEMP)
  ['DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', { reads: 'throttle', scale: 1 }],
  ['DCGM_FI_DEV_CLOCKS_EVENT_REASONS', { reads: 'throttle', scale: 1 }],
  ['DCGM_FI_DEV_XID_ERRORS', { reads: 'xid', scale: 1 }], // value of the last XID
]);

/** Point attributes that say which GPU and node a sample is about (NVML spelling, then dcgm-exporter's). */
export const GPU_LABELS = {
  uuid: ['gpu.uuid', 'UUID'],
  index: ['gpu.index', 'gpu'],
  name: ['gpu.name', 'modelName'],
  node: ['k8s.node.name', 'host.name', 'Hostname'],
  pid: ['process.pid'],
} as const;

/** Clock-event (throttle) reason bits as NVML defines them. */
export const THROTTLE_BITS: readonly [number, string][] = [
  [0x1, 'gpu_idle'], [0x2, 'applications_clocks_setting'], [0x4, 'sw_power_cap'], [0x8, 'hw_slowdown'],
  [0x10, 'sync_boost'], [0x20, 'sw_thermal_slowdown'], [0x40, 'hw_thermal_slowdown'], [0x80, 'hw_power_brake_slowdown'],
];
