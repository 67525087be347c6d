// Kafka settings shared by everything that talks to Kafka (the exporter, the receiver): brokers,
// per-signal topics and encodings, TLS and SASL, with their field tables, read the same way on
// every side, as the Collector's configkafka does.
import { CLIENT_TLS_FIELDS, parseClientTls } from '../auth/client-tls.js';
import type { Signal } from '../component.js';
import { keyPath } from '../config/errors.js';
import { fieldTable } from '../config/field-table.js';
import { describe, Fields, parseEndpoint } from '../config/fields.js';

export type KafkaEncoding = 'otlp_proto' | 'otlp_json';
export const ENCODINGS: readonly KafkaEncoding[] = ['otlp_proto', 'otlp_json'];

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

export const DEFAULT_TOPICS: Record<Signal, string> = { traces: 'otlp_spans', logs: 'otlp_logs', metrics: 'otlp_metrics' };

/** Kafka's own rule for topic names (kafka.common.internals.Topic). */
export function isTopicName(t: string): boolean {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(t) && t !== '.' && t !== '..';
}

const signalFields = (s: Signal) =>
  fieldTable({
    topic: { type: 'string', default: DEFAULT_TOPICS[s], doc: `Topic of ${s} (1-249 of a-z A-Z 0-9 . _ -).` },
    encoding: { type: 'enum', values: ENCODINGS, default: 'otlp_proto', doc: 'Message encoding: an OTLP export request as protobuf or OTLP/JSON.' },
  });
export const SIGNAL_FIELDS = { traces: signalFields('traces'), logs: signalFields('logs'), metrics: signalFields('metrics') };

export const SASL_FIELDS = fieldTable({
  mechanism: { type: 'custom', typeText: 'plain | scram-sha-256 | scram-sha-512', required: true, doc: 'SASL mechanism; upper case (PLAIN, SCRAM-SHA-512) as the Collector writes it is accepted.' },
  username: { type: 'string', required: true, doc: 'SASL user name.' },
  password: { type: 'string', required: true, doc: 'SASL password; use ${env:NAME} rather than writing it in the file.' },
});

export const KAFKA_TLS_DOC = 'TLS to the brokers; `tls: {}` (or `tls: true`) uses the system CAs, `insecure: true` turns TLS off again.';

/** `brokers`, each a host:port with a port. */
export function parseBrokers(f: Fields<{ brokers: { type: 'strings'; doc: string } }>): string[] {
  const brokers = f.get('brokers');
  brokers.forEach((b, i) => {
    const ep = parseEndpoint(b);
    if (ep === undefined || ep.port === 0 || b.startsWith(':')) f.errors.add(keyPath(f.at('brokers'), i), `not a host:port, got ${describe(b)}`);
  });
  return brokers;
}

export function parseSignal(parent: Fields, key: Signal): SignalTopicConfig {
  const f = parent.sub(key, SIGNAL_FIELDS[key]);
  const topic = f.get('topic');
  if (!isTopicName(topic)) {
    f.fail('topic', `not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -), got ${describe(topic)}`);
  }
  return { topic, encoding: f.get('encoding') };
}

export function parseTls(parent: Fields): KafkaTlsConfig | undefined {
  if (!parent.has('tls')) return undefined;
  // `tls: {}` turns TLS on with the system's CAs; `insecure: true` turns it off again (as configtls).
  const raw = parent.obj.tls === true ? {} : parent.obj.tls;
  const tls = parseClientTls(new Fields(raw, parent.at('tls'), parent.errors, CLIENT_TLS_FIELDS));
  if (tls.insecure) return undefined;
  return { caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile, insecureSkipVerify: tls.insecureSkipVerify, serverNameOverride: tls.serverNameOverride };
}

export function parseSasl(parent: Fields): KafkaSaslConfig | undefined {
  if (!parent.has('sasl')) return undefined;
  const f = parent.sub('sasl', SASL_FIELDS);
  // The Collector spells mechanisms in upper case (PLAIN, SCRAM-SHA-512): accept both.
  const m = f.get('mechanism');
  const mechanism = typeof m === 'string' ? SASL_MECHANISMS.find((x) => x === m.toLowerCase()) : undefined;
  if (m !== undefined && m !== null && mechanism === undefined) f.fail('mechanism', `must be one of ${SASL_MECHANISMS.join(', ')}, got ${describe(m)}`);
  return { mechanism: mechanism ?? 'plain', username: f.get('username') ?? '', password: f.get('password') ?? '' };
}
