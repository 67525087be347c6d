// Config shapes shared by every server that takes connections (OTLP/HTTP, OTLP/gRPC, the
// telemetry endpoint): TLS with optional client CA (mTLS) and bearer-token auth.
//
//   tls:  { cert_file, key_file, client_ca_file, min_version: "1.2" | "1.3" }
//   auth: { bearer_token_file: /run/secrets/token }   or   { bearer_token_env: ATC_TOKEN }
//
// Files are read at start (and the token file again when it changes), never at parse time,
// so `validate` works on a machine without the secrets; parse only checks the shape.
import type { Fields } from '../config/fields.js';

export interface TlsConfig {
  certFile: string;
  keyFile: string;
  /** PEM bundle of CAs clients must present a certificate from (mTLS); none: no client certs */
  clientCaFile: string | undefined;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
}

export interface AuthConfig {
  /** a file holding the token (trailing whitespace ignored); re-read when it changes */
  bearerTokenFile: string | undefined;
  /** the name of an environment variable holding the token */
  bearerTokenEnv: string | undefined;
}

export const TLS_KEYS = ['cert_file', 'key_file', 'client_ca_file', 'min_version'] as const;
export const AUTH_KEYS = ['bearer_token_file', 'bearer_token_env'] as const;

export function parseTls(parent: Fields, key = 'tls'): TlsConfig | undefined {
  if (!parent.has(key)) return undefined;
  const f = parent.sub(key, TLS_KEYS);
  const certFile = f.string('cert_file', '');
  const keyFile = f.string('key_file', '');
  if (certFile === '') f.fail('cert_file', 'required when tls is set');
  if (keyFile === '') f.fail('key_file', 'required when tls is set');
  const v = f.enum('min_version', ['1.2', '1.3'] as const, '1.2');
  return { certFile, keyFile, clientCaFile: f.optionalString('client_ca_file'), minVersion: v === '1.3' ? 'TLSv1.3' : 'TLSv1.2' };
}

export function parseAuth(parent: Fields, key = 'auth'): AuthConfig | undefined {
  if (!parent.has(key)) return undefined;
  const f = parent.sub(key, AUTH_KEYS);
  const file = f.optionalString('bearer_token_file');
  const env = f.optionalString('bearer_token_env');
  if (file === undefined && env === undefined) f.fail('bearer_token_file', 'set bearer_token_file or bearer_token_env');
  if (file !== undefined && env !== undefined) f.fail('bearer_token_env', 'set only one of bearer_token_file and bearer_token_env');
  if (env !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) f.fail('bearer_token_env', `not an environment variable name: "${env}"`);
  return { bearerTokenFile: file, bearerTokenEnv: env };
}
