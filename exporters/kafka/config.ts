// exporters.kafka: defaults and validation. Keys and defaults follow the Collector's
// kafkaexporter where it has the same setting, so a Collector config translates key for key.
import { COMPRESSIONS, type Compression } from '../../src/compression/codecs.js';
import type { ConfigErrors } from '../../src/config/errors.js';
import { describe, Fields } from '../../src/config/fields.js';
import { DEFAULT_RETRY, parseRetry, type RetryConfig } from '../../src/exporterhelper/retry-config.js';
import { DEFAULT_TOPICS, parseBrokers, parseSasl, parseSignal, parseTls, type KafkaSaslConfig, type KafkaTlsConfig, type SignalTopicConfig } from '../../src/kafka/config.js';

/** -1 = all in-sync replicas (what `all` means), 1 = the leader, 0 = no acknowledgement. */
export type RequiredAcks = -1 | 0 | 1;

export interface KafkaExporterConfig {
  brokers: string[];
  clientId: string;
  traces: SignalTopicConfig;
  logs: SignalTopicConfig;
  metrics: SignalTopicConfig;
  partitionTracesById: boolean;
  partitionLogsByTraceId: boolean;
  compression: Compression;
  /** largest message (key + value + record overhead) the exporter produces */
  maxMessageBytes: number;
  requiredAcks: RequiredAcks;
  /** per produce request, and the broker's wait for acknowledgements */
  timeoutMs: number;
  retry: RetryConfig;
  /** undefined = plaintext */
  tls: KafkaTlsConfig | undefined;
  /** undefined = no authentication */
  sasl: KafkaSaslConfig | undefined;
}

export const KAFKA_KEYS = [
  'brokers', 'client_id', 'traces', 'logs', 'metrics', 'partition_traces_by_id', 'partition_logs_by_trace_id',
  'compression', 'max_message_bytes', 'required_acks', 'timeout', 'retry', 'tls', 'sasl',
] as const;
export function createDefaultConfig(): KafkaExporterConfig {
  return {
    brokers: ['localhost:9092'],
    clientId: 'ai-trace-collector',
    traces: { topic: DEFAULT_TOPICS.traces, encoding: 'otlp_proto' },
    logs: { topic: DEFAULT_TOPICS.logs, encoding: 'otlp_proto' },
    metrics: { topic: DEFAULT_TOPICS.metrics, encoding: 'otlp_proto' },
    partitionTracesById: false,
    partitionLogsByTraceId: false,
    compression: 'zstd',
    maxMessageBytes: 1_000_000,
    requiredAcks: -1,
    timeoutMs: 5_000,
    retry: { ...DEFAULT_RETRY },
    tls: undefined,
    sasl: undefined,
  };
}

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): KafkaExporterConfig {
  const d = createDefaultConfig();
  const f = new Fields(raw, path, errors, KAFKA_KEYS);
  return {
    brokers: parseBrokers(f, d.brokers),
    clientId: f.string('client_id', d.clientId, { nonEmpty: true }),
    traces: parseSignal(f, 'traces', d.traces),
    logs: parseSignal(f, 'logs', d.logs),
    metrics: parseSignal(f, 'metrics', d.metrics),
    partitionTracesById: f.bool('partition_traces_by_id', d.partitionTracesById),
    partitionLogsByTraceId: f.bool('partition_logs_by_trace_id', d.partitionLogsByTraceId),
    compression: f.enum('compression', COMPRESSIONS, d.compression),
    // Below a few KiB nothing useful fits; above 2^31 Kafka's int32 sizes overflow.
    maxMessageBytes: f.bytes('max_message_bytes', d.maxMessageBytes, { min: 4096, max: 2 ** 31 - 1 }),
    requiredAcks: parseAcks(f, d.requiredAcks),
    timeoutMs: f.duration('timeout', d.timeoutMs, { min: 1 }),
    retry: parseRetry(f, 'retry', d.retry),
    tls: parseTls(f),
    sasl: parseSasl(f),
  };
}

function parseAcks(f: Fields, def: RequiredAcks): RequiredAcks {
  if (!f.has('required_acks')) return def;
  const v = f.obj.required_acks;
  // The Collector takes -1, 0, 1; `all` is Kafka's own spelling of -1.
  if (v === 'all' || v === -1 || v === '-1') return -1;
  if (v === 1 || v === '1') return 1;
  if (v === 0 || v === '0') return 0;
  f.fail('required_acks', `must be one of all, -1, 1, 0, got ${describe(v)}`);
  return def;
}

