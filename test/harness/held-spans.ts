// Trace requests fusion holds for its whole window: spans of two traces per request, none of
// them a root; span names r<request>-s<k> identify each span in the output.
import { encodeRequest } from '../../src/otlp/index.js';

const T = (i: number): string => i.toString(16).padStart(32, '0');
const S = (i: number): string => i.toString(16).padStart(16, '0');

export function heldSpans(request: number, perRequest: number): Uint8Array {
  return encodeRequest('traces', {
    resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: perRequest }, (_, k) => ({ traceId: T(request * 2 + (k % 2) + 1), spanId: S(k + 2), parentSpanId: S(1), name: `r${request}-s${k}`, startTimeUnixNano: '1', endTimeUnixNano: '2' })) }] }],
  });
}
