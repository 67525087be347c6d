// The own-telemetry endpoint over HTTPS (mTLS with a client CA) with a bearer token on
// /metrics; the probes stay open for kubelet. Certificates are made with openssl per run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCollector, tempDir, type TestCollector } from '../../harness/collector.js';

const dir = tempDir('atc-tel-tls-');
const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const f = (n: string): Buffer => readFileSync(join(dir, n));
const TOKEN = 'scrape-token-1234';
let c: TestCollector;
let port = 0;

function get(path: string, headers: Record<string, string>, client = true): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, ca: f('ca.crt'), ...(client ? { cert: f('client.crt'), key: f('client.key') } : {}) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=atc-test-ca');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const who of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
    openssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.crt`, '-days', '2', '-extfile', 'san.ext');
  }
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  c = await startCollector({
    yaml: (dataDir) => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters: { file: { directory: ${dataDir}, fsync: false } }
spill: { directory: ${dataDir}.spill }
service:
  telemetry:
    metrics:
      endpoint: 127.0.0.1:0
      tls: { cert_file: ${dir}/server.crt, key_file: ${dir}/server.key, client_ca_file: ${dir}/ca.crt }
      auth: { bearer_token_file: ${dir}/token }
    logs: { level: silent }
  pipelines: { traces: { receivers: [otlp], exporters: [file] } }
`,
  });
  port = (c.service.telemetryAddress as AddressInfo).port;
});

after(async () => c?.shutdown());

test('/metrics needs the bearer token over mTLS; probes stay open; plain HTTP and cert-less clients are refused', { timeout: 30_000 }, async () => {
  assert.equal((await get('/metrics', {})).status, 401);
  assert.equal((await get('/metrics', { authorization: 'Bearer wrong' })).status, 401);
  const ok = await get('/metrics', { authorization: `Bearer ${TOKEN}` });
  assert.equal(ok.status, 200);
  assert.match(ok.body, /atc_ring_capacity_bytes/);
  assert.equal((await get('/healthz', {})).status, 200);
  assert.equal((await get('/readyz', {})).status, 200);
  await assert.rejects(get('/healthz', {}, false));
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
});
