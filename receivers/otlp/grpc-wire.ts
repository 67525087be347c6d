// The parts of gRPC over HTTP/2 (grpc/grpc doc/PROTOCOL-HTTP2.md) that are not HTTP/2 itself:
// the 5-byte message prefix, grpc-timeout, grpc-message percent-encoding, binary metadata.
import { GRPC } from '../../src/errors/refusals.js';

/** compressed flag (1 byte) + message length (4 bytes, big-endian) */
export const PREFIX_BYTES = 5;

/** `atc_receiver_requests_total{status}` names a gRPC status as grpc-js's `status` enum did. */
const STATUS_NAMES = new Map<number, string>([[0, 'OK'], [1, 'CANCELLED'], ...Object.entries(GRPC).map(([k, v]) => [v, k] as [number, string])]);
export const CANCELLED = 1;
export const statusName = (code: number): string => STATUS_NAMES.get(code) ?? String(code);

/** content-type application/grpc or application/grpc+proto (parameters allowed); other codecs are not served */
export function isGrpcProto(contentType: string | undefined): boolean {
  if (contentType === undefined || !contentType.startsWith('application/grpc')) return false;
  const rest = contentType.length === 16 ? '' : contentType.slice(16).split(';')[0]!.trim();
  return rest === '' || rest === '+proto';
}

const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** grpc-timeout ("1-8 digits + unit") in ms; undefined when absent or malformed (then no deadline, as grpc-js does) */
export function parseTimeout(v: string | undefined): number | undefined {
  if (v === undefined || v.length < 2 || v.length > 9) return undefined;
  const unit = TIMEOUT_UNIT_MS[v[v.length - 1]!];
  const n = Number(v.slice(0, -1));
  if (unit === undefined || !Number.isInteger(n) || n < 0) return undefined;
  return n * unit;
}

const NEEDS_ENCODING = /[^\x20-\x24\x26-\x7e]/;

/** grpc-message: UTF-8 bytes outside printable ASCII, and '%', as %XX */
export function percentEncode(message: string): string {
  if (!NEEDS_ENCODING.test(message)) return message;
  let out = '';
  for (const b of Buffer.from(message, 'utf8')) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** `-bin` metadata: base64, unpadded as the spec asks of senders */
export const binaryHeader = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64').replace(/=+$/, '');

/** one length-prefixed, uncompressed message */
export function frameMessage(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_BYTES + body.length);
  out[0] = 0;
  out.writeUInt32BE(body.length, 1);
  out.set(body, PREFIX_BYTES);
  return out;
}
