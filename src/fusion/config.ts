// `processors.fusion`: the join window, its bounds, and where GPU data and anomalies come from.
import type { ConfigErrors } from '../config/errors.js';
import { fieldTable } from '../config/field-table.js';
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

const d = createDefaultConfig();

export const FUSION_FIELDS = fieldTable({
  decision_wait: { type: 'duration', default: d.decisionWaitMs, min: 1, doc: 'Hold a trace this long after its last span arrived.' },
  root_wait: { type: 'duration', default: d.rootWaitMs, min: 0, doc: 'Once the root span has ended, wait only this long for stragglers; not above decision_wait.' },
  max_traces: { type: 'integer', default: d.maxTraces, min: 1, doc: 'Traces held at most; beyond, the oldest go out early (counted, never dropped).' },
  max_bytes: { type: 'bytes', default: d.maxBytes, min: 1024 * 1024, doc: 'Bytes held at most; beyond, the oldest traces go out early.' },
  gpu_retention: { type: 'duration', default: d.gpuRetentionMs, min: 1000, doc: 'Keep GPU samples and events this long (must cover decision_wait plus span durations).' },
  late_window: { type: 'duration', default: d.lateWindowMs, min: 0, doc: 'Remember emitted traces this long, to send late logs as follow-up fragments.' },
  rootless_wait: { type: 'duration', default: d.rootlessWaitMs, min: 0, doc: 'A trace whose root span has not arrived is held at least this long after its first span.' },
  log_wait: { type: 'duration', default: d.logWaitMs, min: 0, doc: 'Logs that arrive before any span of their trace wait this long for the spans.' },
  max_waiting_logs: { type: 'integer', default: d.maxWaitingLogs, min: 0, doc: 'Logs waiting for their spans at most; beyond, the oldest expire (counted).' },
  max_waiting_log_bytes: { type: 'bytes', default: d.maxWaitingLogBytes, min: 0, doc: 'Bytes of logs waiting for their spans at most; beyond, the oldest expire (counted).' },
  log_events: {
    type: 'section',
    doc: 'What a log record brings to its `log` span event.',
    fields: {
      max_body_size: { type: 'bytes', default: d.logEvents.maxBodyBytes, min: 16, doc: 'Longest log body copied into the event; longer ones are cut.' },
      include_attributes: { type: 'strings', default: d.logEvents.include, doc: 'Log attributes copied into the event; empty: all but exclude_attributes.' },
      exclude_attributes: { type: 'strings', default: d.logEvents.exclude, doc: 'Log attributes never copied into the event.' },
    },
  },
  anomaly: {
    type: 'section',
    doc: 'Flags training steps whose metrics jump.',
    fields: {
      enabled: { type: 'bool', default: d.anomaly.enabled, doc: 'Detect anomalies.' },
      factor: { type: 'number', default: d.anomaly.factor, min: 1, doc: 'A value above this many times the moving median of the last window values is an anomaly.' },
      window: { type: 'integer', default: d.anomaly.window, min: 3, doc: 'Recent values the median is taken over.' },
      metrics: { type: 'strings', default: d.anomaly.metrics, doc: 'Training metrics watched (any name ending in them): a NaN/Inf value or one above factor × the moving median emits an anomaly record.' },
    },
  },
  fused_output: {
    type: 'section',
    doc: 'One JSON document per fused trace: to a directory, a Kafka topic and/or an S3 prefix.',
    fields: {
      directory: { type: 'string', default: '', doc: 'Directory the documents are written to; empty: none.' },
      kafka: {
        type: 'section',
        doc: 'Kafka topic the documents are produced to.',
        fields: {
          brokers: { type: 'strings', nonEmpty: true, doc: 'Brokers, host:port.' },
          topic: { type: 'string', default: 'fused', nonEmpty: true, doc: 'Topic.' },
          compression: { type: 'enum', values: ['zstd', 'gzip', 'snappy', 'none'], default: 'zstd', doc: 'Record batch compression.' },
        },
      },
      s3: {
        type: 'section',
        doc: 'S3 prefix the documents are written under.',
        fields: {
          bucket: { type: 'string', required: true, default: '', doc: 'Bucket.' },
          prefix: { type: 'string', default: 'fused', doc: 'Key prefix.' },
          region: { type: 'string', doc: 'Region; unset: the SDK\'s default chain.' },
          endpoint: { type: 'string', doc: 'S3-compatible endpoint URL; unset: AWS.' },
          force_path_style: { type: 'bool', default: false, doc: 'Path-style URLs, as most S3-compatible stores need.' },
        },
      },
    },
  },
});

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): FusionConfig {
  const f = new Fields(raw, path, errors, FUSION_FIELDS);
  const le = f.sub('log_events');
  const a = f.sub('anomaly');
  const o = f.sub('fused_output');
  const ok = o.has('kafka') ? o.sub('kafka') : undefined;
  const os3 = o.has('s3') ? o.sub('s3') : undefined;
  const cfg: FusionConfig = {
    decisionWaitMs: f.get('decision_wait'),
    rootWaitMs: f.get('root_wait'),
    maxTraces: f.get('max_traces'),
    maxBytes: f.get('max_bytes'),
    gpuRetentionMs: f.get('gpu_retention'),
    lateWindowMs: f.get('late_window'),
    rootlessWaitMs: f.get('rootless_wait'),
    logWaitMs: f.get('log_wait'),
    maxWaitingLogs: f.get('max_waiting_logs'),
    maxWaitingLogBytes: f.get('max_waiting_log_bytes'),
    logEvents: { maxBodyBytes: le.get('max_body_size'), include: le.get('include_attributes'), exclude: le.get('exclude_attributes') },
    anomaly: { enabled: a.get('enabled'), factor: a.get('factor'), window: a.get('window'), metrics: a.get('metrics') },
    fusedOutput: {
      directory: o.get('directory'),
      kafka: ok ? { brokers: ok.get('brokers'), topic: ok.get('topic'), compression: ok.get('compression') } : undefined,
      s3: os3
        ? { bucket: os3.get('bucket'), prefix: os3.get('prefix'), region: os3.get('region'), endpoint: os3.get('endpoint'), forcePathStyle: os3.get('force_path_style') }
        : undefined,
    },
  };
  cfg.fusedOutput.kafka?.brokers.forEach((b, i) => {
    if (!/^[^:\s]+:\d{1,5}$/.test(b)) ok!.errors.add(`${ok!.at('brokers')}[${i}]`, `not a host:port, got "${b}"`);
  });
  if (cfg.rootWaitMs > cfg.decisionWaitMs) f.fail('root_wait', 'must not exceed decision_wait');
  return cfg;
}
