// CRC-32C against published vectors (RFC 3720 appendix B.4, the iSCSI test patterns, and the
// catalogue check value of "123456789") and against a bit-at-a-time reference written here
// from the polynomial, for every length around the 8-byte step and every alignment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '../../../src/kafka/crc32c.js';

/** Stored little-endian in the RFC's byte listings: "aa 36 91 8a" is 0x8a9136aa. */
const rfc = (bytes: string): number => Buffer.from(bytes.replace(/ /g, ''), 'hex').readUInt32LE(0);

test('RFC 3720 B.4 test patterns', () => {
  const ascending = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  const descending = Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i));
  assert.equal(crc32c(Buffer.alloc(32, 0)), rfc('aa 36 91 8a'));
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), rfc('43 ab a8 62'));
  assert.equal(crc32c(ascending), rfc('4e 79 dd 46'));
  assert.equal(crc32c(descending), rfc('5c db 3f 11'));
  // the iSCSI SCSI Read (10) command PDU of B.4
  const pdu = Buffer.from(
    '01c00000000000000000000000000000' + '14000000000004000000001400000018' + '28000000000000000200000000000000',
    'hex',
  );
  assert.equal(crc32c(pdu), rfc('56 3a 96 d9'));
});

test('check value of "123456789" and the empty input', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

function reference(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of b) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('every length 0–100 at every offset 0–7 agrees with a bitwise reference, and continues across pieces', () => {
  const src = new Uint8Array(200);
  let x = 0x12345678;
  for (let i = 0; i < src.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    src[i] = x >>> 24;
  }
  for (let off = 0; off < 8; off++) {
    for (let len = 0; len <= 100; len++) {
      const b = src.subarray(off, off + len);
      const want = reference(b);
      assert.equal(crc32c(b), want, `offset ${off} length ${len}`);
      const cut = len >> 1;
      assert.equal(crc32c(b.subarray(cut), crc32c(b.subarray(0, cut))), want, `offset ${off} length ${len} in two pieces`);
    }
  }
});
