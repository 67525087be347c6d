// Reading what an OTLP server answers: partial success in Export*ServiceResponse, the message
// of a google.rpc.Status, RetryInfo in gRPC status details, and HTTP Retry-After.
import type { Signal } from '../../src/component.js';
import { decodeMessage } from '../../src/otlp/index.js';
import { REJECTED_FIELD, RESPONSE_MESSAGE } from '../../src/otlp/schema.js';
import { retryInfoDelayMs } from '../../src/otlp/rpc-status.js';

export interface PartialSuccess {
  rejected: number;
  message: string;
}

/** partial_success of a 200 / OK answer; undefined when nothing was rejected and no message. */
export function partialSuccess(signal: Signal, body: Uint8Array): PartialSuccess | undefined {
  if (body.length === 0) return undefined;
  let json;
  try {
    json = decodeMessage(RESPONSE_MESSAGE[signal], body);
  } catch {
    return undefined; // a server that answers 200 with something else still took the data
  }
  const ps = json['partialSuccess'] as Record<string, unknown> | undefined;
  if (!ps) return undefined;
  const rejected = Number(ps[REJECTED_FIELD[signal]] ?? 0);
  const message = String(ps['errorMessage'] ?? '');
  if (rejected === 0 && message === '') return undefined;
  return { rejected: Number.isFinite(rejected) ? rejected : 0, message };
}

/** The message of a google.rpc.Status body (protobuf or JSON), else a short text of the body. */
export function statusMessage(body: Uint8Array, contentType: string | undefined): string {
  if (body.length === 0) return '';
  if ((contentType ?? '').includes('json')) {
    try {
      const j = JSON.parse(Buffer.from(body).toString('utf8')) as { message?: unknown };
      if (typeof j.message === 'string') return j.message;
    } catch {
      // not JSON after all
    }
  } else if ((contentType ?? '').includes('protobuf')) {
    try {
      const j = decodeMessage('Status_rpc', body);
      if (typeof j['message'] === 'string') return j['message'];
    } catch {
      // not a Status
    }
  }
  return Buffer.from(body.subarray(0, 200)).toString('utf8').replace(/\s+/g, ' ').trim();
}

/**
 * Retry-After as milliseconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * undefined when absent or unreadable; capped at 5 minutes so a bad header cannot stall us.
 */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || v.trim() === '') return undefined;
  const MAX = 300_000;
  if (/^\d+$/.test(v.trim())) return Math.min(MAX, Number(v.trim()) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.min(MAX, Math.max(0, t - now));
}

/** google.rpc.RetryInfo.retry_delay from `grpc-status-details-bin` (a google.rpc.Status), in ms. */
export function grpcRetryDelayMs(statusDetails: Uint8Array | undefined): number | undefined {
  return retryInfoDelayMs(statusDetails);
}
