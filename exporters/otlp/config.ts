// exporters.otlp (gRPC) and exporters.otlphttp (HTTP protobuf): defaults and validation.
// Keys follow the Collector's otlp / otlphttp exporters, so a Collector config translates key
// for key: endpoint, headers, compression, timeout, tls, retry_on_failure (spelt `retry` here,
// as every exporter of ours; `retry_on_failure` is accepted too).
import { existsSync } from 'node:fs';
import type { Signal } from '../../src/component.js';
import type { ConfigErrors } from '../../src/config/errors.js';
import { describe, Fields, parseEndpoint } from '../../src/config/fields.js';
import { DEFAULT_RETRY, parseRetry, type RetryConfig } from '../../src/exporterhelper/retry-config.js';

export type OtlpProtocol = 'grpc' | 'http/protobuf';
export const PROTOCOLS: readonly OtlpProtocol[] = ['grpc', 'http/protobuf'];

export type OtlpCompression = 'gzip' | 'zstd' | 'none';
export const OTLP_COMPRESSIONS: readonly OtlpCompression[] = ['gzip', 'zstd', 'none'];

export interface OtlpTlsConfig {
  /** plaintext (no TLS at all) */
  insecure: boolean;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** TLS without verifying the server's certificate (tests, never production) */
  insecureSkipVerify: boolean;
  serverNameOverride: string;
}

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

export const OTLP_KEYS = [
  'protocol', 'endpoint', 'traces_endpoint', 'logs_endpoint', 'metrics_endpoint', 'headers', 'compression', 'compression_level',
  'timeout', 'tls', 'retry', 'retry_on_failure',
] as const;
const TLS_KEYS = ['insecure', 'ca_file', 'cert_file', 'key_file', 'insecure_skip_verify', 'server_name_override'] as const;

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
    const f = new Fields(raw, path, errors, OTLP_KEYS);
    const protocol = f.enum('protocol', PROTOCOLS, defaultProtocol);
    const d = defaultsFor(protocol);
    const endpoint = f.string('endpoint', d.endpoint, { nonEmpty: true });
    if (protocol === 'grpc') {
      if (grpcTarget(endpoint) === undefined) f.fail('endpoint', `expected host:port, http://host:port or https://host:port, got ${describe(endpoint)}`);
    } else if (httpUrl(endpoint) === undefined) {
      f.fail('endpoint', `expected an http:// or https:// URL, got ${describe(endpoint)}`);
    }
    const signalEndpoints = { traces: '', logs: '', metrics: '' };
    for (const s of ['traces', 'logs', 'metrics'] as const) {
      const key = `${s}_endpoint`;
      if (!f.has(key)) continue;
      if (protocol === 'grpc') {
        f.fail(key, 'only for protocol http/protobuf; gRPC uses one endpoint for every signal');
        continue;
      }
      const v = f.string(key, '');
      if (httpUrl(v) === undefined) f.fail(key, `expected an http:// or https:// URL, got ${describe(v)}`);
      signalEndpoints[s] = v;
    }
    const compression = f.enum('compression', OTLP_COMPRESSIONS, d.compression);
    // grpc-js speaks identity, deflate and gzip only.
    if (protocol === 'grpc' && compression === 'zstd') f.fail('compression', 'zstd is not available over gRPC here (grpc-js has gzip only); use gzip or none, or protocol http/protobuf');
    const level = f.has('compression_level')
      ? f.number('compression_level', 0, compression === 'zstd' ? { min: -7, max: 22, integer: true } : { min: 0, max: 9, integer: true })
      : undefined;
    if (f.has('retry') && f.has('retry_on_failure')) f.fail('retry_on_failure', 'set either retry or retry_on_failure, not both');
    const retry = parseRetry(f, f.has('retry_on_failure') ? 'retry_on_failure' : 'retry', d.retry);
    return {
      protocol,
      endpoint,
      signalEndpoints,
      headers: f.stringMap('headers'),
      compression,
      compressionLevel: level,
      timeoutMs: f.duration('timeout', d.timeoutMs, { min: 1 }),
      tls: parseTls(f, d.tls),
      retry,
    };
  };
}

function parseTls(parent: Fields, def: OtlpTlsConfig): OtlpTlsConfig {
  const f = parent.sub('tls', TLS_KEYS);
  const file = (key: string): string => {
    const p = f.string(key, '');
    if (p !== '' && !existsSync(p)) f.fail(key, `no such file: ${p}`);
    return p;
  };
  const tls: OtlpTlsConfig = {
    insecure: f.bool('insecure', def.insecure),
    caFile: file('ca_file'),
    certFile: file('cert_file'),
    keyFile: file('key_file'),
    insecureSkipVerify: f.bool('insecure_skip_verify', def.insecureSkipVerify),
    serverNameOverride: f.string('server_name_override', def.serverNameOverride),
  };
  if ((tls.certFile === '') !== (tls.keyFile === '')) f.fail(tls.certFile === '' ? 'cert_file' : 'key_file', 'cert_file and key_file go together');
  return tls;
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
