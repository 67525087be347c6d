// Splitting batches into Kafka messages, without a broker: sizes, completeness, keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Signal } from '../../../src/component.js';
import { countItems } from '../../../src/otlp/index.js';
import { groupByTraceId } from '../../../src/otlp/split-by-trace-id.js';
import { allItems, buildRequest, packItems, parseLayout, requestSize } from '../../../src/otlp/split-request.js';
import { chunkMessages, prepareMessages, BATCH_OVERHEAD, RECORD_OVERHEAD, valueBudget } from '../../../exporters/kafka/messages.js';
import { flatten, hex, makeBatch, makeRequest, traceIdOf } from './fixtures.js';

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];

for (const signal of SIGNALS) {
  test(`${signal}: a request that fits is rebuilt item for item`, () => {
    const data = makeRequest(signal, { resources: 3, scopesPerResource: 2, itemsPerScope: 4 });
    const L = parseLayout(data);
    assert.equal(L.itemStart.length, 24);
    const rebuilt = buildRequest(L, allItems(L));
    assert.equal(rebuilt.length, requestSize(L, allItems(L)));
    assert.deepEqual(flatten(signal, rebuilt), flatten(signal, data));
    const { parts, oversized } = packItems(L, allItems(L), data.length + 100);
    assert.equal(parts.length, 1);
    assert.equal(oversized.length, 0);
  });

  test(`${signal}: packing under a limit keeps every item once, in order, each part within the limit`, () => {
    const data = makeRequest(signal, { resources: 3, scopesPerResource: 3, itemsPerScope: 20, fillerBytes: 300 });
    const L = parseLayout(data);
    for (const max of [2_000, 5_000, 20_000, 60_000]) {
      const { parts, oversized } = packItems(L, allItems(L), max);
      assert.equal(oversized.length, 0);
      assert.ok(parts.length > 1, `max ${max}: expected a split`);
      const flat: string[] = [];
      for (const p of parts) {
        const bytes = buildRequest(L, p);
        assert.ok(bytes.length <= max, `max ${max}: part of ${bytes.length} bytes`);
        // Greedy packing: the next part's first item would not have fitted.
        flat.push(...flatten(signal, bytes));
      }
      assert.deepEqual(flat, flatten(signal, data), `max ${max}: items lost, duplicated or reordered`);
      for (let i = 0; i + 1 < parts.length; i++) {
        const grown = [...parts[i]!, parts[i + 1]![0]!];
        assert.ok(requestSize(L, grown) > max, `max ${max}: part ${i} could have taken one more item`);
      }
    }
  });

  test(`${signal}: an item too large alone is refused, the rest still packed`, () => {
    const small = makeRequest(signal, { resources: 1, scopesPerResource: 1, itemsPerScope: 5, fillerBytes: 10 });
    const big = makeRequest(signal, { resources: 1, scopesPerResource: 1, itemsPerScope: 1, fillerBytes: 10_000 });
    const data = new Uint8Array([...small, ...big, ...small]); // concatenated requests are one request
    const L = parseLayout(data);
    const { parts, oversized } = packItems(L, allItems(L), 4_000);
    assert.deepEqual(oversized, [5]);
    assert.equal(parts.flat().length, 10);
  });
}

test('trace ids group spans and log records as the Collector keys them (lowercase hex, empty for none)', () => {
  const ids = [hex(16), hex(16), hex(16)];
  for (const signal of ['traces', 'logs'] as const) {
    const data = makeRequest(signal, { resources: 2, scopesPerResource: 2, itemsPerScope: 5, traceIds: ids });
    const L = parseLayout(data);
    const groups = groupByTraceId(L, signal);
    assert.deepEqual([...groups.keys()].sort(), [...ids].sort());
    for (const [id, items] of groups) {
      for (const f of flatten(signal, buildRequest(L, items))) assert.equal(traceIdOf(f), id);
    }
    assert.equal([...groups.values()].flat().length, 20);
  }
  const zero = makeRequest('traces', { itemsPerScope: 2, traceIds: ['00000000000000000000000000000000'] });
  assert.deepEqual([...groupByTraceId(parseLayout(zero), 'traces').keys()], ['']);
});

test('prepareMessages: small batch goes out as is, not copied', () => {
  const data = makeRequest('traces');
  const { messages, refused } = prepareMessages(makeBatch('traces', data), { encoding: 'otlp_proto', keyByTraceId: false, maxMessageBytes: 1_000_000 });
  assert.equal(messages.length, 1);
  assert.equal(messages[0]!.key, null);
  assert.equal(messages[0]!.value.buffer, data.buffer);
  assert.equal(refused.items, 0);
});

test('prepareMessages: keyed by trace id, one trace per message, items counted', () => {
  const ids = [hex(16), hex(16), hex(16), hex(16)];
  const data = makeRequest('traces', { resources: 2, itemsPerScope: 6, traceIds: ids });
  const { messages } = prepareMessages(makeBatch('traces', data), { encoding: 'otlp_proto', keyByTraceId: true, maxMessageBytes: 1_000_000 });
  assert.equal(messages.length, 4);
  assert.deepEqual(messages.map((m) => m.key!.toString('latin1')).sort(), [...ids].sort());
  for (const m of messages) {
    const flat = flatten('traces', m.value);
    assert.equal(m.items, flat.length);
    for (const f of flat) assert.equal(traceIdOf(f), m.key!.toString('latin1'));
  }
  assert.equal(messages.reduce((n, m) => n + m.items, 0), 24);
});

for (const encoding of ['otlp_proto', 'otlp_json'] as const) {
  test(`prepareMessages (${encoding}): oversized batch split under max_message_bytes, metrics points counted`, () => {
    for (const signal of SIGNALS) {
      const data = makeRequest(signal, { resources: 2, scopesPerResource: 2, itemsPerScope: 40, fillerBytes: 500 });
      const batch = makeBatch(signal, data);
      const max = 16_384;
      const { messages, refused } = prepareMessages(batch, { encoding, keyByTraceId: false, maxMessageBytes: max });
      assert.equal(refused.items, 0);
      assert.ok(messages.length > 2);
      const flat: string[] = [];
      for (const m of messages) {
        assert.ok(m.value.length <= valueBudget(max, 0), `${signal}: value of ${m.value.length} bytes`);
        if (encoding === 'otlp_proto') {
          flat.push(...flatten(signal, m.value));
          assert.equal(m.items, countItems(signal, m.value));
        } else {
          JSON.parse(m.value.toString('utf8'));
        }
      }
      assert.equal(messages.reduce((n, m) => n + m.items, 0), batch.items);
      if (encoding === 'otlp_proto') assert.deepEqual(flat, flatten(signal, data));
      for (const chunk of chunkMessages(messages, max)) {
        const size = BATCH_OVERHEAD + chunk.reduce((n, m) => n + RECORD_OVERHEAD + m.value.length, 0);
        assert.ok(size <= max, `${signal}: a send of ${size} bytes`);
      }
    }
  });
}

test('prepareMessages: a single item over the limit is refused and counted, the rest is sent', () => {
  const small = makeRequest('logs', { itemsPerScope: 3 });
  const big = makeRequest('logs', { resources: 1, scopesPerResource: 1, itemsPerScope: 1, fillerBytes: 20_000 });
  const data = new Uint8Array([...small, ...big]);
  const { messages, refused } = prepareMessages(makeBatch('logs', data), { encoding: 'otlp_proto', keyByTraceId: false, maxMessageBytes: 8_192 });
  assert.equal(refused.items, 1);
  assert.ok(refused.largestBytes > 20_000);
  assert.equal(messages.reduce((n, m) => n + m.items, 0), 12);
});

for (const signal of SIGNALS) {
  test(`prepareMessages (${signal}): a batch of many requests is cut at resource entries, into views of the batch`, () => {
    // 30 concatenated requests of 2 resources each (~3.4 KB per resource): a batch as the flush worker cuts it
    const one = () => makeRequest(signal, { resources: 2, scopesPerResource: 2, itemsPerScope: 5, fillerBytes: 300 });
    const parts = Array.from({ length: 30 }, one);
    const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    const batch = makeBatch(signal, data);
    const max = 20_000;
    const { messages, refused } = prepareMessages(batch, { encoding: 'otlp_proto', keyByTraceId: false, maxMessageBytes: max });
    assert.equal(refused.items, 0);
    assert.ok(messages.length >= Math.ceil(data.length / valueBudget(max, 0)), `${messages.length} messages`);
    let end = 0;
    const flat: string[] = [];
    for (const m of messages) {
      assert.ok(m.value.length <= valueBudget(max, 0), `value of ${m.value.length} bytes`);
      assert.equal(m.value.buffer, data.buffer, 'a view of the batch, not a copy');
      assert.equal(m.value.byteOffset, end, 'consecutive runs');
      end += m.value.length;
      assert.equal(m.items, countItems(signal, m.value));
      flat.push(...flatten(signal, m.value));
    }
    assert.equal(end, data.length);
    assert.deepEqual(flat, flatten(signal, data));
    assert.equal(messages.reduce((n, m) => n + m.items, 0), batch.items);
    // greedy: no message could have taken the next one's first resource entry
    const entries = parseEntries(data);
    for (let i = 0; i + 1 < messages.length; i++) {
      const nextEnd = entries.find((e) => e > messages[i + 1]!.value.byteOffset)!;
      assert.ok(nextEnd - messages[i]!.value.byteOffset > valueBudget(max, 0), `message ${i} could have taken one more resource`);
    }
  });
}

/** End offsets of the top-level fields of a request, read independently of split-request.ts. */
function parseEntries(b: Uint8Array): number[] {
  const ends: number[] = [];
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const c = b[pos++]!;
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v;
      mul *= 128;
    }
  };
  while (pos < b.length) {
    assert.equal(varint(), 0x0a, 'field 1, length-delimited');
    const len = varint();
    pos += len;
    ends.push(pos);
  }
  return ends;
}
