// google.rpc.Status carrying a google.rpc.RetryInfo detail (gRPC's `grpc-status-details-bin`):
// written by the OTLP/gRPC receiver when it refuses with a retry hint, read by the OTLP exporter.
import { KEY, NO } from './fields.js';
import { ProtoWriter } from './proto-writer.js';
import { Reader } from './wire.js';

export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';
const MAX_DELAY_MS = 300_000;

/** google.rpc.Status{code, message, details: [Any{RetryInfo{retry_delay}}]} bytes. */
export function encodeRetryInfoStatus(code: number, message: string, retryAfterMs: number): Uint8Array {
  const w = new ProtoWriter(128);
  w.key(KEY.Status_rpc.code);
  w.varint(code);
  w.key(KEY.Status_rpc.message);
  w.string(message);
  w.key(KEY.Status_rpc.details);
  w.fork();
  w.key(KEY.Any.typeUrl);
  w.string(RETRY_INFO_TYPE_URL);
  w.key(KEY.Any.value);
  w.fork();
  w.key(KEY.RetryInfo.retryDelay);
  w.fork();
  const s = Math.floor(retryAfterMs / 1000);
  const nanos = (retryAfterMs % 1000) * 1e6;
  if (s > 0) {
    w.key(KEY.Duration.seconds);
    w.varint(s);
  }
  if (nanos > 0) {
    w.key(KEY.Duration.nanos);
    w.varint(nanos);
  }
  w.join();
  w.join();
  w.join();
  return w.finish();
}

/** RetryInfo.retry_delay of a google.rpc.Status's details, in ms (capped at 5 minutes); undefined when none or malformed. */
export function retryInfoDelayMs(status: Uint8Array | undefined): number | undefined {
  if (!status || status.length === 0) return undefined;
  try {
    const r = new Reader(status);
    while (r.more()) {
      r.tag();
      if (r.field !== NO.Status_rpc.details || r.wt !== 2) {
        r.skip();
        continue;
      }
      r.lenBounds();
      const any = new Reader(status, r.start, r.stop);
      let isRetryInfo = false;
      let vs = -1;
      let ve = -1;
      while (any.more()) {
        any.tag();
        if (any.field === NO.Any.typeUrl && any.wt === 2) {
          any.lenBounds();
          isRetryInfo = Buffer.from(status.buffer, status.byteOffset + any.start, any.stop - any.start).toString('utf8') === RETRY_INFO_TYPE_URL;
        } else if (any.field === NO.Any.value && any.wt === 2) {
          any.lenBounds();
          vs = any.start;
          ve = any.stop;
        } else any.skip();
      }
      if (isRetryInfo && vs >= 0) return retryDelay(status, vs, ve);
    }
  } catch {
    // malformed details: no hint
  }
  return undefined;
}

function retryDelay(buf: Uint8Array, start: number, end: number): number | undefined {
  const r = new Reader(buf, start, end);
  while (r.more()) {
    r.tag();
    if (r.field !== NO.RetryInfo.retryDelay || r.wt !== 2) {
      r.skip();
      continue;
    }
    r.lenBounds();
    const d = new Reader(buf, r.start, r.stop);
    let seconds = 0;
    let nanos = 0;
    while (d.more()) {
      d.tag();
      if (d.field === NO.Duration.seconds && d.wt === 0) seconds = d.varint();
      else if (d.field === NO.Duration.nanos && d.wt === 0) nanos = d.varint32();
      else d.skip();
    }
    return Math.min(MAX_DELAY_MS, Math.max(0, seconds * 1000 + Math.round(nanos / 1e6)));
  }
  return undefined;
}
