// RFC 9562 UUIDv7: 48-bit ms timestamp, then random bits; sorts by creation time.
import { randomFillSync } from 'node:crypto';

const rnd = new Uint8Array(10);
let lastMs = 0;
let seq = 0;

export function uuidv7(nowMs: number = Date.now()): string {
  randomFillSync(rnd);
  // Monotonic within one millisecond: a 12-bit counter in rand_a keeps keys ordered.
  if (nowMs <= lastMs) {
    seq = (seq + 1) & 0xfff;
    if (seq === 0) lastMs++;
    nowMs = lastMs;
  } else {
    lastMs = nowMs;
    seq = (rnd[0]! << 4) & 0x7ff;
  }
  const b = new Uint8Array(16);
  let ts = nowMs;
  for (let i = 5; i >= 0; i--) {
    b[i] = ts % 256;
    ts = Math.floor(ts / 256);
  }
  b[6] = 0x70 | ((seq >> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (rnd[2]! & 0x3f);
  for (let i = 9; i < 16; i++) b[i] = rnd[i - 6]!;
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
