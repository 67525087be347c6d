// When the ring is full the receiver refuses with 503 + Retry-After (when_full: block), or
// answers 200 with partial_success counting what it dropped (when_full: drop_newest).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { OtlpReceiver } from '../../../receivers/otlp/otlp-receiver.js';
import { DEFAULT_HTTP } from '../../../receivers/otlp/config.js';
import { DEFAULT_BUFFER } from '../../../src/config/collector-config.js';
import { decodeMessage, encodeRequest } from '../../../src/otlp/index.js';
import { RingConsumer } from '../../../src/pipeline/ring-consumer.js';
import { Ring } from '../../../src/ring/ring.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { PromMetrics } from '../../../src/telemetry/registry.js';

const spans = encodeRequest('traces', {
  resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 10 }, (_, i) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: `span-${i}-${'x'.repeat(50)}` })) }] }],
});

async function withReceiver(whenFull: 'block' | 'drop_newest', fn: (url: string, ring: Ring, metrics: PromMetrics) => Promise<void>): Promise<void> {
  // A small ring with no consumer: it fills and stays full.
  const ring = Ring.create(8192);
  const metrics = new PromMetrics({ processMetrics: false });
  const consumer = new RingConsumer(ring, 0, new Set(['traces'] as const), { ...DEFAULT_BUFFER, whenFull, blockTimeoutMs: 50 }, metrics);
  const r = new OtlpReceiver({ http: { ...DEFAULT_HTTP, endpoint: '127.0.0.1:0' } }, consumer, { id: 'otlp', logger: pino({ level: 'silent' }), metrics, health: new HealthRegistry().scope('receiver') });
  await r.start();
  try {
    await fn(`http://127.0.0.1:${r.httpAddress()!.port}/v1/traces`, ring, metrics);
  } finally {
    await r.shutdown();
  }
}

test('block: 503 with Retry-After once the ring is full, then accepted again after draining', async () => {
  await withReceiver('block', async (url, ring, metrics) => {
    let accepted = 0;
    let res: Response | undefined;
    for (let i = 0; i < 100; i++) {
      res = await fetch(url, { method: 'POST', body: spans, headers: { 'content-type': 'application/x-protobuf' } });
      if (res.status !== 200) break;
      await res.arrayBuffer();
      accepted++;
    }
    assert.ok(accepted > 0 && accepted < 100, `accepted ${accepted}`);
    assert.equal(res!.status, 503);
    assert.equal(res!.headers.get('retry-after'), '1');
    const st = decodeMessage('Status_rpc', new Uint8Array(await res!.arrayBuffer()));
    assert.equal(st['code'], 8, 'RESOURCE_EXHAUSTED, as the gRPC transport answers');
    assert.equal(await metrics.value('atc_ring_full_refusals_total'), 1);
    assert.equal(await metrics.value('atc_receiver_refused_spans_total', { reason: 'overload' }), 10);
    // The consumer frees space: the same request now succeeds.
    let read = 0;
    ring.drain(() => {
      read++;
    });
    assert.equal(read, accepted);
    const again = await fetch(url, { method: 'POST', body: spans, headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(again.status, 200);
  });
});

test('a request larger than the ring can ever hold: 413, no Retry-After (resending cannot help), counted as too_large', async () => {
  await withReceiver('block', async (url, ring, metrics) => {
    // an 8 KiB ring holds records of at most 4 KiB
    const big = encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x'.repeat(6000) }, { name: 'y' }] }] }] });
    const res = await fetch(url, { method: 'POST', body: big, headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('retry-after'), null);
    const st = decodeMessage('Status_rpc', new Uint8Array(await res.arrayBuffer()));
    assert.equal(st['code'], 8);
    assert.match(String(st['message']), /larger than the ring buffer/);
    assert.equal(await metrics.value('atc_receiver_refused_spans_total', { reason: 'too_large' }), 2);
    assert.equal(await metrics.value('atc_receiver_refused_spans_total', { reason: 'overload' }), 0);
    assert.equal(ring.usedBytes(), 0);
    // the connection stays usable: the body was read whole
    assert.equal((await fetch(url, { method: 'POST', body: spans, headers: { 'content-type': 'application/x-protobuf' } })).status, 200);
  });
});

test('block: a refused request waits for space and succeeds if the consumer frees it in time', async () => {
  await withReceiver('block', async (url, ring) => {
    while (ring.write(1, 0, 1, new Uint8Array(512)) === 'ok');
    setTimeout(() => ring.drain(() => {}), 10);
    const res = await fetch(url, { method: 'POST', body: spans, headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(res.status, 200);
  });
});

test('drop_newest: 200 with partial_success counting the dropped spans', async () => {
  await withReceiver('drop_newest', async (url, ring, metrics) => {
    while (ring.write(1, 0, 1, new Uint8Array(0)) === 'ok'); // fill to the last byte
    const res = await fetch(url, { method: 'POST', body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'a' }, { name: 'b' }] }] }] }), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    assert.equal(body.partialSuccess.rejectedSpans, '2');
    assert.match(body.partialSuccess.errorMessage, /drop_newest/);
    assert.equal(await metrics.value('atc_ring_dropped_items_total'), 2);
  });
});
