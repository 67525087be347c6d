// Worker-thread metrics: updates are buffered and sent to the main thread in one message
// per interval, where PromMetrics applies them. Counters are summed before sending.
import type { CounterName, GaugeName, HistogramName } from './metrics.js';
import type { Labels, MetricsSink } from './sink.js';

export type MetricOp =
  | { op: 'inc'; name: CounterName; labels: Labels; value: number }
  | { op: 'set'; name: GaugeName; labels: Labels; value: number }
  | { op: 'observe'; name: HistogramName; labels: Labels; values: number[] };

export class ForwardingSink implements MetricsSink {
  private ops = new Map<string, MetricOp>();

  inc(name: CounterName, labels: Labels, value = 1): void {
    const key = `c${name}${JSON.stringify(labels)}`;
    const cur = this.ops.get(key);
    if (cur && cur.op === 'inc') cur.value += value;
    else this.ops.set(key, { op: 'inc', name, labels, value });
  }

  set(name: GaugeName, labels: Labels, value: number): void {
    this.ops.set(`g${name}${JSON.stringify(labels)}`, { op: 'set', name, labels, value });
  }

  observe(name: HistogramName, labels: Labels, value: number): void {
    const key = `h${name}${JSON.stringify(labels)}`;
    const cur = this.ops.get(key);
    if (cur && cur.op === 'observe') cur.values.push(value);
    else this.ops.set(key, { op: 'observe', name, labels, values: [value] });
  }

  /** Takes the pending updates (empty when nothing happened). */
  take(): MetricOp[] {
    if (this.ops.size === 0) return [];
    const out = [...this.ops.values()];
    this.ops = new Map();
    return out;
  }
}

export function applyOps(sink: MetricsSink, ops: readonly MetricOp[]): void {
  for (const o of ops) {
    if (o.op === 'inc') sink.inc(o.name, o.labels, o.value);
    else if (o.op === 'set') sink.set(o.name, o.labels, o.value);
    else for (const v of o.values) sink.observe(o.name, o.labels, v);
  }
}
