import type { ConfigErrors } from '../../src/config/errors.js';
import { Fields } from '../../src/config/fields.js';
import { parseAuth, parseTls, type AuthConfig, type TlsConfig } from '../../src/auth/config.js';
import { parseCors, type CorsConfig } from '../../src/auth/cors.js';

export interface OtlpHttpConfig {
  endpoint: string;
  maxRequestBodySize: number;
  tracesUrlPath: string;
  logsUrlPath: string;
  metricsUrlPath: string;
  tls?: TlsConfig | undefined;
  auth?: AuthConfig | undefined;
  cors?: CorsConfig | undefined;
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
};

export const DEFAULT_GRPC: OtlpGrpcConfig = {
  endpoint: '127.0.0.1:4317',
  maxRecvMsgSize: 20 * 1024 * 1024,
  maxConcurrentStreams: 256,
};

export function createDefaultConfig(): OtlpReceiverConfig {
  return { http: { ...DEFAULT_HTTP }, grpc: { ...DEFAULT_GRPC } };
}

const NO_PROTOCOL = 'at least one protocol (grpc or http) must be configured';

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): OtlpReceiverConfig {
  const f = new Fields(raw, path, errors, ['protocols']);
  if (!f.has('protocols')) {
    f.fail('protocols', NO_PROTOCOL);
    return createDefaultConfig();
  }
  const p = f.sub('protocols', ['http', 'grpc']);
  if (!('http' in p.obj) && !('grpc' in p.obj)) {
    f.fail('protocols', NO_PROTOCOL);
    return createDefaultConfig();
  }
  return {
    http: 'http' in p.obj ? parseHttp(p) : undefined,
    grpc: 'grpc' in p.obj ? parseGrpc(p) : undefined,
  };
}

function parseHttp(p: Fields): OtlpHttpConfig {
  const h = p.sub('http', ['endpoint', 'max_request_body_size', 'traces_url_path', 'logs_url_path', 'metrics_url_path', 'tls', 'auth', 'cors']);
  const urlPath = (key: string, def: string): string => {
    const v = h.string(key, def);
    if (!v.startsWith('/')) h.fail(key, 'must start with "/"');
    return v;
  };
  return {
    endpoint: h.endpoint('endpoint', DEFAULT_HTTP.endpoint),
    maxRequestBodySize: h.bytes('max_request_body_size', DEFAULT_HTTP.maxRequestBodySize, { min: 1024 }),
    tracesUrlPath: urlPath('traces_url_path', DEFAULT_HTTP.tracesUrlPath),
    logsUrlPath: urlPath('logs_url_path', DEFAULT_HTTP.logsUrlPath),
    metricsUrlPath: urlPath('metrics_url_path', DEFAULT_HTTP.metricsUrlPath),
    tls: parseTls(h),
    auth: parseAuth(h),
    cors: parseCors(h),
  };
}

function parseGrpc(p: Fields): OtlpGrpcConfig {
  const g = p.sub('grpc', ['endpoint', 'max_recv_msg_size', 'max_recv_msg_size_mib', 'max_concurrent_streams', 'tls', 'auth']);
  // The Collector spells it max_recv_msg_size_mib; both are accepted.
  const size = g.has('max_recv_msg_size_mib')
    ? g.number('max_recv_msg_size_mib', DEFAULT_GRPC.maxRecvMsgSize / 1048576, { min: 1, max: 1024 }) * 1048576
    : g.bytes('max_recv_msg_size', DEFAULT_GRPC.maxRecvMsgSize, { min: 1024, max: 2 ** 30 });
  return {
    endpoint: g.endpoint('endpoint', DEFAULT_GRPC.endpoint),
    maxRecvMsgSize: size,
    maxConcurrentStreams: g.number('max_concurrent_streams', DEFAULT_GRPC.maxConcurrentStreams, { min: 1, integer: true }),
    tls: parseTls(g),
    auth: parseAuth(g),
  };
}
