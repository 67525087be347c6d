// GET with a deadline, a body size cap (after gzip too), basic/bearer auth and TLS options:
// used for scrapes and for the Kubernetes API.
import type { Reservation } from './memory-budget.js';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { HttpClientConfig } from './config.js';

export class HttpError extends Error {}

export interface GetResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function authHeader(h: HttpClientConfig): string | undefined {
  if (h.basicAuth) {
    const pw = h.basicAuth.passwordFile ? readFileSync(h.basicAuth.passwordFile, 'utf8').trim() : (h.basicAuth.password ?? '');
    return `Basic ${Buffer.from(`${h.basicAuth.username}:${pw}`).toString('base64')}`;
  }
  if (h.authorization) {
    const cred = h.authorization.credentialsFile ? readFileSync(h.authorization.credentialsFile, 'utf8').trim() : (h.authorization.credentials ?? '');
    return `${h.authorization.type} ${cred}`;
  }
  return undefined;
}

const tlsCache = new Map<string, { ca?: Buffer; cert?: Buffer; key?: Buffer }>();
function tlsFiles(h: HttpClientConfig): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const k = `${h.tls.caFile}|${h.tls.certFile}|${h.tls.keyFile}`;
  let v = tlsCache.get(k);
  if (!v) {
    v = {};
    if (h.tls.caFile) v.ca = readFileSync(h.tls.caFile);
    if (h.tls.certFile) v.cert = readFileSync(h.tls.certFile);
    if (h.tls.keyFile) v.key = readFileSync(h.tls.keyFile);
    tlsCache.set(k, v);
  }
  return v;
}

export function httpGet(url: string, opts: { headers: Record<string, string>; timeoutMs: number; maxBytes: number; http: HttpClientConfig; budget?: Reservation }): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = { 'accept-encoding': 'gzip', ...opts.headers };
    const auth = authHeader(opts.http);
    if (auth) headers['authorization'] = auth;
    const signal = AbortSignal.timeout(opts.timeoutMs);
    const common = { method: 'GET', headers, signal };
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, { ...common, ...tlsFiles(opts.http), rejectUnauthorized: !opts.http.tls.insecureSkipVerify, ...(opts.http.tls.serverName ? { servername: opts.http.tls.serverName } : {}) })
        : httpRequest(u, common);
    const fail = (e: Error): void => {
      if (signal.aborted) reject(new HttpError(`timed out after ${opts.timeoutMs}ms (scrape_timeout)`));
      else reject(e instanceof HttpError ? e : new HttpError(e.message));
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      const gz = (res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
      const src = gz ? res.pipe(createGunzip()) : res;
      const chunks: Buffer[] = [];
      let total = 0;
      let done = false;
      src.on('data', (c: Buffer) => {
        total += c.length;
        if (total > opts.maxBytes && !done) {
          done = true;
          req.destroy();
          reject(new HttpError(`body exceeds body_size_limit (${opts.maxBytes} bytes)`));
          return;
        }
        if (opts.budget && !opts.budget.take(c.length) && !done) {
          done = true;
          req.destroy();
          reject(new HttpError('scrape_memory_budget exhausted: other scrapes hold the receiver\'s scrape memory'));
          return;
        }
        chunks.push(c);
      });
      src.on('error', (e: Error) => {
        if (!done) {
          done = true;
          fail(e);
        }
      });
      res.on('aborted', () => {
        if (!done) {
          done = true;
          fail(new HttpError('connection closed before the body was complete (truncated)'));
        }
      });
      src.on('end', () => {
        if (done) return;
        done = true;
        if (!gz && Number.isFinite(declared) && total < declared) return reject(new HttpError(`body truncated: ${total} of ${declared} bytes`));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) });
      });
    });
    req.end();
  });
}
