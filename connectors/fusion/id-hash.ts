// The hash both trace-id tables use: murmur3's 32-bit mixing over an id's four words, seeded
// per table so that ids a client chooses cannot be aimed at one probe run.
import { randomBytes } from 'node:crypto';

/** four bytes as a signed 32-bit integer (little-endian), as an Int32Array stores them */
export function word(buf: Uint8Array, at: number): number {
  return buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24);
}

/** four characters of a latin1 string, as `word` reads four bytes */
export function charWord(s: string, at: number): number {
  return s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24);
}

export function randomSeed(): number {
  return randomBytes(4).readInt32LE(0);
}

export function hashWords(seed: number, k0: number, k1: number, k2: number, k3: number): number {
  let h = seed ^ Math.imul(k0, 0xcc9e2d51);
  h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  h ^= Math.imul(k1, 0xcc9e2d51);
  h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  h ^= Math.imul(k2, 0xcc9e2d51);
  h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  h ^= Math.imul(k3, 0xcc9e2d51);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** the first slot a hash probes: the hash scaled to the capacity (any capacity, not only powers of two) */
export function startSlot(h: number, capacity: number): number {
  return Math.min(capacity - 1, Math.floor(((h >>> 0) * capacity) / 4294967296));
}
