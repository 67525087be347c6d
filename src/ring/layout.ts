// Memory layout of the ring's SharedArrayBuffer.
//
// [0, CONTROL_BYTES)        control words (Int32), each on its own 64-byte line
// [CONTROL_BYTES, +capacity) records, each 8-byte aligned:
//   +0  int32  commit word: 0 = not yet committed, n > 0 = payload length + 1, -1 = padding to the end
//   +4  int32  meta: signal (bits 0-7) | source (bits 8-23) | flags (bits 24-31)
//   +8  int32  items (spans, log records, points)
//   +12 int32  aux: the write-ahead log segment holding the record (durable mode), else 0
//   +16 f64    receive time, ms since the epoch
//   +24 payload

export const CONTROL_BYTES = 256;
/** Int32 indices of control words. Positions are uint32 byte counters that wrap at 2^32. */
export const HEAD = 0; // next byte producers will claim
export const TAIL = 16; // next byte the consumer will read
export const RELEASES = 48; // bumped after the consumer frees space; blocked producers wait on it
export const CONSUMER_WAITING = 40; // while the consumer sleeps: the used bytes it waits for (≥ 1), else 0
export const WAKES = 44; // bumped by whoever wakes the consumer; the consumer waits on it
export const PRODUCERS_WAITING = 56; // producers sleeping for space: the consumer notifies only then
export const CONSUMER_BEAT = 24; // bumped by the consumer's thread while its loop is alive (/healthz)

export const HEADER_BYTES = 24;
export const PADDING = -1;

export const align8 = (n: number): number => (n + 7) & ~7;

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}
