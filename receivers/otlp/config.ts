import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
import { Fields } from '../../src/config/fields.js';
import { AUTH_FIELDS, parseAuth, parseTls, TLS_FIELDS, type AuthConfig, type TlsConfig } from '../../src/auth/config.js';
import { CORS_FIELDS, parseCors, type CorsConfig } from '../../src/auth/cors.js';
import { hasReusePort, REUSE_PORT_NODE } from './reuse-port.js';

export interface OtlpHttpConfig {
  endpoint: string;
  maxRequestBodySize: number;
  tracesUrlPath: string;
  logsUrlPath: string;
  metricsUrlPath: string;
  tls?: TlsConfig | undefined;
  auth?: AuthConfig | undefined;
  cors?: CorsConfig | undefined;
  /** extra threads serving the same port (SO_REUSEPORT), each writing into the ring */
  workerThreads: number;
}

export interface OtlpGrpcConfig {
  endpoint: string;
  /** largest request accepted, after decompression (gRPC RESOURCE_EXHAUSTED beyond) */
  maxRecvMsgSize: number;
  /** concurrent streams per HTTP/2 connection */
  maxConcurrentStreams: number;
  tls?: TlsConfig | undefined;
  auth?: AuthConfig | undefined;
}

export interface OtlpReceiverConfig {
  http: OtlpHttpConfig | undefined;
  grpc?: OtlpGrpcConfig | undefined;
}

export const DEFAULT_HTTP: OtlpHttpConfig = {
  endpoint: '127.0.0.1:4318',
  maxRequestBodySize: 20 * 1024 * 1024,
  tracesUrlPath: '/v1/traces',
  logsUrlPath: '/v1/logs',
  metricsUrlPath: '/v1/metrics',
  workerThreads: 0,
};

export const DEFAULT_GRPC: OtlpGrpcConfig = {
  endpoint: '127.0.0.1:4317',
  maxRecvMsgSize: 20 * 1024 * 1024,
  maxConcurrentStreams: 256,
};

export function createDefaultConfig(): OtlpReceiverConfig {
  return { http: { ...DEFAULT_HTTP }, grpc: { ...DEFAULT_GRPC } };
}

const urlPath = (def: string, signal: string) =>
  ({ type: 'string', default: def, check: (s: string) => (s.startsWith('/') ? undefined : 'must start with "/"'), doc: `Path ${signal} are posted to.` }) as const;

const HTTP_FIELDS = fieldTable({
  endpoint: { type: 'endpoint', default: DEFAULT_HTTP.endpoint, doc: 'host:port to listen on (0.0.0.0 in the container image); port 0 picks a free one.' },
  max_request_body_size: { type: 'bytes', default: DEFAULT_HTTP.maxRequestBodySize, min: 1024, doc: 'Largest request body, compressed and decompressed (413 beyond).' },
  traces_url_path: urlPath(DEFAULT_HTTP.tracesUrlPath, 'traces'),
  logs_url_path: urlPath(DEFAULT_HTTP.logsUrlPath, 'logs'),
  metrics_url_path: urlPath(DEFAULT_HTTP.metricsUrlPath, 'metrics'),
  tls: { type: 'section', fields: TLS_FIELDS, doc: 'Serve HTTPS (and mTLS with client_ca_file).' },
  auth: { type: 'section', fields: AUTH_FIELDS, doc: 'Bearer token required on every request.' },
  cors: { type: 'section', fields: CORS_FIELDS, doc: 'CORS for browser SDKs.' },
  worker_threads: {
    type: 'integer',
    default: DEFAULT_HTTP.workerThreads,
    min: 0,
    max: 64,
    check: (n: number) => (n > 0 && !hasReusePort() ? `worker threads share the port with reusePort, which needs Node.js ${REUSE_PORT_NODE}; this is Node.js ${process.version}` : undefined),
    doc: 'Extra threads serving OTLP/HTTP on the same port beside the main thread (the kernel spreads connections over them with SO_REUSEPORT), each writing into the ring; 0 serves on the main thread only. Needs Node.js 22.12 or later and `buffer.durability: memory`.',
  },
});

const GRPC_FIELDS = fieldTable({
  endpoint: { type: 'endpoint', default: DEFAULT_GRPC.endpoint, doc: 'host:port to listen on; port 0 picks a free one.' },
  max_recv_msg_size: { type: 'bytes', default: DEFAULT_GRPC.maxRecvMsgSize, min: 1024, max: 2 ** 30, doc: 'Largest request after decompression (RESOURCE_EXHAUSTED beyond).' },
  max_recv_msg_size_mib: { type: 'number', min: 1, max: 1024, doc: 'The Collector\'s spelling of max_recv_msg_size, in MiB; used when set.' },
  max_concurrent_streams: { type: 'integer', default: DEFAULT_GRPC.maxConcurrentStreams, min: 1, doc: 'Concurrent streams per HTTP/2 connection.' },
  tls: { type: 'section', fields: TLS_FIELDS, doc: 'Serve TLS (and mTLS with client_ca_file).' },
  auth: { type: 'section', fields: AUTH_FIELDS, doc: 'Bearer token required on every call.' },
});

export const OTLP_RECEIVER_FIELDS = fieldTable({
  protocols: {
    type: 'section',
    doc: 'The protocols served; at least one of grpc and http (`http: {}` takes every default).',
    fields: {
      http: { type: 'section', fields: HTTP_FIELDS, doc: 'OTLP/HTTP: POST /v1/traces, /v1/logs, /v1/metrics, protobuf or JSON.' },
      grpc: { type: 'section', fields: GRPC_FIELDS, doc: 'OTLP/gRPC.' },
    },
  },
});

const NO_PROTOCOL = 'at least one protocol (grpc or http) must be configured';

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): OtlpReceiverConfig {
  const f = new Fields(raw, path, errors, OTLP_RECEIVER_FIELDS);
  if (!f.has('protocols')) {
    f.fail('protocols', NO_PROTOCOL);
    return createDefaultConfig();
  }
  const p = f.sub('protocols');
  if (!('http' in p.obj) && !('grpc' in p.obj)) {
    f.fail('protocols', NO_PROTOCOL);
    return createDefaultConfig();
  }
  return {
    http: 'http' in p.obj ? parseHttp(p.sub('http')) : undefined,
    grpc: 'grpc' in p.obj ? parseGrpc(p.sub('grpc')) : undefined,
  };
}

function parseHttp(h: Fields<typeof HTTP_FIELDS>): OtlpHttpConfig {
  return {
    endpoint: h.get('endpoint'),
    maxRequestBodySize: h.get('max_request_body_size'),
    tracesUrlPath: h.get('traces_url_path'),
    logsUrlPath: h.get('logs_url_path'),
    metricsUrlPath: h.get('metrics_url_path'),
    tls: parseTls(h),
    auth: parseAuth(h),
    cors: parseCors(h),
    workerThreads: h.get('worker_threads'),
  };
}

function parseGrpc(g: Fields<typeof GRPC_FIELDS>): OtlpGrpcConfig {
  const mib = g.get('max_recv_msg_size_mib');
  return {
    endpoint: g.get('endpoint'),
    maxRecvMsgSize: mib !== undefined ? mib * 1048576 : g.get('max_recv_msg_size'),
    maxConcurrentStreams: g.get('max_concurrent_streams'),
    tls: parseTls(g),
    auth: parseAuth(g),
  };
}
