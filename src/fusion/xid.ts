// Meanings of common NVIDIA XID errors (NVIDIA's XID catalogue, abridged).
const XID: Record<number, string> = {
  8: 'GPU stopped processing (timeout)',
  13: 'Graphics engine exception',
  31: 'GPU memory page fault',
  32: 'Invalid or corrupted push buffer stream',
  38: 'Driver firmware error',
  43: 'GPU stopped processing',
  45: 'Preemptive cleanup, due to previous errors',
  48: 'Double bit ECC error',
  61: 'Internal micro-controller breakpoint/warning',
  62: 'Internal micro-controller halt',
  63: 'ECC page retirement or row remapping recording event',
  64: 'ECC page retirement or row remapper recording failure',
  68: 'NVDEC0 exception',
  69: 'Graphics engine class error',
  74: 'NVLink error',
  79: 'GPU has fallen off the bus',
  92: 'High single-bit ECC error rate',
  94: 'Contained ECC error',
  95: 'Uncontained ECC error',
  109: 'Context switch timeout error',
  119: 'GSP RPC timeout',
  120: 'GSP error',
  121: 'C2C link error',
  140: 'Unrecovered ECC error',
};

export function xidMeaning(xid: number): string {
  return XID[xid] ?? 'unknown XID (see NVIDIA XID catalogue)';
}
