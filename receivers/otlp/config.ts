import type { ConfigErrors } from '../../src/config/errors.js';
import { Fields } from '../../src/config/fields.js';

export interface OtlpHttpConfig {
  endpoint: string;
  maxRequestBodySize: number;
  tracesUrlPath: string;
  logsUrlPath: string;
  metricsUrlPath: string;
}

export interface OtlpReceiverConfig {
  http: OtlpHttpConfig | undefined;
}

export const DEFAULT_HTTP: OtlpHttpConfig = {
  endpoint: '127.0.0.1:4318',
  maxRequestBodySize: 20 * 1024 * 1024,
  tracesUrlPath: '/v1/traces',
  logsUrlPath: '/v1/logs',
  metricsUrlPath: '/v1/metrics',
};

export function createDefaultConfig(): OtlpReceiverConfig {
  return { http: { ...DEFAULT_HTTP } };
}

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): OtlpReceiverConfig {
  const f = new Fields(raw, path, errors, ['protocols']);
  if (!f.has('protocols')) {
    f.fail('protocols', 'at least one protocol (http) must be configured');
    return createDefaultConfig();
  }
  const p = f.sub('protocols', ['http', 'grpc']);
  if (p.has('grpc')) p.fail('grpc', 'OTLP/gRPC is not available in this build yet; use http');
  if (!('http' in p.obj)) {
    p.fail('http', 'at least one protocol (http) must be configured');
    return createDefaultConfig();
  }
  const h = p.sub('http', ['endpoint', 'max_request_body_size', 'traces_url_path', 'logs_url_path', 'metrics_url_path']);
  const urlPath = (key: string, def: string): string => {
    const v = h.string(key, def);
    if (!v.startsWith('/')) h.fail(key, 'must start with "/"');
    return v;
  };
  return {
    http: {
      endpoint: h.endpoint('endpoint', DEFAULT_HTTP.endpoint),
      maxRequestBodySize: h.bytes('max_request_body_size', DEFAULT_HTTP.maxRequestBodySize, { min: 1024 }),
      tracesUrlPath: urlPath('traces_url_path', DEFAULT_HTTP.tracesUrlPath),
      logsUrlPath: urlPath('logs_url_path', DEFAULT_HTTP.logsUrlPath),
      metricsUrlPath: urlPath('metrics_url_path', DEFAULT_HTTP.metricsUrlPath),
    },
  };
}
