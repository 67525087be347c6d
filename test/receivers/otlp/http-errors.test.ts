// OTLP/HTTP answers per the spec for bad input, and nothing from a refused request is kept.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { compress as zstdCompress } from 'zstd-napi';
import { decodeMessage, encodeRequest } from '../../../src/otlp/index.js';
import { readStored, startCollector, storedSpans, type TestCollector } from '../../harness/collector.js';

const PB = 'application/x-protobuf';
const JSON_T = 'application/json';

function traceRequest(name: string): Uint8Array {
  return encodeRequest('traces', {
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name, startTimeUnixNano: '1' }] }] }],
  });
}

describe('OTLP/HTTP error handling', { timeout: 60_000 }, () => {
  let c: TestCollector;
  const post = (path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<Response> =>
    fetch(`${c.otlpUrl}${path}`, { method: 'POST', body, headers });

  before(async () => {
    c = await startCollector({ sets: ['receivers.otlp.protocols.http.max_request_body_size=1MiB'] });
  });
  after(async () => c?.shutdown());

  test('valid protobuf, JSON, gzip and zstd requests are accepted', async () => {
    for (const [body, headers] of [
      [traceRequest('ok-proto'), { 'content-type': PB }],
      [gzipSync(traceRequest('ok-gzip')), { 'content-type': PB, 'content-encoding': 'gzip' }],
      [zstdCompress(traceRequest('ok-zstd')), { 'content-type': PB, 'content-encoding': 'zstd' }],
      [JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'ok-json' }] }] }] }), { 'content-type': `${JSON_T}; charset=utf-8` }],
    ] as const) {
      const r = await post('/v1/traces', body, headers);
      assert.equal(r.status, 200, await r.text());
      assert.equal(r.headers.get('content-type'), headers['content-type'].split(';')[0]);
    }
  });

  test('an empty request is a success with nothing stored', async () => {
    const r = await post('/v1/traces', new Uint8Array(0), { 'content-type': PB });
    assert.equal(r.status, 200);
    assert.equal((await r.arrayBuffer()).byteLength, 0);
  });

  test('malformed protobuf: 400 with a google.rpc.Status in protobuf', async () => {
    const r = await post('/v1/traces', Uint8Array.from([0x0a, 0x20, 0x01, 0x02]), { 'content-type': PB });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('content-type'), PB);
    const st = decodeMessage('Status_rpc', new Uint8Array(await r.arrayBuffer()));
    assert.equal(st['code'], 3);
    assert.match(String(st['message']), /malformed protobuf request/);
  });

  test('malformed JSON and wrong shapes: 400 with a JSON Status naming the problem', async () => {
    let r = await post('/v1/logs', '{"resourceLogs": [', { 'content-type': JSON_T });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { code: number }).code, 3);
    r = await post('/v1/traces', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'not-hex' }] }] }] }), { 'content-type': JSON_T });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { message: string }).message, /spans\[0\]\.traceId: expected 32 hex/);
  });

  test('a request valid except for one span is refused whole', async () => {
    const bad = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'must-not-be-stored' }, { traceId: 'abc' }] }] }] };
    const r = await post('/v1/traces', JSON.stringify(bad), { 'content-type': JSON_T });
    assert.equal(r.status, 400);
  });

  test('wrong content type: 415', async () => {
    const r = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
    assert.equal(r.status, 415);
    assert.match(((await r.json()) as { message: string }).message, /application\/x-protobuf/);
  });

  test('a body above the limit: 413', async () => {
    const r = await post('/v1/metrics', new Uint8Array(2 * 1024 * 1024), { 'content-type': PB });
    assert.equal(r.status, 413);
  });

  test('a chunked body (no Content-Length) that grows past the limit: 413 and the connection closed; the next client is served', async () => {
    const { port } = new URL(c.otlpUrl);
    const sock = connect(Number(port), '127.0.0.1');
    let answer = '';
    sock.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.on('error', () => {}); // the server may reset what it no longer reads
    sock.write('POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\ntransfer-encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(256 * 1024, 0x41);
    // 1.5 MiB in chunks, past the 1 MiB limit; stop writing once an answer came
    for (let i = 0; i < 6 && answer === ''; i++) {
      sock.write(`${chunk.length.toString(16)}\r\n`);
      sock.write(chunk);
      sock.write('\r\n');
      await new Promise((r) => setTimeout(r, 20));
    }
    await closed;
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /exceeds the limit of 1048576 bytes/);
    assert.equal((await post('/v1/traces', traceRequest('after-chunked-413'), { 'content-type': PB })).status, 200);
  });

  test('a client that goes away in the middle of its body: nothing kept from it, the next client is served', async () => {
    const { port } = new URL(c.otlpUrl);
    const body = traceRequest('must-not-be-stored-aborted');
    const sock = connect(Number(port), '127.0.0.1');
    sock.on('error', () => {});
    await new Promise<void>((r) => sock.on('connect', () => r()));
    sock.write(`POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\ncontent-length: ${body.length}\r\n\r\n`);
    sock.write(body.subarray(0, body.length >> 1));
    await new Promise((r) => setTimeout(r, 50));
    sock.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await post('/v1/traces', traceRequest('after-abort'), { 'content-type': PB })).status, 200);
    await new Promise((r) => setTimeout(r, 300));
    const names = storedSpans(readStored(c.dataDir)).map((s) => s.span['name']);
    assert.ok(names.includes('after-abort'));
    assert.ok(!names.includes('must-not-be-stored-aborted'));
  });

  test('a gzip bomb: 413, decompression stops at the cap', async () => {
    const bomb = gzipSync(new Uint8Array(64 * 1024 * 1024));
    assert.ok(bomb.length < 1024 * 1024);
    const r = await post('/v1/traces', bomb, { 'content-type': PB, 'content-encoding': 'gzip' });
    assert.equal(r.status, 413);
    const z = zstdCompress(new Uint8Array(64 * 1024 * 1024));
    const r2 = await post('/v1/traces', z, { 'content-type': PB, 'content-encoding': 'zstd' });
    assert.equal(r2.status, 413);
  });

  test('corrupt compressed bodies and unknown encodings', async () => {
    let r = await post('/v1/traces', Uint8Array.from([1, 2, 3, 4]), { 'content-type': PB, 'content-encoding': 'gzip' });
    assert.equal(r.status, 400);
    r = await post('/v1/traces', traceRequest('x'), { 'content-type': PB, 'content-encoding': 'br' });
    assert.equal(r.status, 415);
  });

  test('unknown paths and methods', async () => {
    assert.equal((await post('/v1/profiles', traceRequest('x'), { 'content-type': PB })).status, 404);
    const r = await fetch(`${c.otlpUrl}/v1/traces`);
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST');
  });

  test('only the accepted requests were stored', async () => {
    await c.shutdown();
    const names = storedSpans(readStored(c.dataDir)).map((s) => s.span['name']).sort();
    assert.deepEqual(names, ['after-abort', 'after-chunked-413', 'ok-gzip', 'ok-json', 'ok-proto', 'ok-zstd']);
    assert.equal(await c.service.metrics.value('atc_receiver_accepted_spans_total'), 6);
    assert.equal(await c.service.metrics.value('atc_receiver_requests_total', { status: '400' }), 5);
  });
});
