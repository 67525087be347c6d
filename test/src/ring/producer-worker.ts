// A ring producer in a worker thread, for the race tests: writes `count` records of random
// sizes whose bytes encode (producer, sequence), waiting for space whenever the ring is full.
import { parentPort, workerData } from 'node:worker_threads';
import { Ring } from '../../../src/ring/ring.js';

const { sab, id, count, maxSize, seed } = workerData as { sab: SharedArrayBuffer; id: number; count: number; maxSize: number; seed: number };
const ring = new Ring(sab);
let state = seed >>> 0 || 1;
const rand = (): number => {
  // xorshift32: reproducible sizes per producer
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 0x100000000;
};

export function fillRecord(buf: Uint8Array, producer: number, seq: number): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length >= 8) {
    dv.setUint32(0, producer, true);
    dv.setUint32(4, seq, true);
  }
  for (let i = 8; i < buf.length; i++) buf[i] = (seq + i) & 0xff;
}

async function main(): Promise<void> {
  let fulls = 0;
  for (let seq = 0; seq < count; seq++) {
    const size = 8 + Math.floor(rand() * (maxSize - 8));
    const buf = new Uint8Array(size);
    fillRecord(buf, id, seq);
    while (ring.write(1 + (seq % 3), id, size, buf) !== 'ok') {
      fulls++;
      await ring.waitForSpace(50);
    }
  }
  parentPort!.postMessage({ done: true, fulls });
}

void main();
