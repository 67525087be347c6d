// TLS material for node:https, node:http2 and node:tls servers, read from files.
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { TlsConfig } from './config.js';

export class TlsSetupError extends Error {}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer | undefined;
}

function readPem(file: string, what: string): Buffer {
  try {
    const b = readFileSync(file);
    if (!b.includes('-----BEGIN')) throw new TlsSetupError(`${what} ${file} is not PEM`);
    return b;
  } catch (e) {
    if (e instanceof TlsSetupError) throw e;
    throw new TlsSetupError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function loadTls(cfg: TlsConfig): TlsMaterial {
  return {
    cert: readPem(cfg.certFile, 'tls.cert_file'),
    key: readPem(cfg.keyFile, 'tls.key_file'),
    ca: cfg.clientCaFile ? readPem(cfg.clientCaFile, 'tls.client_ca_file') : undefined,
  };
}

/** Options for `https.createServer` / `tls.createServer`: mTLS when a client CA is set. */
export function serverTlsOptions(cfg: TlsConfig): TlsOptions & SecureContextOptions {
  const m = loadTls(cfg);
  const opts: TlsOptions & SecureContextOptions = { cert: m.cert, key: m.key, minVersion: cfg.minVersion };
  if (m.ca) {
    opts.ca = m.ca;
    opts.requestCert = true;
    opts.rejectUnauthorized = true;
  }
  return opts;
}
