// `connectors.fusion`: the join window, its bounds, and where GPU data and anomalies come from.
import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
import { Fields } from '../../src/config/fields.js';
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
  /** bytes kept of emitted traces for late logs at most (their outlines); beyond, the oldest are forgotten */
  lateWindowBytes: number;
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
  /** emit one fused JSON document per trace as a log record into the logs pipelines fed by the connector */
  documents: boolean;
}

export function createDefaultConfig(): FusionConfig {
  return {
    decisionWaitMs: 5000,
    rootWaitMs: 1000,
    maxTraces: 100_000,
    maxBytes: 256 * 1024 * 1024,
    gpuRetentionMs: 10 * 60_000,
    lateWindowMs: 60_000,
    lateWindowBytes: 64 * 1024 * 1024,
    rootlessWaitMs: 30_000,
    logWaitMs: 30_000,
    maxWaitingLogs: 100_000,
    maxWaitingLogBytes: 64 * 1024 * 1024,
    logEvents: { maxBodyBytes: 4096, include: [], exclude: ['log.file.path', 'log.file.name', 'log.iostream', 'pid', 'hostname'] },
    anomaly: { enabled: true, factor: 10, window: 50, metrics: ['loss', 'grad_norm'] },
    documents: true,
  };
}

const d = createDefaultConfig();

export const FUSION_FIELDS = fieldTable({
  decision_wait: { type: 'duration', default: d.decisionWaitMs, min: 1, doc: 'Hold a trace this long after its last span arrived.' },
  root_wait: { type: 'duration', default: d.rootWaitMs, min: 0, doc: 'Once the root span has ended, wait only this long for stragglers; not above decision_wait.' },
  max_traces: { type: 'integer', default: d.maxTraces, min: 1, doc: 'Traces held at most; beyond, the oldest go out early (counted, never dropped).' },
  max_bytes: { type: 'bytes', default: d.maxBytes, min: 1024 * 1024, doc: 'Bytes held at most; beyond, the oldest traces go out early.' },
  gpu_retention: { type: 'duration', default: d.gpuRetentionMs, min: 1000, doc: 'Keep GPU samples and events this long (must cover decision_wait plus span durations).' },
  late_window: { type: 'duration', default: d.lateWindowMs, min: 0, doc: 'Remember emitted traces this long, to send late logs as follow-up fragments (only while a logs pipeline feeds fusion: without one no late log can come).' },
  late_window_bytes: { type: 'bytes', default: d.lateWindowBytes, min: 0, doc: 'Bytes kept of emitted traces for late logs at most (ids, names, times, resource and scope: ~80 B per span); beyond, the oldest are forgotten early (counted).' },
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
  documents: { type: 'bool', default: d.documents, doc: 'Emit one fused JSON document per trace (a log record, event name fusion.document) into the logs pipelines the connector feeds.' },
});

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): FusionConfig {
  const f = new Fields(raw, path, errors, FUSION_FIELDS);
  const le = f.sub('log_events');
  const a = f.sub('anomaly');
  const cfg: FusionConfig = {
    decisionWaitMs: f.get('decision_wait'),
    rootWaitMs: f.get('root_wait'),
    maxTraces: f.get('max_traces'),
    maxBytes: f.get('max_bytes'),
    gpuRetentionMs: f.get('gpu_retention'),
    lateWindowMs: f.get('late_window'),
    lateWindowBytes: f.get('late_window_bytes'),
    rootlessWaitMs: f.get('rootless_wait'),
    logWaitMs: f.get('log_wait'),
    maxWaitingLogs: f.get('max_waiting_logs'),
    maxWaitingLogBytes: f.get('max_waiting_log_bytes'),
    logEvents: { maxBodyBytes: le.get('max_body_size'), include: le.get('include_attributes'), exclude: le.get('exclude_attributes') },
    anomaly: { enabled: a.get('enabled'), factor: a.get('factor'), window: a.get('window'), metrics: a.get('metrics') },
    documents: f.get('documents'),
  };
  if (cfg.rootWaitMs > cfg.decisionWaitMs) f.fail('root_wait', 'must not exceed decision_wait');
  return cfg;
}
