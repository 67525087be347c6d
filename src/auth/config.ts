// Config shapes shared by every server that takes connections (OTLP/HTTP, OTLP/gRPC, the
// telemetry endpoint): TLS with optional client CA (mTLS) and bearer-token auth.
//
//   tls:  { cert_file, key_file, client_ca_file, min_version: "1.2" | "1.3" }
//   auth: { bearer_token_file: /run/secrets/token }   or   { bearer_token_env: ATC_TOKEN }
//
// Files are read at start (and the token file again when it changes), never at parse time,
// so `validate` works on a machine without the secrets; parse only checks the shape.
import { fieldTable } from '../config/field-table.js';
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

export const TLS_FIELDS = fieldTable({
  cert_file: { type: 'string', doc: 'PEM certificate (chain) the server presents; required when tls is set.' },
  key_file: { type: 'string', doc: 'PEM private key of cert_file; required when tls is set.' },
  client_ca_file: { type: 'string', doc: 'PEM CA bundle: when set, clients must present a certificate signed by one of these (mTLS).' },
  min_version: { type: 'enum', values: ['1.2', '1.3'], default: '1.2', doc: 'Lowest TLS version accepted.' },
});

export const AUTH_FIELDS = fieldTable({
  bearer_token_file: { type: 'string', doc: 'File holding the bearer token clients must send (trailing whitespace ignored); re-read when it changes.' },
  bearer_token_env: { type: 'string', doc: 'Name of an environment variable holding the bearer token (instead of bearer_token_file).' },
});

export function parseTls(parent: Fields, key = 'tls'): TlsConfig | undefined {
  if (!parent.has(key)) return undefined;
  const f = parent.sub(key, TLS_FIELDS);
  const certFile = f.get('cert_file') ?? '';
  const keyFile = f.get('key_file') ?? '';
  if (certFile === '') f.fail('cert_file', 'required when tls is set');
  if (keyFile === '') f.fail('key_file', 'required when tls is set');
  const v = f.get('min_version');
  return { certFile, keyFile, clientCaFile: f.get('client_ca_file'), minVersion: v === '1.3' ? 'TLSv1.3' : 'TLSv1.2' };
}

export function parseAuth(parent: Fields, key = 'auth'): AuthConfig | undefined {
  if (!parent.has(key)) return undefined;
  const f = parent.sub(key, AUTH_FIELDS);
  const file = f.get('bearer_token_file');
  const env = f.get('bearer_token_env');
  if (file === undefined && env === undefined) f.fail('bearer_token_file', 'set bearer_token_file or bearer_token_env');
  if (file !== undefined && env !== undefined) f.fail('bearer_token_env', 'set only one of bearer_token_file and bearer_token_env');
  if (env !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) f.fail('bearer_token_env', `not an environment variable name: "${env}"`);
  return { bearerTokenFile: file, bearerTokenEnv: env };
}
