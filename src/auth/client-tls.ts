// `tls` of a client (OTLP and Kafka exporters, the Kafka receiver), in the Collector's
// configtls shape. Files are checked to exist at parse time: a typo fails `validate`.
import { existsSync } from 'node:fs';
import { fieldTable } from '../config/field-table.js';
import type { Fields } from '../config/fields.js';

export interface ClientTlsConfig {
  /** plaintext (no TLS at all) */
  insecure: boolean;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** TLS without verifying the server's certificate (tests, never production) */
  insecureSkipVerify: boolean;
  serverNameOverride: string;
}

const exists = (p: string): string | undefined => (p !== '' && !existsSync(p) ? `no such file: ${p}` : undefined);

export const CLIENT_TLS_FIELDS = fieldTable({
  insecure: { type: 'bool', default: false, doc: 'Plaintext: no TLS at all.' },
  ca_file: { type: 'string', default: '', check: exists, doc: 'PEM CA bundle to verify the server with; empty: the system CAs.' },
  cert_file: { type: 'string', default: '', check: exists, doc: 'PEM client certificate (mTLS); goes with key_file.' },
  key_file: { type: 'string', default: '', check: exists, doc: 'PEM private key of cert_file.' },
  insecure_skip_verify: { type: 'bool', default: false, doc: 'TLS without verifying the server certificate (tests only).' },
  server_name_override: { type: 'string', default: '', doc: 'Server name checked in the certificate (and sent as SNI) instead of the host.' },
});

export function parseClientTls(f: Fields<typeof CLIENT_TLS_FIELDS>): ClientTlsConfig {
  const tls: ClientTlsConfig = {
    insecure: f.get('insecure'),
    caFile: f.get('ca_file'),
    certFile: f.get('cert_file'),
    keyFile: f.get('key_file'),
    insecureSkipVerify: f.get('insecure_skip_verify'),
    serverNameOverride: f.get('server_name_override'),
  };
  if ((tls.certFile === '') !== (tls.keyFile === '')) f.fail(tls.certFile === '' ? 'cert_file' : 'key_file', 'cert_file and key_file go together');
  return tls;
}
