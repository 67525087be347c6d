// Meaning and severity of common Xid numbers (NVIDIA "Xid Errors" documentation and Xid
// catalog). Severities are OpenTelemetry severity numbers: what an operator should do.

export const SEVERITY = { INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 } as const;
export type SeverityName = keyof typeof SEVERITY;

export interface XidInfo {
  description: string;
  severity: SeverityName;
}

const X = (description: string, severity: SeverityName): XidInfo => ({ description, severity });

export const XID_TABLE: Readonly<Record<number, XidInfo>> = {
  8: X('GPU stopped processing (channel idle timeout)', 'ERROR'),
  13: X('Graphics Engine Exception: usually an application error (illegal address, out-of-range access, illegal instruction)', 'ERROR'),
  31: X('GPU memory page fault: the application accessed an illegal address', 'ERROR'),
  32: X('Invalid or corrupted push buffer stream', 'ERROR'),
  38: X('Driver firmware error', 'ERROR'),
  43: X('GPU stopped processing: a user application fault, the channel was reset', 'ERROR'),
  45: X('Preemptive cleanup after previous errors (process killed or channel torn down)', 'WARN'),
  48: X('Double Bit ECC Error (uncorrectable memory error)', 'FATAL'),
  61: X('Internal micro-controller breakpoint/warning', 'ERROR'),
  62: X('Internal micro-controller halt: GPU reset required', 'FATAL'),
  63: X('ECC page retirement or row remapping recording event', 'WARN'),
  64: X('ECC page retirement or row remapper recording failure', 'ERROR'),
  68: X('NVDEC0 exception (video decoder)', 'ERROR'),
  69: X('Graphics Engine class error', 'ERROR'),
  74: X('NVLink error', 'ERROR'),
  79: X('GPU has fallen off the bus', 'FATAL'),
  92: X('High single-bit ECC error rate', 'WARN'),
  94: X('Contained ECC error: the affected application was stopped', 'ERROR'),
  95: X('Uncontained ECC error: every application on the GPU is affected, GPU reset required', 'FATAL'),
  109: X('Context switch timeout error', 'ERROR'),
  119: X('GSP RPC timeout (GPU System Processor firmware)', 'ERROR'),
  120: X('GSP error (GPU System Processor firmware)', 'ERROR'),
};

export function xidInfo(xid: number): XidInfo {
  return XID_TABLE[xid] ?? X(`Xid ${xid}: see the NVIDIA Xid catalog`, 'ERROR');
}
