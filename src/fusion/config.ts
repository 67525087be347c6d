// `processors.fusion`: the join window, its bounds, and where GPU data and anomalies come from.
import type { ConfigErrors } from '../config/errors.js';
import { Fields } from '../config/fields.js';
import type { LogEventPolicy } from './log-filter.js';

export interface FusionConfig {
  /** hold a trace this long after its last span arrived */
  decisionWaitMs: number;
  /** once the root span has ended, wait only this long for stragglers */
  rootWaitMs: number;
  maxTraces: number;
  maxBytes: number;
  /** keep GPU samples and events this long (must cover decision_wait plus span durations) */
  gpuRetentionMs: number;
  /** remember emitted traces this long, to send late logs as follow-up fragments */
  lateWindowMs: number;
  /** a trace whose root span has not arrived is held at least this long after its first span */
  rootlessWaitMs: number;
  /** logs that arrive before any span of their trace wait this long for the spans */
  logWaitMs: number;
  /** bounds on logs waiting for their spans (beyond them the oldest expire, counted) */
  maxWaitingLogs: number;
  maxWaitingLogBytes: number;
  /** what a log record brings to its `log` span event */
  logEvents: LogEventPolicy;
  anomaly: { enabled: boolean; factor: number; window: number; metrics: string[] };
  /** one JSON document per fused trace: to a directory, a Kafka topic and/or an S3 prefix */
  fusedOutput: FusedOutputConfig;
}

export interface FusedOutputConfig {
  directory: string;
  kafka: { brokers: string[]; topic: string; compression: 'zstd' | 'gzip' | 'snappy' | 'none' } | undefined;
  s3: { bucket: string; prefix: string; region: string | undefined; endpoint: string | undefined; forcePathStyle: boolean } | undefined;
}

export function createDefaultConfig(): FusionConfig {
  return {
    decisionWaitMs: 5000,
    rootWaitMs: 1000,
    maxTraces: 100_000,
    maxBytes: 256 * 1024 * 1024,
    gpuRetentionMs: 10 * 60_000,
    lateWindowMs: 60_000,
    rootlessWaitMs: 30_000,
    logWaitMs: 30_000,
    maxWaitingLogs: 100_000,
    maxWaitingLogBytes: 64 * 1024 * 1024,
    logEvents: { maxBodyBytes: 4096, include: [], exclude: ['log.file.path', 'log.file.name', 'log.iostream', 'pid', 'hostname'] },
    anomaly: { enabled: true, factor: 10, window: 50, metrics: ['loss', 'grad_norm'] },
    fusedOutput: { directory: '', kafka: undefined, s3: undefined },
  };
}

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): FusionConfig {
  const d = createDefaultConfig();
  const f = new Fields(raw, path, errors, [
    'decision_wait', 'root_wait', 'rootless_wait', 'max_traces', 'max_bytes', 'gpu_retention', 'late_window',
    'log_wait', 'max_waiting_logs', 'max_waiting_log_bytes', 'log_events', 'anomaly', 'fused_output',
  ]);
  const le = f.sub('log_events', ['max_body_size', 'include_attributes', 'exclude_attributes']);
  const a = f.sub('anomaly', ['enabled', 'factor', 'window', 'metrics']);
  const o = f.sub('fused_output', ['directory', 'kafka', 's3']);
  const ok = o.has('kafka') ? o.sub('kafka', ['brokers', 'topic', 'compression']) : undefined;
  const os3 = o.has('s3') ? o.sub('s3', ['bucket', 'prefix', 'region', 'endpoint', 'force_path_style']) : undefined;
  const cfg: FusionConfig = {
    decisionWaitMs: f.duration('decision_wait', d.decisionWaitMs, { min: 1 }),
    rootWaitMs: f.duration('root_wait', d.rootWaitMs, { min: 0 }),
    maxTraces: f.number('max_traces', d.maxTraces, { min: 1, integer: true }),
    maxBytes: f.bytes('max_bytes', d.maxBytes, { min: 1024 * 1024 }),
    gpuRetentionMs: f.duration('gpu_retention', d.gpuRetentionMs, { min: 1000 }),
    lateWindowMs: f.duration('late_window', d.lateWindowMs, { min: 0 }),
    rootlessWaitMs: f.duration('rootless_wait', d.rootlessWaitMs, { min: 0 }),
    logWaitMs: f.duration('log_wait', d.logWaitMs, { min: 0 }),
    maxWaitingLogs: f.number('max_waiting_logs', d.maxWaitingLogs, { min: 0, integer: true }),
    maxWaitingLogBytes: f.bytes('max_waiting_log_bytes', d.maxWaitingLogBytes, { min: 0 }),
    logEvents: {
      maxBodyBytes: le.bytes('max_body_size', d.logEvents.maxBodyBytes, { min: 16 }),
      include: le.stringList('include_attributes', d.logEvents.include),
      exclude: le.stringList('exclude_attributes', d.logEvents.exclude),
    },
    anomaly: {
      enabled: a.bool('enabled', d.anomaly.enabled),
      factor: a.number('factor', d.anomaly.factor, { min: 1 }),
      window: a.number('window', d.anomaly.window, { min: 3, integer: true }),
      metrics: a.stringList('metrics', d.anomaly.metrics),
    },
    fusedOutput: {
      directory: o.string('directory', d.fusedOutput.directory),
      kafka: ok
        ? {
            brokers: ok.stringList('brokers', [], { nonEmpty: true }),
            topic: ok.string('topic', 'fused', { nonEmpty: true }),
            compression: ok.enum('compression', ['zstd', 'gzip', 'snappy', 'none'] as const, 'zstd'),
          }
        : undefined,
      s3: os3
        ? {
            bucket: os3.string('bucket', '', { nonEmpty: true }),
            prefix: os3.string('prefix', 'fused'),
            region: os3.optionalString('region'),
            endpoint: os3.optionalString('endpoint'),
            forcePathStyle: os3.bool('force_path_style', false),
          }
        : undefined,
    },
  };
  if (ok && !ok.has('brokers')) ok.fail('brokers', 'must list at least one broker');
  if (os3 && !os3.has('bucket')) os3.fail('bucket', 'is required');
  cfg.fusedOutput.kafka?.brokers.forEach((b, i) => {
    if (!/^[^:\s]+:\d{1,5}$/.test(b)) ok!.errors.add(`${ok!.at('brokers')}[${i}]`, `not a host:port, got "${b}"`);
  });
  if (cfg.rootWaitMs > cfg.decisionWaitMs) f.fail('root_wait', 'must not exceed decision_wait');
  return cfg;
}
