// The scanner as the protocol gate: the limits of the protobuf wire format, byte by byte.
// Expectations follow the protobuf encoding spec (and what Go's and Python's parsers do);
// the fuzz test (fuzz.test.ts) checks the same property against Python's decoder at scale.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeRequest, JsonShapeError } from '../../../src/otlp/index.js';
import { MAX_DEPTH, scanRequest, ScanError } from '../../../src/otlp/scanner.js';
import { tag, varint } from '../../harness/fuzz-campaign.js';

const ld = (no: number, body: number[]): number[] => [...tag(no, 2), ...varint(BigInt(body.length)), ...body];
/** One span with `extra` bytes appended inside it. */
const inSpan = (extra: number[]): Uint8Array => Uint8Array.from(ld(1, ld(2, ld(2, [...ld(5, [0x73]), ...extra]))));
const ok = (b: Uint8Array): number => scanRequest('traces', b).items;
const bad = (b: Uint8Array, re: RegExp): void => assert.throws(() => scanRequest('traces', b), (e: unknown) => e instanceof ScanError && re.test(e.message));

test('field numbers: 2^29-1 is the largest; 2^29 and tags past 32 bits or 5 bytes are refused', () => {
  assert.equal(ok(inSpan([...tag(2 ** 29 - 1, 0), 1])), 1);
  bad(inSpan([...tag(2 ** 29, 0), 1]), /32 bits/);
  bad(inSpan([0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01]), /tag varint longer than 5 bytes/);
  bad(inSpan([...tag(0, 0), 1]), /field number 0/);
});

test('varints: 10 bytes at most, the 10th byte 0 or 1', () => {
  const max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]; // 2^64-1
  assert.equal(ok(inSpan([...tag(1000, 0), ...max])), 1);
  bad(inSpan([...tag(1000, 0), ...max.slice(0, 9), 0x02]), /overflows 64 bits/);
  bad(inSpan([...tag(1000, 0), ...max.slice(0, 9), 0x81, 0x00]), /longer than 10 bytes/);
  bad(inSpan([...tag(1000, 0), 0x80]), /truncated varint/);
});

test('wire types: groups of unknown fields skipped to their matching end; 6, 7 and stray ends refused', () => {
  assert.equal(ok(inSpan([...tag(100, 3), ...tag(101, 0), 5, ...tag(102, 3), ...tag(102, 4), ...tag(100, 4)])), 1);
  bad(inSpan([...tag(100, 3), ...tag(101, 4)]), /end-group tag for field 101 inside group 100/);
  bad(inSpan([...tag(100, 3), ...tag(101, 0), 5]), /group without its end/);
  bad(inSpan([...tag(100, 4)]), /end-group tag without its start/);
  bad(inSpan([...tag(100, 6)]), /invalid wire type 6/);
  bad(inSpan([...tag(100, 7)]), /invalid wire type 7/);
  // a known field with another wire type: refused on purpose (a parser would keep it as an
  // unknown field and the span would silently lose its name)
  bad(inSpan([...tag(5, 0), 1]), /wire type 0, expected 2/);
});

test('nesting: MAX_DEPTH messages or groups deep is accepted, one more is refused', () => {
  // request(0) > ResourceSpans(1) > ScopeSpans(2) > Span(3) > groups from depth 4
  const groups = (n: number): number[] => [...Array.from({ length: n }, () => tag(127, 3)).flat(), ...Array.from({ length: n }, () => tag(127, 4)).flat()];
  assert.equal(ok(inSpan(groups(MAX_DEPTH - 3))), 1);
  bad(inSpan(groups(MAX_DEPTH - 2)), /nesting deeper than 100/);
  // 30 nested kvlists (the issue: ~20 must pass) through OTLP/JSON and the scanner
  let v: unknown = { stringValue: 'leaf' };
  for (let i = 0; i < 30; i++) v = { kvlistValue: { values: [{ key: `k${i}`, value: v }] } };
  assert.equal(ok(encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'deep', attributes: [{ key: 'a', value: v }] }] }] }] })), 1);
});

test('items: empty spans carry nothing and are not counted', () => {
  const empties = Array.from({ length: 1000 }, () => [0x12, 0x00]).flat();
  assert.equal(ok(Uint8Array.from(ld(1, ld(2, empties)))), 0);
  assert.equal(ok(Uint8Array.from(ld(1, ld(2, [...empties, ...ld(2, ld(5, [0x73]))])))), 1);
});

test('OTLP/JSON: numbers beyond the double range and AnyValues with two values are refused', () => {
  const span = (extra: Record<string, unknown>): unknown => ({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 's', ...extra }] }] }] });
  const refused = (json: unknown, re: RegExp): void => assert.throws(() => encodeRequest('traces', json), (e: unknown) => e instanceof JsonShapeError && re.test(e.message));
  refused(JSON.parse('{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":{"doubleValue":1e400}}]}]}]}]}'), /double range/);
  refused(JSON.parse('{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":1e400}]}]}]}'), /expected an integer/);
  refused(span({ attributes: [{ key: 'k', value: { stringValue: 'a', intValue: '1' } }] }), /more than one of a oneof/);
  assert.equal(ok(encodeRequest('traces', span({ attributes: [{ key: 'k', value: { doubleValue: 'Infinity' } }] }))), 1);
});
