// The scanner's attribute fast path (KeyValue with a scalar or string value, checked inline)
// must give exactly the verdict, message and item count of the table-driven path alone: it may
// only ever accept what that path accepts. Checked on hand-built attributes at each edge the
// fast path tests, on real SDK bodies and the bench's serving spans, and on seeded mutations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY } from '../../../src/otlp/fields.js';
import { scanRequest, scanRequestGeneric, MAX_DEPTH } from '../../../src/otlp/scanner.js';
import type { Signal } from '../../../src/component.js';
import { varint } from '../../harness/fuzz-campaign.js';
import { rng } from '../../harness/prng.js';
import { captureSdkBodies } from '../../harness/sdk-bodies.js';
import { templateRequest } from '../../../bench/side-by-side/fixture.js';

const ld = (key: number, bytes: number[]): number[] => [key, ...varint(BigInt(bytes.length)), ...bytes];
const ascii = (s: string): number[] => [...Buffer.from(s, 'utf8')];

/** A one-span request whose span carries the given raw KeyValue bodies as attributes. */
function spanWith(...kvs: number[][]): Buffer {
  const span = [...ld(KEY.Span.traceId, new Array<number>(16).fill(7)), ...ld(KEY.Span.spanId, new Array<number>(8).fill(9)), ...ld(KEY.Span.name, ascii('generate')), ...kvs.flatMap((kv) => ld(KEY.Span.attributes, kv))];
  return Buffer.from(ld(KEY.ExportTraceServiceRequest.resourceSpans, ld(KEY.ResourceSpans.scopeSpans, ld(KEY.ScopeSpans.spans, span))));
}

const kv = (key: number[], value?: number[]): number[] => [...ld(KEY.KeyValue.key, key), ...(value ? ld(KEY.KeyValue.value, value) : [])];

function verdict(f: typeof scanRequest, signal: Signal, body: Uint8Array): string {
  try {
    return `accepted ${f(signal, body).items}`;
  } catch (e) {
    return (e as Error).message;
  }
}

function same(signal: Signal, body: Uint8Array): string {
  const fast = verdict(scanRequest, signal, body);
  assert.equal(fast, verdict(scanRequestGeneric, signal, body), `fast path and table path disagree on ${Buffer.from(body).toString('hex')}`);
  return fast;
}

test('each shape the fast path takes or refuses: same verdict as the table-driven path, and the verdict protobuf gives', () => {
  const cases: [string, number[][], boolean][] = [
    ['string value', [kv(ascii('gen_ai.request.model'), ld(KEY.AnyValue.stringValue, ascii('llama-3-70b')))], true],
    ['empty key, no value', [kv([])], true],
    ['empty AnyValue', [kv(ascii('k'), [])], true],
    ['one-byte int', [kv(ascii('n'), [KEY.AnyValue.intValue, 5])], true],
    ['ten-byte int (-1)', [kv(ascii('n'), [KEY.AnyValue.intValue, ...new Array<number>(9).fill(0xff), 0x01])], true],
    ['ten-byte varint overflowing 64 bits', [kv(ascii('n'), [KEY.AnyValue.intValue, ...new Array<number>(9).fill(0xff), 0x02])], false],
    ['varint longer than 10 bytes', [kv(ascii('n'), [KEY.AnyValue.intValue, ...new Array<number>(10).fill(0xff), 0x00])], false],
    ['truncated varint', [kv(ascii('n'), [KEY.AnyValue.intValue, 0x80])], false],
    ['bool', [kv(ascii('b'), [KEY.AnyValue.boolValue, 1])], true],
    ['double', [kv(ascii('d'), [KEY.AnyValue.doubleValue, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f])], true],
    ['double one byte short', [kv(ascii('d'), [KEY.AnyValue.doubleValue, 0, 0, 0, 0, 0, 0, 0xf8])], false],
    ['bytes with high bytes', [kv(ascii('raw'), ld(KEY.AnyValue.bytesValue, [0xff, 0xfe, 0x00]))], true],
    ['non-ASCII key, valid UTF-8', [kv(ascii('modèle ✓'), ld(KEY.AnyValue.stringValue, ascii('x')))], true],
    ['non-ASCII value, valid UTF-8', [kv(ascii('k'), ld(KEY.AnyValue.stringValue, ascii('naïve 模型')))], true],
    ['invalid UTF-8 in the key', [kv([0x6b, 0xc3], ld(KEY.AnyValue.stringValue, ascii('x')))], false],
    ['invalid UTF-8 in the value', [kv(ascii('k'), ld(KEY.AnyValue.stringValue, [0x61, 0xff]))], false],
    ['value before key', [[...ld(KEY.KeyValue.value, ld(KEY.AnyValue.stringValue, ascii('v'))), ...ld(KEY.KeyValue.key, ascii('k'))]], true],
    ['two values (last wins in protobuf)', [[...ld(KEY.KeyValue.key, ascii('k')), ...ld(KEY.KeyValue.value, [KEY.AnyValue.intValue, 1]), ...ld(KEY.KeyValue.value, [KEY.AnyValue.boolValue, 0])]], true],
    ['key of 200 bytes (two-byte length)', [kv(ascii('k'.repeat(200)), [KEY.AnyValue.intValue, 1])], true],
    ['string value of 300 bytes', [kv(ascii('k'), ld(KEY.AnyValue.stringValue, ascii('v'.repeat(300))))], true],
    ['string value length past its AnyValue', [kv(ascii('k'), [KEY.AnyValue.stringValue, 5, 0x61])], false],
    ['int then string in one AnyValue (oneof, last wins)', [kv(ascii('k'), [KEY.AnyValue.intValue, 1, ...ld(KEY.AnyValue.stringValue, ascii('s'))])], true],
    ['unknown field in AnyValue', [kv(ascii('k'), [0x40, 1])], true],
    ['string value with wrong wire type', [kv(ascii('k'), [KEY.AnyValue.stringValue & ~7, 1])], false],
    ['kvlist value', [kv(ascii('k'), ld(KEY.AnyValue.kvlistValue, ld(KEY.KeyValueList.values, kv(ascii('inner'), [KEY.AnyValue.intValue, 3]))))], true],
    ['array value', [kv(ascii('k'), ld(KEY.AnyValue.arrayValue, ld(KEY.ArrayValue.values, [KEY.AnyValue.boolValue, 1])))], true],
    ['many attributes', Array.from({ length: 40 }, (_, i) => kv(ascii(`attr.${i}`), i % 2 ? [KEY.AnyValue.intValue, i] : ld(KEY.AnyValue.stringValue, ascii(`value-${i}`)))), true],
  ];
  for (const [name, kvs, ok] of cases) {
    const v = same('traces', spanWith(...kvs));
    assert.equal(v.startsWith('accepted'), ok, `${name}: ${v}`);
    if (ok) assert.equal(v, 'accepted 1', name);
  }
});

test('nesting at the depth limit: a KeyValue two levels under the limit and at it, both paths agree', () => {
  // kvlists nest KeyValue → AnyValue → KeyValueList → KeyValue ...: grow until the limit bites
  let inner = kv(ascii('leaf'), [KEY.AnyValue.intValue, 1]);
  let refusedAt = -1;
  for (let level = 0; level < MAX_DEPTH; level++) {
    const v = same('traces', spanWith(inner));
    if (!v.startsWith('accepted')) {
      assert.match(v, /nesting deeper than/);
      refusedAt = level;
      break;
    }
    inner = kv(ascii('k'), ld(KEY.AnyValue.kvlistValue, ld(KEY.KeyValueList.values, inner)));
  }
  assert.ok(refusedAt > 0, 'the depth limit is reached');
});

test('real SDK bodies, the bench serving spans, and 6,000 seeded mutations of them: the same verdict on both paths', { timeout: 60_000 }, async () => {
  const seeds = (await captureSdkBodies('proto')).map((s) => ({ signal: s.signal, body: s.body as Uint8Array }));
  for (let v = 0; v < 3; v++) seeds.push({ signal: 'traces', body: templateRequest(20, v) });
  for (const s of seeds) assert.match(same(s.signal, s.body), /^accepted/);
  const r = rng(20261203);
  let accepted = 0;
  for (let i = 0; i < 6000; i++) {
    const s = seeds[i % seeds.length]!;
    const b = Buffer.from(s.body);
    const at = Math.floor(r() * b.length);
    switch (i % 4) {
      case 0:
        b[at]! ^= 1 << Math.floor(r() * 8);
        break;
      case 1:
        b[at] = Math.floor(r() * 256);
        break;
      case 2:
        b[at] = (b[at]! + (r() < 0.5 ? 1 : 255)) & 0xff; // a length prefix one off, often
        break;
      default:
        b[at] = [0x80, 0xff, 0xc3, 0x00, 0x0a, 0x12, 0x18, 0x21][Math.floor(r() * 8)]!;
    }
    if (same(s.signal, b).startsWith('accepted')) accepted++;
  }
  // the mutations land in both verdicts, so the comparison means something either way
  assert.ok(accepted > 300 && accepted < 5700, `accepted ${accepted} of 6000`);
});
