// exporters.otlp (gRPC) and exporters.otlphttp (HTTP protobuf): defaults and validation.
// Keys follow the Collector's otlp / otlphttp exporters, so a Collector config translates key
// for key: endpoint, headers, compression, timeout, tls, retry_on_failure (spelt `retry` here,
// as every exporter of ours; `retry_on_failure` is accepted too).
import { CLIENT_TLS_FIELDS, parseClientTls, type ClientTlsConfig } from '../../src/auth/client-tls.js';
import type { Signal } from '../../src/component.js';
import { compressionLevel } from '../../src/compression/level.js';
import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
import { describe, Fields, parseEndpoint } from '../../src/config/fields.js';
import { DEFAULT_RETRY, parseRetry, RETRY_FIELDS, type RetryConfig } from '../../src/exporterhelper/retry-config.js';

export type OtlpProtocol = 'grpc' | 'http/protobuf';
export const PROTOCOLS: readonly OtlpProtocol[] = ['grpc', 'http/protobuf'];

export type OtlpCompression = 'gzip' | 'zstd' | 'none';
export const OTLP_COMPRESSIONS: readonly OtlpCompression[] = ['gzip', 'zstd', 'none'];

export type OtlpTlsConfig = ClientTlsConfig;

export interface OtlpExporterConfig {
  protocol: OtlpProtocol;
  /**
   * gRPC: `host:port`, or `http://host:port` (plaintext) / `https://host:port` (TLS).
   * HTTP: a base URL; `/v1/<signal>` is appended unless a per-signal URL is set.
   */
  endpoint: string;
  /** HTTP only: full URLs per signal, overriding endpoint + /v1/<signal> */
  signalEndpoints: Record<Signal, string>;
  headers: Record<string, string>;
  compression: OtlpCompression;
  compressionLevel: number | undefined;
  timeoutMs: number;
  tls: OtlpTlsConfig;
  retry: RetryConfig;
}

/** The table of `otlp` (gRPC) or `otlphttp`: they differ in the default protocol only. */
export function otlpFields(protocol: OtlpProtocol) {
  const grpc = protocol === 'grpc';
  const signalUrl = (s: Signal) => ({ type: 'string', doc: `Full URL ${s} are posted to, instead of endpoint + ${SIGNAL_PATH[s]} (http/protobuf only).` }) as const;
  return fieldTable({
    protocol: { type: 'enum', values: PROTOCOLS, default: protocol, doc: 'grpc or http/protobuf.' },
    endpoint: {
      type: 'string',
      nonEmpty: true,
      defaultText: grpc ? '`localhost:4317`' : '`http://localhost:4318`',
      doc: 'gRPC: host:port, http://host:port (plaintext) or https://host:port (TLS). HTTP: a base URL, /v1/<signal> is appended.',
    },
    traces_endpoint: signalUrl('traces'),
    logs_endpoint: signalUrl('logs'),
    metrics_endpoint: signalUrl('metrics'),
    headers: { type: 'map', doc: 'Headers (gRPC metadata) sent with every request, e.g. an authorization token.' },
    compression: { type: 'enum', values: OTLP_COMPRESSIONS, default: 'gzip', doc: 'Request compression; zstd only over http/protobuf.' },
    compression_level: { type: 'integer', min: -7, max: 22, defaultText: 'the codec\'s own', doc: 'Codec level: gzip 0..9, zstd -7..22.' },
    timeout: { type: 'duration', min: 1, defaultText: grpc ? '5s' : '30s', doc: 'Deadline of one export request.' },
    tls: { type: 'section', fields: CLIENT_TLS_FIELDS, doc: 'TLS to the peer.' },
    retry: { type: 'section', fields: RETRY_FIELDS, doc: 'Retries of retryable failures (UNAVAILABLE, 429, 503…), honouring Retry-After.' },
    retry_on_failure: { type: 'section', fields: RETRY_FIELDS, doc: 'The Collector\'s name for retry; set one of the two.' },
  });
}

export const SIGNAL_PATH: Record<Signal, string> = { traces: '/v1/traces', logs: '/v1/logs', metrics: '/v1/metrics' };

export function defaultsFor(protocol: OtlpProtocol): OtlpExporterConfig {
  return {
    protocol,
    endpoint: protocol === 'grpc' ? 'localhost:4317' : 'http://localhost:4318',
    signalEndpoints: { traces: '', logs: '', metrics: '' },
    headers: {},
    // The Collector's default for both exporters.
    compression: 'gzip',
    compressionLevel: undefined,
    timeoutMs: protocol === 'grpc' ? 5_000 : 30_000,
    tls: { insecure: false, caFile: '', certFile: '', keyFile: '', insecureSkipVerify: false, serverNameOverride: '' },
    retry: { ...DEFAULT_RETRY },
  };
}

export function parseOtlpConfig(defaultProtocol: OtlpProtocol) {
  return (raw: unknown, path: string, errors: ConfigErrors): OtlpExporterConfig => {
    const f = new Fields(raw, path, errors, otlpFields(defaultProtocol));
    const protocol = f.get('protocol');
    const d = defaultsFor(protocol);
    const endpoint = f.get('endpoint') ?? d.endpoint;
    if (protocol === 'grpc') {
      if (grpcTarget(endpoint) === undefined) f.fail('endpoint', `expected host:port, http://host:port or https://host:port, got ${describe(endpoint)}`);
    } else if (httpUrl(endpoint) === undefined) {
      f.fail('endpoint', `expected an http:// or https:// URL, got ${describe(endpoint)}`);
    }
    const signalEndpoints = { traces: '', logs: '', metrics: '' };
    for (const s of ['traces', 'logs', 'metrics'] as const) {
      const key = `${s}_endpoint` as const;
      const v = f.get(key);
      if (v === undefined) continue;
      if (protocol === 'grpc') {
        f.fail(key, 'only for protocol http/protobuf; gRPC uses one endpoint for every signal');
        continue;
      }
      if (httpUrl(v) === undefined) f.fail(key, `expected an http:// or https:// URL, got ${describe(v)}`);
      signalEndpoints[s] = v;
    }
    const compression = f.get('compression');
    // grpc-js speaks identity, deflate and gzip only.
    if (protocol === 'grpc' && compression === 'zstd') f.fail('compression', 'zstd is not available over gRPC here (grpc-js has gzip only); use gzip or none, or protocol http/protobuf');
    const level = compressionLevel(f, compression);
    if (f.has('retry') && f.has('retry_on_failure')) f.fail('retry_on_failure', 'set either retry or retry_on_failure, not both');
    const retry = parseRetry(f, f.has('retry_on_failure') ? 'retry_on_failure' : 'retry');
    return {
      protocol,
      endpoint,
      signalEndpoints,
      headers: f.get('headers'),
      compression,
      compressionLevel: level,
      timeoutMs: f.get('timeout') ?? d.timeoutMs,
      tls: parseClientTls(f.sub('tls', CLIENT_TLS_FIELDS)),
      retry,
    };
  };
}

/** gRPC endpoint → host:port and whether the scheme asks for TLS (undefined: no scheme). */
export function grpcTarget(endpoint: string): { hostPort: string; tls: boolean | undefined } | undefined {
  const m = /^(https?):\/\/([^/]+)\/?$/.exec(endpoint);
  const hostPort = m ? m[2]! : endpoint;
  const ep = parseEndpoint(hostPort);
  if (ep === undefined || ep.port === 0 || hostPort.startsWith(':')) return undefined;
  return { hostPort, tls: m ? m[1] === 'https' : undefined };
}

export function httpUrl(s: string): URL | undefined {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** The URL one signal is posted to. */
export function signalUrl(cfg: OtlpExporterConfig, signal: Signal): URL {
  if (cfg.signalEndpoints[signal] !== '') return new URL(cfg.signalEndpoints[signal]);
  const base = cfg.endpoint.replace(/\/+$/, '');
  return new URL(base + SIGNAL_PATH[signal]);
}
