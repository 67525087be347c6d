// Groups the spans or log records of a request by trace id, as the Collector's
// batchpersignal.SplitTraces / SplitLogs do, so each trace can go out under its own key.
import { Reader, WT_LEN } from './wire.js';
import type { RequestLayout } from './split-request.js';

/** Field number of the trace id in the item message: Span.trace_id = 1, LogRecord.trace_id = 9. */
export const TRACE_ID_FIELD = { traces: 1, logs: 9 } as const;

/**
 * Item indices per trace id (lowercase hex, as the Collector's TraceIDToHexOrEmptyString;
 * '' for a missing or all-zero id), in order of first appearance; indices ascend in each group.
 */
export function groupByTraceId(L: RequestLayout, signal: keyof typeof TRACE_ID_FIELD): Map<string, number[]> {
  const field = TRACE_ID_FIELD[signal];
  const groups = new Map<string, number[]>();
  const buf = L.buf;
  const hexView = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const r = new Reader(buf);
  for (let k = 0; k < L.itemStart.length; k++) {
    let id = '';
    r.reset(L.itemStart[k]!, L.itemEnd[k]!);
    while (r.more()) {
      r.tag();
      if (r.field === field && r.wt === WT_LEN) {
        r.lenBounds();
        id = isZero(buf, r.start, r.stop) ? '' : hexView.toString('hex', r.start, r.stop);
        // A repeated field would make the last one count (protobuf merge rules): keep scanning.
        continue;
      }
      r.skip();
    }
    let g = groups.get(id);
    if (!g) {
      g = [];
      groups.set(id, g);
    }
    g.push(k);
  }
  return groups;
}

function isZero(buf: Uint8Array, start: number, stop: number): boolean {
  for (let i = start; i < stop; i++) if (buf[i] !== 0) return false;
  return true;
}
