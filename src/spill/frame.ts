// Record framing shared by the spill queue and the ingest write-ahead log:
//   u32 payload length | u32 crc32 of (meta + payload) | 16-byte meta | payload
// meta: u8 signal, u8 flags, u16 tag (free for the owner), u32 items, f64 time (ms)
import * as zlib from 'node:zlib';

export const FRAME_HEADER = 24;
const META_OFFSET = 8;

export interface FrameMeta {
  signal: number;
  flags: number;
  tag: number;
  items: number;
  time: number;
}

export interface Frame extends FrameMeta {
  payload: Uint8Array;
}

// zlib.crc32 exists from Node 20.15 / 22.2; a table fallback keeps older 20.x working.
const nativeCrc = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
let table: Uint32Array | undefined;
export function crc32(data: Uint8Array, value = 0): number {
  if (nativeCrc) return nativeCrc(data, value);
  if (!table) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

export function encodeFrame(f: Frame): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + f.payload.length);
  out.writeUInt32LE(f.payload.length, 0);
  out.writeUInt8(f.signal, META_OFFSET);
  out.writeUInt8(f.flags, META_OFFSET + 1);
  out.writeUInt16LE(f.tag, META_OFFSET + 2);
  out.writeUInt32LE(f.items, META_OFFSET + 4);
  out.writeDoubleLE(f.time, META_OFFSET + 8);
  out.set(f.payload, FRAME_HEADER);
  out.writeUInt32LE(crc32(out.subarray(META_OFFSET)), 4);
  return out;
}

export type DecodeResult = { frame: Frame; size: number } | { torn: true } | { corrupt: string };

/** Decodes the frame at `off`; `torn` when the bytes end mid-frame, `corrupt` on a bad CRC. */
export function decodeFrame(buf: Buffer, off: number, maxPayload: number): DecodeResult {
  if (buf.length - off < FRAME_HEADER) return { torn: true };
  const len = buf.readUInt32LE(off);
  if (len > maxPayload) return { corrupt: `frame length ${len} above the limit` };
  if (buf.length - off < FRAME_HEADER + len) return { torn: true };
  const crc = buf.readUInt32LE(off + 4);
  const body = buf.subarray(off + META_OFFSET, off + FRAME_HEADER + len);
  if (crc32(body) !== crc) return { corrupt: 'checksum mismatch' };
  return {
    frame: {
      signal: buf.readUInt8(off + META_OFFSET),
      flags: buf.readUInt8(off + META_OFFSET + 1),
      tag: buf.readUInt16LE(off + META_OFFSET + 2),
      items: buf.readUInt32LE(off + META_OFFSET + 4),
      time: buf.readDoubleLE(off + META_OFFSET + 8),
      payload: buf.subarray(off + FRAME_HEADER, off + FRAME_HEADER + len),
    },
    size: FRAME_HEADER + len,
  };
}
