// Training-signal anomalies: a loss or gradient norm that is NaN/Inf, or above `factor` times
// its moving median, becomes a log record (event.name = training.anomaly).
import { NO } from '../../src/otlp/fields.js';
import { LogsBuilder } from '../../src/otlp/logs-builder.js';
import { walkRequest } from '../../src/otlp/walk.js';
import { DataPointCursor, MetricView } from '../../src/otlp/metric-view.js';
import { anyValue, forEachAttribute } from '../../src/otlp/attributes-reader.js';
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

  private readonly view = new MetricView();
  private readonly points = new DataPointCursor();

  private metric(buf: Uint8Array, start: number, end: number, resource: Uint8Array, service: string, out: Anomaly[]): void {
    const mv = this.view.read(buf, start, end);
    const name = mv.name;
    if (!this.watched(name) || (mv.type !== 'gauge' && mv.type !== 'sum')) return;
    const p = this.points.begin(mv);
    while (p.next()) {
      const v = p.value;
      const timeNs = p.timeNs > 0 ? BigInt(Math.round(p.timeNs / 1000)) * 1000n : 0n;
      let step: number | undefined;
      let traceId: Uint8Array | undefined;
      let spanId: Uint8Array | undefined;
      forEachAttribute(buf, p.start, p.end, NO.NumberDataPoint.attributes, (key, vs, ve) => {
        if (key === 'step' || key === 'training.step') step = Number(anyValue(buf, vs, ve));
        else if (key === 'trace_id' || key === 'otel.trace_id') {
          const hex = String(anyValue(buf, vs, ve) ?? '');
          if (/^[0-9a-f]{32}$/i.test(hex)) traceId = Buffer.from(hex, 'hex');
        } else if (key === 'span_id' || key === 'otel.span_id') {
          const hex = String(anyValue(buf, vs, ve) ?? '');
          if (/^[0-9a-f]{16}$/i.test(hex)) spanId = Buffer.from(hex, 'hex');
        }
      });
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

function medianOf(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The anomalies as one ExportLogsServiceRequest. */
export function encodeAnomalies(list: readonly Anomaly[]): Uint8Array {
  const b = new LogsBuilder(4096);
  for (const a of list) {
    b.beginResource(a.resource);
    b.beginScope('ai-trace-collector/fusion');
    b.beginLogRecord();
    b.time(a.timeNs);
    b.observedTime(BigInt(Date.now()) * 1_000_000n);
    b.severity(13, 'WARN');
    b.bodyString(
      a.reason === 'not_finite'
        ? `training ${a.metric} is ${a.value}${a.step !== undefined ? ` at step ${a.step}` : ''}`
        : `training ${a.metric} ${a.value} is more than ${Math.round(a.value / a.median)}x its moving median ${a.median}${a.step !== undefined ? ` at step ${a.step}` : ''}`,
    );
    b.stringAttr('event.name', 'training.anomaly');
    b.stringAttr('training.metric', a.metric);
    b.doubleAttr('training.value', a.value);
    if (Number.isFinite(a.median)) b.doubleAttr('training.moving_median', a.median);
    b.stringAttr('training.anomaly.reason', a.reason);
    if (a.step !== undefined && Number.isFinite(a.step)) b.intAttr('training.step', a.step);
    if (a.traceId) b.traceId(a.traceId);
    if (a.spanId) b.spanId(a.spanId);
    b.eventName('training.anomaly');
    b.endLogRecord();
    b.endScope();
    b.endResource();
  }
  return b.finish();
}
