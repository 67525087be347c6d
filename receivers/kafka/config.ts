// receivers.kafka: defaults and validation. Keys follow the Collector's kafkareceiver where it
// has the same setting, and the per-signal topics and encodings mirror our Kafka exporter
// (otlp_spans / otlp_logs / otlp_metrics, otlp_proto), so an agent and a gateway agree by default.
import type { Signal } from '../../src/component.js';
import type { ConfigErrors } from '../../src/config/errors.js';
import { keyPath } from '../../src/config/errors.js';
import { describe, Fields } from '../../src/config/fields.js';
import {
  DEFAULT_TOPICS,
  isTopicName,
  parseBrokers,
  parseSasl,
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

export const KAFKA_RECEIVER_KEYS = [
  'brokers', 'client_id', 'group_id', 'initial_offset', 'traces', 'logs', 'metrics', 'session_timeout', 'heartbeat_interval',
  'commit_interval', 'partitions_consumed_concurrently', 'max_partition_fetch_bytes', 'dead_letter_topic', 'tls', 'sasl',
] as const;

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
  const d = createDefaultConfig();
  const f = new Fields(raw, path, errors, KAFKA_RECEIVER_KEYS);
  const cfg: KafkaReceiverConfig = {
    brokers: parseBrokers(f, d.brokers),
    clientId: f.string('client_id', d.clientId, { nonEmpty: true }),
    groupId: f.string('group_id', d.groupId, { nonEmpty: true }),
    initialOffset: f.enum('initial_offset', ['latest', 'earliest'] as const, d.initialOffset),
    traces: parseSignal(f, 'traces', d.traces),
    logs: parseSignal(f, 'logs', d.logs),
    metrics: parseSignal(f, 'metrics', d.metrics),
    sessionTimeoutMs: f.duration('session_timeout', d.sessionTimeoutMs, { min: 1000 }),
    heartbeatIntervalMs: f.duration('heartbeat_interval', d.heartbeatIntervalMs, { min: 100 }),
    commitIntervalMs: f.duration('commit_interval', d.commitIntervalMs, { min: 1 }),
    partitionsConsumedConcurrently: f.number('partitions_consumed_concurrently', d.partitionsConsumedConcurrently, { min: 1, max: 1024, integer: true }),
    maxPartitionFetchBytes: f.bytes('max_partition_fetch_bytes', d.maxPartitionFetchBytes, { min: 1024 }),
    deadLetterTopic: f.string('dead_letter_topic', d.deadLetterTopic),
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

