// Bearer-token auth (401 / UNAUTHENTICATED, tokens never logged), TLS and mTLS on both OTLP
// protocols, CORS for browser SDKs. Certificates are made with openssl for each run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { credentials, Metadata, status as Status } from '@grpc/grpc-js';
import { tempDir, startCollector, type TestCollector } from '../../harness/collector.js';
import type { OtlpReceiver } from '../../../receivers/otlp/otlp-receiver.js';
import { encodeRequest } from '../../../src/otlp/index.js';
import { exportRaw, rawClient } from './grpc-helpers.js';

const dir = tempDir('atc-tls-');
function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}
function makeCerts(): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=atc-test-ca');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const who of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
    openssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.crt`, '-days', '2', '-extfile', 'san.ext');
  }
}
const f = (n: string): Buffer => readFileSync(join(dir, n));
const TOKEN = 'tok-9f8e7d6c5b4a';
const spans = Buffer.from(encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'secure-span' }] }] }] }));

function httpsPost(port: number, path: string, body: Buffer, headers: Record<string, string>, client = true): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: headers['method'] ?? 'POST', headers, ca: f('ca.crt'), ...(client ? { cert: f('client.crt'), key: f('client.key') } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('auth, TLS and CORS on the OTLP receiver', { timeout: 60_000 }, () => {
  let c: TestCollector;
  let logFile: string;
  before(async () => {
    makeCerts();
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    logFile = join(dir, 'collector.log');
    const tls = `{ cert_file: ${dir}/server.crt, key_file: ${dir}/server.key, client_ca_file: ${dir}/ca.crt }`;
    c = await startCollector({
      yaml: (dataDir) => `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
        tls: ${tls}
        auth: { bearer_token_file: ${dir}/token }
        cors: { allowed_origins: ["https://*.example.com"], max_age: 600 }
      grpc:
        endpoint: 127.0.0.1:0
        tls: ${tls}
        auth: { bearer_token_file: ${dir}/token }
exporters:
  file: { directory: ${dataDir}, fsync: false }
spill: { directory: ${dataDir}.spill }
service:
  telemetry:
    metrics: { endpoint: 127.0.0.1:0 }
    logs:
      level: \${env:ATC_TEST_LOG_LEVEL:-silent}
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
`,
    });
  });
  after(async () => {
    await c?.shutdown();
  });
  const httpPort = (): number => (c.service.receivers.get('otlp') as OtlpReceiver).httpAddress()!.port;
  const grpcPort = (): number => (c.service.receivers.get('otlp') as OtlpReceiver).grpcAddress()!.port;

  test('HTTPS + mTLS + bearer: 401 without or with a wrong token, 200 with the right one', async () => {
    const ct = { 'content-type': 'application/x-protobuf' };
    const none = await httpsPost(httpPort(), '/v1/traces', spans, ct);
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assert.equal((await httpsPost(httpPort(), '/v1/traces', spans, { ...ct, authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await httpsPost(httpPort(), '/v1/traces', spans, { ...ct, authorization: `bearer ${TOKEN}` })).status, 200);
    // no client certificate: the handshake is refused
    await assert.rejects(httpsPost(httpPort(), '/v1/traces', spans, { ...ct, authorization: `Bearer ${TOKEN}` }, false));
    // plain HTTP to the TLS port gets nothing
    await assert.rejects(fetch(`http://127.0.0.1:${httpPort()}/v1/traces`, { method: 'POST', body: spans, headers: ct, signal: AbortSignal.timeout(2000) }));
  });

  test('gRPC over mTLS: UNAUTHENTICATED without the token, OK with it; no client certificate, no call', async () => {
    const creds = credentials.createSsl(f('ca.crt'), f('client.key'), f('client.crt'));
    const cl = rawClient('traces', grpcPort(), {}, creds);
    const a = await exportRaw(cl, spans);
    assert.equal(a.err?.code, Status.UNAUTHENTICATED);
    const md = new Metadata();
    md.set('authorization', `Bearer ${TOKEN}`);
    const b = await exportRaw(cl, spans, md);
    assert.equal(b.err, null);
    cl.close();
    const insecure = rawClient('traces', grpcPort());
    const d = await exportRaw(insecure, spans, md);
    insecure.close();
    assert.equal(d.err?.code, Status.UNAVAILABLE, 'plaintext client cannot talk to the TLS port');
    // TLS without a client certificate: the mTLS handshake is refused
    const noCert = rawClient('traces', grpcPort(), {}, credentials.createSsl(f('ca.crt')));
    const e = await exportRaw(noCert, spans, md);
    noCert.close();
    assert.equal(e.err?.code, Status.UNAVAILABLE, 'no client certificate, no call');
  });

  test('CORS: preflight answered for an allowed origin without credentials, refused for others', async () => {
    const pre = await httpsPost(httpPort(), '/v1/traces', Buffer.alloc(0), { method: 'OPTIONS', origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(String(pre.headers['access-control-allow-headers']), /content-type/);
    assert.equal(pre.headers['access-control-max-age'], '600');
    const other = await httpsPost(httpPort(), '/v1/traces', Buffer.alloc(0), { method: 'OPTIONS', origin: 'https://evil.test', 'access-control-request-method': 'POST' });
    assert.equal(other.status, 403);
    const real = await httpsPost(httpPort(), '/v1/traces', spans, { 'content-type': 'application/x-protobuf', origin: 'https://app.example.com', authorization: `Bearer ${TOKEN}` });
    assert.equal(real.status, 200);
    assert.equal(real.headers['access-control-allow-origin'], 'https://app.example.com');
  });

  test('configuration errors name the key', async () => {
    const { ConfigErrors } = await import('../../../src/config/errors.js');
    const { parseConfig } = await import('../../../receivers/otlp/config.js');
    const errors = new ConfigErrors();
    parseConfig({ protocols: { grpc: { tls: { cert_file: 'x' }, auth: {} }, http: { cors: { allowed_origins: ['not an origin'] } } } }, 'receivers.otlp', errors);
    const text = errors.toString();
    assert.match(text, /receivers\.otlp\.protocols\.grpc\.tls\.key_file: required when tls is set/);
    assert.match(text, /receivers\.otlp\.protocols\.grpc\.auth\.bearer_token_file: set bearer_token_file or bearer_token_env/);
    assert.match(text, /receivers\.otlp\.protocols\.http\.cors\.allowed_origins\[0\]: not an origin/);
    void logFile;
  });
});
