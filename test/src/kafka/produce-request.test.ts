// Our Produce request encoder (src/kafka/produce-request.ts) is what kafkajs uses for every
// version it sends (3–7), and writes the same bytes as kafkajs's own encoder for what our
// producers send: every compression, null and string keys and values, several topics and
// partitions, producer ids, transactional ids, a 1 MB value; other messages (headers,
// timestamps) still take kafkajs's path. A real broker accepting these requests is tested by
// test/exporters/kafka/ (every compression, read back by kcat and from the log segments).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mock, test } from 'node:test';
import '../../../src/kafka/kafkajs.js';
import { registerKafkaCodecs } from '../../../src/kafka/codecs.js';
import { CompressionTypes } from '../../../src/kafka/kafkajs.js';
import type { ProduceArgs, ProduceRequestFactory } from '../../../src/kafka/produce-request.js';

interface Encoded {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}
const require = createRequire(import.meta.url);
const produce = require('kafkajs/src/protocol/requests/produce/index.js') as {
  protocol(o: { version: number }): (a: ProduceArgs) => { request: { apiVersion: number; encode(): Promise<Encoded> } };
};
const v3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as ProduceRequestFactory & { __atcOriginal?: ProduceRequestFactory };
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: unknown): unknown };
registerKafkaCodecs();

const kafkajsOwn = v3.__atcOriginal!;

function args(compression: number, extra: Partial<ProduceArgs> = {}): ProduceArgs {
  const value = (n: number, seed: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0x7f; // compressible, not constant
    return b;
  };
  return {
    acks: -1,
    timeout: 5000,
    compression,
    producerId: Long.fromValue(4_000_000_123),
    producerEpoch: 2,
    topicData: [
      {
        topic: 'otlp_spans',
        partitions: [
          { partition: 0, firstSequence: 17, messages: [{ key: null, value: value(1_000, 1) }, { key: Buffer.from('5b8efff798038103d269b633813fc60c'), value: value(3_000, 2) }] },
          { partition: 2, firstSequence: 0, messages: [{ key: 'str-key', value: 'hé llo' }, { key: null, value: null }] },
        ],
      },
      { topic: 'otlp_logs', partitions: [{ partition: 1, messages: [{ value: value(200, 3) }] }] },
    ],
    ...extra,
  };
}

const CODECS = [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.ZSTD];

async function both(a: ProduceArgs, version = 7): Promise<{ ours: Encoded; theirs: Encoded }> {
  const now = mock.method(Date, 'now', () => 1_764_716_400_123);
  try {
    const req = produce.protocol({ version })(a).request;
    assert.equal(req.apiVersion, version);
    return { ours: await req.encode(), theirs: await kafkajsOwn(a).encode() as Encoded };
  } finally {
    now.mock.restore();
  }
}

test('every produce version kafkajs sends (3–7) goes through our encoder: one exact-size buffer', async () => {
  for (const version of [3, 4, 5, 6, 7]) {
    const { ours, theirs } = await both(args(CompressionTypes.None), version);
    assert.equal(ours.buf.length, ours.offset, `v${version}: exact size`);
    assert.ok(theirs.buf.length > theirs.offset, 'kafkajs grows power-of-two buffers');
    assert.deepEqual(ours.buffer, theirs.buffer, `v${version}`);
  }
});

for (const compression of CODECS) {
  test(`same bytes as kafkajs's encoder, compression ${compression}`, async () => {
    const { ours, theirs } = await both(args(compression));
    assert.equal(ours.offset, ours.buf.length);
    assert.equal(ours.offset, theirs.offset);
    assert.deepEqual(ours.buffer, theirs.buffer);
  });
}

test('same bytes for a 1 MB value, a transactional id, an unset producer id', async () => {
  const big = Buffer.alloc(1_000_000);
  for (let i = 0; i < big.length; i++) big[i] = (i >> 4) & 0xff;
  for (const compression of [CompressionTypes.None, CompressionTypes.ZSTD]) {
    const a: ProduceArgs = { acks: 1, timeout: 30000, compression, transactionalId: 'tx-1', topicData: [{ topic: 't', partitions: [{ partition: 5, messages: [{ key: null, value: big }] }] }] };
    const { ours, theirs } = await both(a);
    assert.deepEqual(ours.buffer, theirs.buffer, `compression ${compression}`);
  }
});

test('messages with headers or timestamps keep kafkajs own encoding', async () => {
  for (const extra of [{ headers: { h: 'v' } }, { timestamp: '1764716400000' }]) {
    const a: ProduceArgs = { acks: -1, timeout: 5000, compression: CompressionTypes.None, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: null, value: Buffer.from('x'), ...extra }] }] }] };
    const { ours, theirs } = await both(a);
    assert.deepEqual(ours.buffer, theirs.buffer);
    assert.ok(ours.buf.length > ours.offset, 'encoded by kafkajs (its growing buffer), not ours');
  }
});

test('concurrent encodes with an asynchronous codec (gzip) do not share a compression buffer', async () => {
  const now = mock.method(Date, 'now', () => 1_764_716_400_123);
  try {
    const many = Array.from({ length: 8 }, (_, i) => {
      const a = args(CompressionTypes.GZIP);
      a.topicData[0]!.partitions[0]!.messages[0]!.value = Buffer.alloc(50_000 + i, i + 1);
      return a;
    });
    const ours = await Promise.all(many.map((a) => produce.protocol({ version: 7 })(a).request.encode()));
    const theirs = await Promise.all(many.map((a) => kafkajsOwn(a).encode() as Promise<Encoded>));
    for (let i = 0; i < many.length; i++) assert.deepEqual(ours[i]!.buffer, theirs[i]!.buffer, `request ${i}`);
  } finally {
    now.mock.restore();
  }
});
