// exporters.kafka: defaults and validation. Keys and defaults follow the Collector's
// kafkaexporter where it has the same setting, so a Collector config translates key for key.
import { existsSync } from 'node:fs';
import { COMPRESSIONS, type Compression } from '../../src/compression/codecs.js';
import type { Signal } from '../../src/component.js';
import type { ConfigErrors } from '../../src/config/errors.js';
import { describe, Fields, parseEndpoint } from '../../src/config/fields.js';
import { keyPath } from '../../src/config/errors.js';
import { DEFAULT_RETRY, parseRetry, type RetryConfig } from '../../src/exporterhelper/retry-config.js';

export type KafkaEncoding = 'otlp_proto' | 'otlp_json';
export const ENCODINGS: readonly KafkaEncoding[] = ['otlp_proto', 'otlp_json'];

/** -1 = all in-sync replicas (what `all` means), 1 = the leader, 0 = no acknowledgement. */
export type RequiredAcks = -1 | 0 | 1;

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

export interface SignalTopicConfig {
  topic: string;
  encoding: KafkaEncoding;
}

export interface KafkaTlsConfig {
  caFile: string;
  certFile: string;
  keyFile: string;
  insecureSkipVerify: boolean;
  serverNameOverride: string;
}

export interface KafkaSaslConfig {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

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
const SIGNAL_KEYS = ['topic', 'encoding'] as const;
const TLS_KEYS = ['insecure', 'ca_file', 'cert_file', 'key_file', 'insecure_skip_verify', 'server_name_override'] as const;
const SASL_KEYS = ['mechanism', 'username', 'password'] as const;

export const DEFAULT_TOPICS: Record<Signal, string> = { traces: 'otlp_spans', logs: 'otlp_logs', metrics: 'otlp_metrics' };

/** Kafka's own rule for topic names (kafka.common.internals.Topic). */
const TOPIC_RE = /^[a-zA-Z0-9._-]{1,249}$/;

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
  const brokers = f.stringList('brokers', d.brokers, { nonEmpty: true });
  brokers.forEach((b, i) => {
    const ep = parseEndpoint(b);
    if (ep === undefined || ep.port === 0 || b.startsWith(':')) errors.add(keyPath(f.at('brokers'), i), `not a host:port, got ${describe(b)}`);
  });
  return {
    brokers,
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

/** Shared with the Kafka receiver: topics, TLS and SASL are read the same on both sides. */
export function parseSignal(parent: Fields, key: Signal, def: SignalTopicConfig): SignalTopicConfig {
  const f = parent.sub(key, SIGNAL_KEYS);
  const topic = f.string('topic', def.topic);
  if (!TOPIC_RE.test(topic) || topic === '.' || topic === '..') {
    f.fail('topic', `not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -), got ${describe(topic)}`);
  }
  return { topic, encoding: f.enum('encoding', ENCODINGS, def.encoding) };
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

export function parseTls(parent: Fields): KafkaTlsConfig | undefined {
  if (!parent.has('tls')) return undefined;
  // `tls: {}` turns TLS on with the system's CAs; `insecure: true` turns it off again (as configtls).
  const raw = parent.obj.tls === true ? {} : parent.obj.tls;
  const f = new Fields(raw, parent.at('tls'), parent.errors, TLS_KEYS);
  if (f.bool('insecure', false)) return undefined;
  const file = (key: string): string => {
    const p = f.string(key, '');
    if (p !== '' && !existsSync(p)) f.fail(key, `no such file: ${p}`);
    return p;
  };
  const tls: KafkaTlsConfig = {
    caFile: file('ca_file'),
    certFile: file('cert_file'),
    keyFile: file('key_file'),
    insecureSkipVerify: f.bool('insecure_skip_verify', false),
    serverNameOverride: f.string('server_name_override', ''),
  };
  if ((tls.certFile === '') !== (tls.keyFile === '')) f.fail(tls.certFile === '' ? 'cert_file' : 'key_file', 'cert_file and key_file go together');
  return tls;
}

export function parseSasl(parent: Fields): KafkaSaslConfig | undefined {
  if (!parent.has('sasl')) return undefined;
  const f = parent.sub('sasl', SASL_KEYS);
  // The Collector spells mechanisms in upper case (PLAIN, SCRAM-SHA-512): accept both.
  const m = f.obj.mechanism;
  const mechanism = typeof m === 'string' ? SASL_MECHANISMS.find((x) => x === m.toLowerCase()) : undefined;
  if (m === undefined || m === null) f.fail('mechanism', `required, one of ${SASL_MECHANISMS.join(', ')}`);
  else if (mechanism === undefined) f.fail('mechanism', `must be one of ${SASL_MECHANISMS.join(', ')}, got ${describe(m)}`);
  const sasl: KafkaSaslConfig = {
    mechanism: mechanism ?? 'plain',
    username: f.string('username', ''),
    password: f.string('password', ''),
  };
  if (sasl.username === '') f.fail('username', 'required');
  if (sasl.password === '') f.fail('password', 'required');
  return sasl;
}
