// Kafka settings shared by everything that talks to Kafka (the exporter, the receiver): brokers,
// per-signal topics and encodings, TLS and SASL, read the same way on every side, as the
// Collector's configkafka does.
import { existsSync } from 'node:fs';
import type { Signal } from '../component.js';
import { keyPath } from '../config/errors.js';
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

const SIGNAL_KEYS = ['topic', 'encoding'] as const;
const TLS_KEYS = ['insecure', 'ca_file', 'cert_file', 'key_file', 'insecure_skip_verify', 'server_name_override'] as const;
const SASL_KEYS = ['mechanism', 'username', 'password'] as const;

/** Kafka's own rule for topic names (kafka.common.internals.Topic). */
export function isTopicName(t: string): boolean {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(t) && t !== '.' && t !== '..';
}

/** `brokers`: a non-empty list of host:port. */
export function parseBrokers(f: Fields, def: string[]): string[] {
  const brokers = f.stringList('brokers', def, { nonEmpty: true });
  brokers.forEach((b, i) => {
    const ep = parseEndpoint(b);
    if (ep === undefined || ep.port === 0 || b.startsWith(':')) f.errors.add(keyPath(f.at('brokers'), i), `not a host:port, got ${describe(b)}`);
  });
  return brokers;
}

export function parseSignal(parent: Fields, key: Signal, def: SignalTopicConfig): SignalTopicConfig {
  const f = parent.sub(key, SIGNAL_KEYS);
  const topic = f.string('topic', def.topic);
  if (!isTopicName(topic)) {
    f.fail('topic', `not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -), got ${describe(topic)}`);
  }
  return { topic, encoding: f.enum('encoding', ENCODINGS, def.encoding) };
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
