// The one interface components record self-metrics through, on any thread.
import type { CounterName, GaugeName, HistogramName } from './metrics.js';

export type Labels = Readonly<Record<string, string>>;

export interface MetricsSink {
  inc(name: CounterName, labels: Labels, value?: number): void;
  set(name: GaugeName, labels: Labels, value: number): void;
  observe(name: HistogramName, labels: Labels, value: number): void;
}

/** For tests and tools that run components without telemetry. */
export const NOOP_METRICS: MetricsSink = {
  inc() {},
  set() {},
  observe() {},
};
