// OTLP/HTTP response bodies in the request's content type: Export*ServiceResponse on
// success (with partial_success when items were dropped), google.rpc.Status on errors.
import type { Signal } from '../../src/component.js';
import { encodeMessage } from '../../src/otlp/json-encode.js';
import { REJECTED_FIELD, RESPONSE_MESSAGE } from '../../src/otlp/schema.js';

export type Wire = 'proto' | 'json';

export const CONTENT_TYPE: Record<Wire, string> = { proto: 'application/x-protobuf', json: 'application/json' };


const EMPTY = new Uint8Array(0);
const EMPTY_JSON = Buffer.from('{}');

export function successBody(wire: Wire, signal: Signal, rejected = 0, message = ''): Uint8Array {
  if (rejected === 0) return wire === 'proto' ? EMPTY : EMPTY_JSON;
  const obj = { partialSuccess: { [REJECTED_FIELD[signal]]: String(rejected), errorMessage: message } };
  return wire === 'proto' ? encodeMessage(RESPONSE_MESSAGE[signal], obj) : Buffer.from(JSON.stringify(obj));
}

export function statusBody(wire: Wire, code: number, message: string): Uint8Array {
  return wire === 'proto' ? encodeMessage('Status_rpc', { code, message }) : Buffer.from(JSON.stringify({ code, message }));
}
