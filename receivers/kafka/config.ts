// receivers.kafka: defaults and validation. Keys follow the Collector's kafkareceiver where it
// has the same setting, and the per-signal topics and encodings mirror our Kafka exporter
// (otlp_spans / otlp_logs / otlp_metrics, otlp_proto), so an agent and a gateway agree by default.
import type { Signal } from '../../src/component.js';
import type { ConfigErrors } from '../../src/config/errors.js';
import { keyPath } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
import { describe, Fields } from '../../src/config/fields.js';
import { CLIENT_TLS_FIELDS } from '../../src/auth/client-tls.js';
import {
  DEFAULT_TOPICS,
  isTopicName,
  KAFKA_TLS_DOC,
  parseBrokers,
  parseSasl,
  SASL_FIELDS,
  SIGNAL_FIELDS,
  parseSignal,
  parseTls,
  type KafkaSaslConfig,
  type KafkaTlsConfig,
  type SignalTopicConfig,
} from '../../src/kafka/config.js';

export type InitialOffset = 'latest' | 'earliest';

export interface KafkaReceiverConfig {
  brokers: string[];
  clientId: string;
  groupId: string;
  /** where a group with no committed offset starts */
  initialOffset: InitialOffset;
  traces: SignalTopicConfig;
  logs: SignalTopicConfig;
  metrics: SignalTopicConfig;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** how often acknowledged offsets are committed (and always on rebalance and shutdown) */
  commitIntervalMs: number;
  partitionsConsumedConcurrently: number;
  /** largest fetch response per partition */
  maxPartitionFetchBytes: number;
  /** bad messages are produced here when set ('' = only counted and logged) */
  deadLetterTopic: string;
  tls: KafkaTlsConfig | undefined;
  sasl: KafkaSaslConfig | undefined;
}

export const KAFKA_RECEIVER_FIELDS = fieldTable({
  brokers: { type: 'strings', default: ['localhost:9092'], nonEmpty: true, doc: 'Bootstrap brokers, host:port.' },
  client_id: { type: 'string', default: 'ai-trace-collector', nonEmpty: true, doc: 'Client id the brokers see.' },
  group_id: { type: 'string', default: 'otel-collector', nonEmpty: true, doc: 'Consumer group (the Collector\'s default, so a Collector gateway and this one can share it).' },
  initial_offset: { type: 'enum', values: ['latest', 'earliest'], default: 'latest', doc: 'Where a group with no committed offset starts.' },
  traces: { type: 'section', fields: SIGNAL_FIELDS.traces, doc: 'Topic and encoding of traces.' },
  logs: { type: 'section', fields: SIGNAL_FIELDS.logs, doc: 'Topic and encoding of logs.' },
  metrics: { type: 'section', fields: SIGNAL_FIELDS.metrics, doc: 'Topic and encoding of metrics. Each signal needs its own topic.' },
  session_timeout: { type: 'duration', default: 10_000, min: 1000, doc: 'Consumer group session timeout.' },
  heartbeat_interval: { type: 'duration', default: 3_000, min: 100, doc: 'Consumer heartbeat period; below session_timeout (a third of it is usual).' },
  commit_interval: { type: 'duration', default: 1_000, min: 1, doc: 'How often acknowledged offsets are committed (and always on rebalance and shutdown).' },
  partitions_consumed_concurrently: { type: 'integer', default: 3, min: 1, max: 1024, doc: 'Partitions processed in parallel.' },
  max_partition_fetch_bytes: { type: 'bytes', default: 1024 * 1024, min: 1024, doc: 'Largest fetch response per partition.' },
  dead_letter_topic: { type: 'string', default: '', doc: 'Messages that do not decode are produced here; empty: only counted and logged. Must differ from the signal topics.' },
  tls: { type: 'section', fields: CLIENT_TLS_FIELDS, doc: KAFKA_TLS_DOC },
  sasl: { type: 'section', fields: SASL_FIELDS, doc: 'SASL authentication; absent: none.' },
});

export function createDefaultConfig(): KafkaReceiverConfig {
  return {
    brokers: ['localhost:9092'],
    clientId: 'ai-trace-collector',
    // The Collector's kafkareceiver default: a Collector gateway and ours can share a group.
    groupId: 'otel-collector',
    initialOffset: 'latest',
    traces: { topic: DEFAULT_TOPICS.traces, encoding: 'otlp_proto' },
    logs: { topic: DEFAULT_TOPICS.logs, encoding: 'otlp_proto' },
    metrics: { topic: DEFAULT_TOPICS.metrics, encoding: 'otlp_proto' },
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 3_000,
    commitIntervalMs: 1_000,
    partitionsConsumedConcurrently: 3,
    maxPartitionFetchBytes: 1024 * 1024,
    deadLetterTopic: '',
    tls: undefined,
    sasl: undefined,
  };
}

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): KafkaReceiverConfig {
  const f = new Fields(raw, path, errors, KAFKA_RECEIVER_FIELDS);
  const cfg: KafkaReceiverConfig = {
    brokers: parseBrokers(f),
    clientId: f.get('client_id'),
    groupId: f.get('group_id'),
    initialOffset: f.get('initial_offset'),
    traces: parseSignal(f, 'traces'),
    logs: parseSignal(f, 'logs'),
    metrics: parseSignal(f, 'metrics'),
    sessionTimeoutMs: f.get('session_timeout'),
    heartbeatIntervalMs: f.get('heartbeat_interval'),
    commitIntervalMs: f.get('commit_interval'),
    partitionsConsumedConcurrently: f.get('partitions_consumed_concurrently'),
    maxPartitionFetchBytes: f.get('max_partition_fetch_bytes'),
    deadLetterTopic: f.get('dead_letter_topic'),
    tls: parseTls(f),
    sasl: parseSasl(f),
  };
  if (cfg.heartbeatIntervalMs >= cfg.sessionTimeoutMs) f.fail('heartbeat_interval', 'must be below session_timeout (a third of it is usual)');
  if (cfg.deadLetterTopic !== '' && !isTopicName(cfg.deadLetterTopic)) f.fail('dead_letter_topic', `not a valid Kafka topic name, got ${describe(cfg.deadLetterTopic)}`);
  const seen = new Map<string, Signal>();
  for (const s of ['traces', 'logs', 'metrics'] as const) {
    const other = seen.get(cfg[s].topic);
    // One topic per signal: the message itself does not say which request type it holds.
    if (other) errors.add(keyPath(f.at(s), 'topic'), `same topic as ${other}; each signal needs its own topic`);
    seen.set(cfg[s].topic, s);
    if (cfg[s].topic === cfg.deadLetterTopic) f.fail('dead_letter_topic', `must differ from the ${s} topic`);
  }
  return cfg;
}

