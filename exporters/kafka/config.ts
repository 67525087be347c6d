// exporters.kafka: defaults and validation. Keys and defaults follow the Collector's
// kafkaexporter where it has the same setting, so a Collector config translates key for key.
import { CLIENT_TLS_FIELDS } from '../../src/auth/client-tls.js';
import { COMPRESSIONS, type Compression } from '../../src/compression/codecs.js';
import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
import { describe, Fields } from '../../src/config/fields.js';
import { DEFAULT_RETRY, parseRetry, RETRY_FIELDS, type RetryConfig } from '../../src/exporterhelper/retry-config.js';
import {
  DEFAULT_TOPICS, KAFKA_TLS_DOC, parseBrokers, parseSasl, parseSignal, parseTls, SASL_FIELDS, SIGNAL_FIELDS,
  type KafkaSaslConfig, type KafkaTlsConfig, type SignalTopicConfig,
} from '../../src/kafka/config.js';

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

export const KAFKA_FIELDS = fieldTable({
  brokers: { type: 'strings', default: ['localhost:9092'], nonEmpty: true, doc: 'Bootstrap brokers, host:port.' },
  client_id: { type: 'string', default: 'ai-trace-collector', nonEmpty: true, doc: 'Client id the brokers see.' },
  traces: { type: 'section', fields: SIGNAL_FIELDS.traces, doc: 'Topic and encoding of traces.' },
  logs: { type: 'section', fields: SIGNAL_FIELDS.logs, doc: 'Topic and encoding of logs.' },
  metrics: { type: 'section', fields: SIGNAL_FIELDS.metrics, doc: 'Topic and encoding of metrics.' },
  partition_traces_by_id: { type: 'bool', default: false, doc: 'Key messages by trace id, so one trace\'s spans go to one partition.' },
  partition_logs_by_trace_id: { type: 'bool', default: false, doc: 'Key log messages by trace id.' },
  compression: { type: 'enum', values: COMPRESSIONS, default: 'zstd', doc: 'Kafka record batch compression.' },
  max_message_bytes: { type: 'bytes', default: 1_000_000, min: 4096, max: 2 ** 31 - 1, doc: 'Largest message (key + value + record overhead) produced; larger batches are split.' },
  required_acks: { type: 'custom', typeText: 'all | -1 | 1 | 0', defaultText: '`all` (-1)', doc: 'Acknowledgements the leader waits for: all in-sync replicas (-1, all), the leader (1), none (0).' },
  timeout: { type: 'duration', default: 5_000, min: 1, doc: 'Deadline of a produce request (and the broker\'s wait for acknowledgements).' },
  retry: { type: 'section', fields: RETRY_FIELDS, doc: 'Retries of failed produce requests.' },
  tls: { type: 'section', fields: CLIENT_TLS_FIELDS, doc: KAFKA_TLS_DOC },
  sasl: { type: 'section', fields: SASL_FIELDS, doc: 'SASL authentication; absent: none.' },
});

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
  const f = new Fields(raw, path, errors, KAFKA_FIELDS);
  return {
    brokers: parseBrokers(f),
    clientId: f.get('client_id'),
    traces: parseSignal(f, 'traces'),
    logs: parseSignal(f, 'logs'),
    metrics: parseSignal(f, 'metrics'),
    partitionTracesById: f.get('partition_traces_by_id'),
    partitionLogsByTraceId: f.get('partition_logs_by_trace_id'),
    compression: f.get('compression'),
    // Below a few KiB nothing useful fits; above 2^31 Kafka's int32 sizes overflow.
    maxMessageBytes: f.get('max_message_bytes'),
    requiredAcks: parseAcks(f, d.requiredAcks),
    timeoutMs: f.get('timeout'),
    retry: parseRetry(f, 'retry'),
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
