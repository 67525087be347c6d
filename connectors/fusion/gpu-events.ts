// What a GPU event means for the request that was running on that GPU. Event kinds are the
// NVML receiver's `event.name` values; XIDs follow NVIDIA's Xid catalogue: `fatal` when the
// catalogue's immediate action is to restart the application or reset/reboot (the work on the
// GPU at that moment failed), informational when it is to ignore or act later. Unknown XIDs are
// informational: an event the policy does not know must not turn requests into errors.

export interface EventPolicy {
  /** the work running on the GPU at that moment failed */
  fatal: boolean;
  meaning: string;
}

const P = (fatal: boolean, meaning: string): EventPolicy => ({ fatal, meaning });

/** XID → policy (NVIDIA Xid catalogue, Ampere and later; abridged to the XIDs seen in fleets). */
export const XID_POLICY: Readonly<Record<number, EventPolicy>> = {
  8: P(true, 'GPU stopped processing (channel idle timeout)'),
  13: P(true, 'Graphics engine exception (illegal address or instruction in the application)'),
  31: P(true, 'GPU memory page fault'),
  32: P(true, 'Invalid or corrupted push buffer stream'),
  38: P(true, 'Driver firmware error'),
  43: P(true, 'GPU stopped processing (channel reset after an application fault)'),
  45: P(false, 'Preemptive cleanup after earlier errors'),
  48: P(true, 'Double-bit (uncorrectable) ECC error'),
  61: P(true, 'Internal micro-controller breakpoint/warning'),
  62: P(true, 'Internal micro-controller halt'),
  63: P(false, 'ECC page retirement or row remapping recorded'),
  64: P(false, 'ECC page retirement or row remapping recording failed (reset when convenient)'),
  68: P(true, 'Video decoder (NVDEC) exception'),
  69: P(true, 'Graphics engine class error'),
  74: P(true, 'NVLink error'),
  79: P(true, 'GPU has fallen off the bus'),
  92: P(false, 'High single-bit ECC error rate'),
  94: P(true, 'Contained ECC error (the affected application was stopped)'),
  95: P(true, 'Uncontained ECC error (every application on the GPU is affected)'),
  109: P(true, 'Context switch timeout'),
  119: P(true, 'GSP RPC timeout'),
  120: P(true, 'GSP error'),
  121: P(false, 'C2C link corrected error'),
  140: P(true, 'Unrecovered ECC error'),
  154: P(false, 'GPU recovery action changed'),
};

export function xidPolicy(xid: number): EventPolicy {
  return XID_POLICY[xid] ?? P(false, `XID ${xid} (not in the policy table: see NVIDIA's Xid catalogue)`);
}

/** Event kinds (the NVML receiver's `event.name`) other than XIDs. */
export const EVENT_KINDS: Readonly<Record<string, EventPolicy>> = {
  'gpu.ecc.double_bit': P(true, 'Double-bit (uncorrectable) ECC error'),
  'gpu.ecc.single_bit': P(false, 'Single-bit (corrected) ECC error'),
  'gpu.lost': P(true, 'GPU is lost (NVML answers GPU_IS_LOST)'),
  'gpu.unavailable': P(true, 'GPU became unavailable'),
  'gpu.clock': P(false, 'Clock change'),
  'gpu.pstate': P(false, 'Performance state change'),
  'gpu.power_source': P(false, 'Power source change'),
  'gpu.event': P(false, 'Other NVML event'),
};

export function isGpuEventKind(kind: string): boolean {
  return kind === 'gpu.xid' || kind in EVENT_KINDS;
}

/** Policy of one event: by XID for `gpu.xid`, by kind otherwise. */
export function eventPolicy(kind: string, xid: number | undefined): EventPolicy {
  if (kind === 'gpu.xid') return xid !== undefined ? xidPolicy(xid) : P(false, 'XID without a number');
  return EVENT_KINDS[kind] ?? P(false, kind);
}
