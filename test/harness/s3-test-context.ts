// A CreateContext for running an exporter alone in a test: records log lines, readiness
// and metrics so tests can assert on what an operator would see.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { CreateContext } from '../../src/component.js';
import type { Labels, MetricsSink } from '../../src/telemetry/sink.js';

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface RecordingContext {
  ctx: CreateContext;
  logs: LogLine[];
  /** full text of every log line, for "the secret is never logged" checks */
  logText(): string;
  ready: Map<string, { ready: boolean; reason?: string }>;
  /** counter and gauge values by `name{k=v,…}`, histograms as observation counts */
  metric(name: string, labels?: Labels): number;
  metricSum(name: string, match?: Labels): number;
}

const keyOf = (name: string, labels: Labels): string =>
  `${name}{${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',')}}`;

export function recordingContext(id = 's3'): RecordingContext {
  const logs: LogLine[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        raw.push(line);
        logs.push(JSON.parse(line) as LogLine);
      }
      cb();
    },
  });
  const values = new Map<string, { labels: Labels; value: number }>();
  const bump = (name: string, labels: Labels, f: (old: number) => number): void => {
    const k = keyOf(name, labels);
    values.set(k, { labels, value: f(values.get(k)?.value ?? 0) });
  };
  const metrics: MetricsSink = {
    inc: (name, labels, v = 1) => bump(name, labels, (o) => o + v),
    set: (name, labels, v) => bump(name, labels, () => v),
    observe: (name, labels) => bump(name, labels, (o) => o + 1),
  };
  const ready = new Map<string, { ready: boolean; reason?: string }>();
  const ctx: CreateContext = {
    id,
    // sync so that a line is there as soon as the call that logs it returns
    logger: pino({ level: 'debug' }, stream),
    metrics,
    health: { setReady: (cid, r, reason) => ready.set(cid, reason === undefined ? { ready: r } : { ready: r, reason }) },
  };
  return {
    ctx,
    logs,
    logText: () => raw.join('\n'),
    ready,
    metric: (name, labels = {}) => values.get(keyOf(name, labels))?.value ?? 0,
    metricSum: (name, match = {}) => {
      let sum = 0;
      for (const [k, { labels, value }] of values) {
        if (!k.startsWith(`${name}{`)) continue;
        if (Object.entries(match).every(([mk, mv]) => labels[mk] === mv)) sum += value;
      }
      return sum;
    },
  };
}
