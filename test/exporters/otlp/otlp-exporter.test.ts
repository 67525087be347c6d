// The OTLP exporter against our own loopback peers: bytes arrive exactly as batched, with the
// configured headers and compression; throttling (429/503 + Retry-After, RESOURCE_EXHAUSTED +
// RetryInfo) is honoured; a partial success is counted and not retried; 400 is not retried.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { RetryingExporter } from '../../../src/exporterhelper/retrying-exporter.js';
import { parseOtlpConfig, type OtlpExporterConfig } from '../../../exporters/otlp/config.js';
import { OtlpExporter } from '../../../exporters/otlp/otlp-exporter.js';
import { grpcRetryDelayMs, retryAfterMs } from '../../../exporters/otlp/responses.js';
import { tempDir } from '../../harness/collector.js';
import { makeBatch, makeRequest, testContext } from '../kafka/fixtures.js';
import { startGrpcPeer, startHttpPeer, type GrpcPeer, type HttpPeer } from './peer.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});

function config(raw: Record<string, unknown>, protocol: 'grpc' | 'http/protobuf' = 'http/protobuf'): OtlpExporterConfig {
  const errors = new ConfigErrors();
  const cfg = parseOtlpConfig(protocol)({ retry: { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '20s' }, ...raw }, 'exporters.otlp', errors);
  assert.deepEqual(errors.list, []);
  return cfg;
}

function exporter(cfg: OtlpExporterConfig, id = 'otlphttp') {
  const ctx = testContext(id);
  const e = new RetryingExporter(new OtlpExporter(cfg, ctx), cfg.retry, ctx);
  closers.push(() => e.shutdown());
  return { e, ctx };
}

describe('config', () => {
  test('defaults follow the Collector (gzip, gRPC on 4317, HTTP on 4318)', () => {
    const g = config({}, 'grpc');
    assert.equal(g.endpoint, 'localhost:4317');
    assert.equal(g.compression, 'gzip');
    const h = config({}, 'http/protobuf');
    assert.equal(h.endpoint, 'http://localhost:4318');
  });

  test('every problem is reported with its key path', () => {
    const errors = new ConfigErrors();
    parseOtlpConfig('grpc')(
      { endpoint: 'nope', compression: 'zstd', traces_endpoint: 'http://x/v1/traces', tls: { ca_file: '/no/such/ca.pem', cert_file: '/no/such.pem' }, retry: { multiplier: 0 }, hedaers: {} },
      'exporters.otlp',
      errors,
    );
    const paths = errors.list.map((e) => e.path).sort();
    assert.deepEqual(paths, [
      'exporters.otlp.compression',
      'exporters.otlp.endpoint',
      'exporters.otlp.hedaers',
      'exporters.otlp.retry.multiplier',
      'exporters.otlp.tls.ca_file',
      'exporters.otlp.tls.cert_file',
      'exporters.otlp.tls.key_file',
      'exporters.otlp.traces_endpoint',
    ]);
    assert.match(errors.list.find((e) => e.path.endsWith('hedaers'))!.message, /did you mean "headers"/);
  });

  test('Retry-After: seconds and HTTP-date; RetryInfo from grpc-status-details-bin', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs(new Date(Date.now() + 2000).toUTCString(), Date.now()) !== undefined, true);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
    assert.equal(retryAfterMs('100000'), 300_000);
    assert.equal(grpcRetryDelayMs(undefined), undefined);
  });
});

describe('OTLP/HTTP', () => {
  let peer: HttpPeer;

  test('bytes in, bytes out: the batch arrives as it is, with headers, gzip and zstd', async () => {
    peer = await startHttpPeer();
    closers.push(() => peer.close());
    for (const compression of ['gzip', 'zstd', 'none'] as const) {
      const { e } = exporter(config({ endpoint: peer.url, compression, headers: { 'x-tenant': 'gpu-a', authorization: 'Bearer t0k' } }));
      await e.start();
      for (const signal of ['traces', 'logs', 'metrics'] as const) {
        const data = makeRequest(signal, { tag: compression });
        const r = await e.export(makeBatch(signal, data));
        assert.equal(r.outcome, 'success');
        const got = peer.requests.at(-1)!;
        assert.equal(got.signal, signal);
        assert.equal(got.encoding, compression === 'none' ? undefined : compression);
        assert.deepEqual(new Uint8Array(got.body), data, `${signal} ${compression}: bytes differ`);
        assert.equal(got.headers['x-tenant'], 'gpu-a');
        assert.equal(got.headers['authorization'], 'Bearer t0k');
        assert.equal(got.headers['content-type'], 'application/x-protobuf');
      }
    }
  });

  test('429 and 503 with Retry-After are retried no sooner than the server asked', async () => {
    peer.requests.length = 0;
    peer.script.push({ status: 429, retryAfter: '1' }, { status: 503, retryAfter: '1' }, { status: 502 });
    const { e, ctx } = exporter(config({ endpoint: peer.url, compression: 'none' }));
    await e.start();
    const t0 = Date.now();
    const r = await e.export(makeBatch('logs', makeRequest('logs')));
    assert.equal(r.outcome, 'success');
    assert.equal(peer.requests.length, 4);
    const gaps = peer.requests.slice(1).map((q, i) => q.at - peer.requests[i]!.at);
    assert.ok(gaps[0]! >= 950 && gaps[1]! >= 950, `retried before Retry-After: gaps ${gaps.join(', ')} ms`);
    assert.ok(gaps[2]! < 900, `502 without Retry-After waits the backoff only: ${gaps[2]} ms`);
    assert.ok(Date.now() - t0 >= 1900);
    assert.equal(ctx.metrics.get('atc_exporter_retries_total', { exporter: 'otlphttp', signal: 'logs' }), 3);
    assert.equal(ctx.metrics.get('atc_exporter_otlp_requests_total', { exporter: 'otlphttp', signal: 'logs', status: '429' }), 1);
  });

  test('a partial success is counted and logged, never retried', async () => {
    peer.requests.length = 0;
    peer.script.push({ status: 200, partial: { rejected: 3, message: 'three spans too old' } });
    const { e, ctx } = exporter(config({ endpoint: peer.url }));
    await e.start();
    const data = makeRequest('traces', { resources: 1, scopesPerResource: 1, itemsPerScope: 10 });
    const r = await e.export(makeBatch('traces', data));
    assert.equal(r.outcome, 'success');
    assert.equal(peer.requests.length, 1);
    assert.equal(ctx.metrics.get('atc_exporter_otlp_partial_success_rejected_items_total', { exporter: 'otlphttp', signal: 'traces' }), 3);
    assert.equal(ctx.metrics.get('atc_exporter_sent_spans_total', { exporter: 'otlphttp' }), 7);
  });

  test('400 and 413 fail at once; a refused connection is retryable', async () => {
    peer.requests.length = 0;
    peer.script.push({ status: 400, message: 'bad data' }, { status: 413 });
    const { e, ctx } = exporter(config({ endpoint: peer.url }));
    await e.start();
    const r1 = await e.export(makeBatch('logs', makeRequest('logs')));
    assert.equal(r1.outcome, 'failure');
    assert.match((r1 as { error: Error }).error.message, /400 bad data/);
    const r2 = await e.export(makeBatch('logs', makeRequest('logs')));
    assert.equal(r2.outcome, 'failure');
    assert.equal(peer.requests.length, 2);
    assert.equal(ctx.metrics.get('atc_exporter_send_failed_batches_total', { exporter: 'otlphttp', signal: 'logs' }), 2);

    const dead = new OtlpExporter(config({ endpoint: 'http://127.0.0.1:1', timeout: '2s' }), testContext());
    await dead.start();
    const r3 = await dead.export(makeBatch('logs', makeRequest('logs')));
    assert.equal(r3.outcome, 'retryable');
    await dead.shutdown();
  });

  test('a server that never answers times out (retryable)', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    silent.listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    closers.push(async () => void silent.close());
    const port = (silent.address() as { port: number }).port;
    const x = new OtlpExporter(config({ endpoint: `http://127.0.0.1:${port}`, timeout: '300ms' }), testContext());
    await x.start();
    const t0 = Date.now();
    const r = await x.export(makeBatch('logs', makeRequest('logs')));
    assert.equal(r.outcome, 'retryable');
    assert.ok(Date.now() - t0 < 3000);
    await x.shutdown();
    silent.close();
  });

  test('TLS: verified against ca_file; refused without it; insecure_skip_verify for tests', async () => {
    const dir = tempDir('atc-otlp-tls-');
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const tlsPeer = await startHttpPeer({ tls: { key: readFileSync(key), cert: readFileSync(cert) } });
    closers.push(() => tlsPeer.close());
    const ok = new OtlpExporter(config({ endpoint: tlsPeer.url, tls: { ca_file: cert } }), testContext());
    await ok.start();
    assert.equal((await ok.export(makeBatch('logs', makeRequest('logs')))).outcome, 'success');
    await ok.shutdown();
    const unknownCa = new OtlpExporter(config({ endpoint: tlsPeer.url }), testContext());
    await unknownCa.start();
    const r = await unknownCa.export(makeBatch('logs', makeRequest('logs')));
    assert.notEqual(r.outcome, 'success');
    assert.match((r as { error: Error }).error.message, /self.signed|certificate/i);
    await unknownCa.shutdown();
    const skip = new OtlpExporter(config({ endpoint: tlsPeer.url, tls: { insecure_skip_verify: true } }), testContext());
    await skip.start();
    assert.equal((await skip.export(makeBatch('logs', makeRequest('logs')))).outcome, 'success');
    await skip.shutdown();
    assert.equal(tlsPeer.requests.length, 2);
  });
});

describe('OTLP/gRPC', () => {
  let peer: GrpcPeer;

  test('bytes in, bytes out, with metadata and gzip', async () => {
    peer = await startGrpcPeer();
    closers.push(() => peer.close());
    for (const compression of ['gzip', 'none'] as const) {
      const { e } = exporter(config({ endpoint: peer.endpoint, compression, tls: { insecure: true }, headers: { 'X-Tenant': 'gpu-b' } }, 'grpc'), 'otlp');
      await e.start();
      for (const signal of ['traces', 'logs', 'metrics'] as const) {
        const data = makeRequest(signal, { tag: `g-${compression}` });
        const r = await e.export(makeBatch(signal, data));
        assert.equal(r.outcome, 'success', JSON.stringify(r));
        const got = peer.requests.at(-1)!;
        assert.equal(got.signal, signal);
        assert.deepEqual(new Uint8Array(got.body), data);
        assert.equal(got.headers['x-tenant'], 'gpu-b');
      }
    }
  });

  test('UNAVAILABLE is retried; RESOURCE_EXHAUSTED waits for its RetryInfo; partial success is not retried', async () => {
    peer.requests.length = 0;
    peer.script.push({ code: grpc.status.UNAVAILABLE }, { code: grpc.status.RESOURCE_EXHAUSTED, retryDelayMs: 1200 }, { code: 0, partial: { rejected: 2, message: 'two points dropped' } });
    const { e, ctx } = exporter(config({ endpoint: `http://${peer.endpoint}` }, 'grpc'), 'otlp');
    await e.start();
    const r = await e.export(makeBatch('metrics', makeRequest('metrics')));
    assert.equal(r.outcome, 'success');
    assert.equal(peer.requests.length, 3);
    const gap = peer.requests[2]!.at - peer.requests[1]!.at;
    assert.ok(gap >= 1150, `RetryInfo 1200 ms not honoured: ${gap} ms`);
    assert.equal(ctx.metrics.get('atc_exporter_otlp_partial_success_rejected_items_total', { exporter: 'otlp', signal: 'metrics' }), 2);
  });

  test('RESOURCE_EXHAUSTED without RetryInfo and INVALID_ARGUMENT are permanent', async () => {
    peer.requests.length = 0;
    peer.script.push({ code: grpc.status.RESOURCE_EXHAUSTED }, { code: grpc.status.INVALID_ARGUMENT, message: 'bad' });
    const { e } = exporter(config({ endpoint: peer.endpoint, tls: { insecure: true } }, 'grpc'), 'otlp');
    await e.start();
    assert.equal((await e.export(makeBatch('logs', makeRequest('logs')))).outcome, 'failure');
    assert.equal((await e.export(makeBatch('logs', makeRequest('logs')))).outcome, 'failure');
    assert.equal(peer.requests.length, 2);
  });
});
