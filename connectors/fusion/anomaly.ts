// Training-signal anomalies: a loss or gradient norm that is NaN/Inf, or above `factor` times
// its moving median, becomes a log record (event.name = training.anomaly).
import { ProtoWriter } from '../../src/otlp/proto-writer.js';
import { walkRequest } from '../../src/otlp/walk.js';
import { decodeUtf8, Reader } from '../../src/otlp/wire.js';
import { anyValue, forEachAttribute, writeDoubleAttr, writeIntAttr, writeStringAttr } from '../../src/otlp/attributes.js';
import { scanResource } from './span-scan.js';

export interface Anomaly {
  metric: string;
  value: number;
  median: number;
  step: number | undefined;
  service: string;
  timeNs: bigint;
  traceId: Uint8Array | undefined;
  spanId: Uint8Array | undefined;
  resource: Uint8Array;
  reason: 'not_finite' | 'spike';
}

export class AnomalyDetector {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly names: readonly string[], private readonly factor: number, private readonly window: number) {}

  private watched(name: string): boolean {
    return this.names.some((n) => name === n || name.endsWith(`.${n}`) || name.endsWith(`_${n}`));
  }

  /** Checks every gauge/sum point of a watched metric in ExportMetricsServiceRequest bytes. */
  check(buf: Uint8Array): Anomaly[] {
    const out: Anomaly[] = [];
    walkRequest(
      buf,
      (start, end) => ({ raw: buf.slice(start, end), service: end > start ? scanResource(buf, start, end).service : '' }),
      (start, end, ctx) => this.metric(buf, start, end, ctx.resource.raw, ctx.resource.service, out),
    );
    return out;
  }

  private metric(buf: Uint8Array, start: number, end: number, resource: Uint8Array, service: string, out: Anomaly[]): void {
    let name = '';
    const lists: [number, number][] = [];
    const r = new Reader(buf, start, end);
    while (r.more()) {
      r.tag();
      if (r.field === 1 && r.wt === 2) {
        r.lenBounds();
        name = decodeUtf8(buf, r.start, r.stop);
      } else if ((r.field === 5 || r.field === 7) && r.wt === 2) {
        r.lenBounds();
        lists.push([r.start, r.stop]);
      } else r.skip();
    }
    if (!this.watched(name)) return;
    for (const [ls, le] of lists) {
      const pr = new Reader(buf, ls, le);
      while (pr.more()) {
        pr.tag();
        if (pr.field !== 1 || pr.wt !== 2) {
          pr.skip();
          continue;
        }
        pr.lenBounds();
        const after = pr.pos;
        const dp = new Reader(buf, pr.start, pr.stop);
        let v = NaN;
        let timeNs = 0n;
        while (dp.more()) {
          dp.tag();
          if (dp.field === 3) timeNs = dp.fixed64Big();
          else if (dp.field === 4) v = dp.double();
          else if (dp.field === 6) v = Number(BigInt.asIntN(64, dp.fixed64Big()));
          else dp.skip();
        }
        let step: number | undefined;
        let traceId: Uint8Array | undefined;
        let spanId: Uint8Array | undefined;
        forEachAttribute(buf, pr.start, pr.stop, 7, (key, vs, ve) => {
          if (key === 'step' || key === 'training.step') step = Number(anyValue(buf, vs, ve));
          else if (key === 'trace_id' || key === 'otel.trace_id') {
            const hex = String(anyValue(buf, vs, ve) ?? '');
            if (/^[0-9a-f]{32}$/i.test(hex)) traceId = Buffer.from(hex, 'hex');
          } else if (key === 'span_id' || key === 'otel.span_id') {
            const hex = String(anyValue(buf, vs, ve) ?? '');
            if (/^[0-9a-f]{16}$/i.test(hex)) spanId = Buffer.from(hex, 'hex');
          }
        });
        pr.pos = after;
        const key = `${service}\u0000${name}`;
        let win = this.windows.get(key);
        if (!win) this.windows.set(key, (win = []));
        const median = medianOf(win);
        const base = { metric: name, value: v, median, step, service, timeNs: timeNs || BigInt(Date.now()) * 1_000_000n, traceId, spanId, resource };
        if (!Number.isFinite(v)) {
          out.push({ ...base, reason: 'not_finite' });
          continue; // never let NaN into the window
        }
        if (win.length >= 5 && Math.abs(v) > this.factor * Math.abs(median) && median !== 0) out.push({ ...base, reason: 'spike' });
        win.push(v);
        if (win.length > this.window) win.shift();
      }
    }
  }
}

function medianOf(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The anomalies as one ExportLogsServiceRequest. */
export function encodeAnomalies(list: readonly Anomaly[]): Uint8Array {
  const w = new ProtoWriter(4096);
  for (const a of list) {
    w.tag(1, 2);
    w.fork();
    w.tag(1, 2);
    w.bytes(a.resource);
    w.tag(2, 2);
    w.fork();
    w.tag(1, 2);
    w.fork();
    w.tag(1, 2);
    w.string('ai-trace-collector/fusion');
    w.join();
    w.tag(2, 2);
    w.fork();
    w.tag(1, 1);
    w.fixed64(a.timeNs);
    w.tag(11, 1);
    w.fixed64(BigInt(Date.now()) * 1_000_000n);
    w.tag(2, 0);
    w.varint(13); // WARN
    w.tag(3, 2);
    w.string('WARN');
    w.tag(5, 2);
    w.fork();
    w.tag(1, 2);
    w.string(
      a.reason === 'not_finite'
        ? `training ${a.metric} is ${a.value}${a.step !== undefined ? ` at step ${a.step}` : ''}`
        : `training ${a.metric} ${a.value} is more than ${Math.round(a.value / a.median)}x its moving median ${a.median}${a.step !== undefined ? ` at step ${a.step}` : ''}`,
    );
    w.join();
    writeStringAttr(w, 6, 'event.name', 'training.anomaly');
    writeStringAttr(w, 6, 'training.metric', a.metric);
    writeDoubleAttr(w, 6, 'training.value', a.value);
    if (Number.isFinite(a.median)) writeDoubleAttr(w, 6, 'training.moving_median', a.median);
    writeStringAttr(w, 6, 'training.anomaly.reason', a.reason);
    if (a.step !== undefined && Number.isFinite(a.step)) writeIntAttr(w, 6, 'training.step', a.step);
    if (a.traceId) {
      w.tag(9, 2);
      w.bytes(a.traceId);
    }
    if (a.spanId) {
      w.tag(10, 2);
      w.bytes(a.spanId);
    }
    w.tag(12, 2);
    w.string('training.anomaly');
    w.join();
    w.join();
    w.join();
  }
  return w.finish();
}
