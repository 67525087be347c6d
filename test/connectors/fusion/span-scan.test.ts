// The span scanner's attributes (the ones fusion joins on) from hand-written protobuf bytes:
// KeyValues in the usual form, and in forms a quick reader must not misread — value before key,
// a second key field (the last wins), lengths of two bytes — each with its expected value
// stated here. Then the one-pass reader against the general readers (SpanView and the attribute
// cursor) over random spans: fields in any order, repeated, of every wire type, two-byte tags.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HeldSpan } from '../../../connectors/fusion/model.js';
import { QuickSpan, scanResource, SpanScanner } from '../../../connectors/fusion/span-scan.js';
import { rng } from '../../harness/prng.js';

const utf8 = (s: string): number[] => [...Buffer.from(s, 'utf8')];
function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
/** a length-delimited field */
const ld = (field: number, bytes: number[]): number[] => [(field << 3) | 2, ...varint(bytes.length), ...bytes];
const strValue = (s: string): number[] => ld(1, utf8(s)); // AnyValue.string_value
const intValue = (n: number): number[] => [(3 << 3) | 0, ...varint(n)]; // AnyValue.int_value
const kv = (key: string, value: number[]): number[] => [...ld(1, utf8(key)), ...ld(2, value)];

/** one ScopeSpans per list of spans, in one ResourceSpans */
function request(...scopes: number[][][]): Uint8Array {
  const scopeSpans = scopes.flatMap((spans) => ld(2, spans.flatMap((s) => ld(2, s)))); // ResourceSpans.scope_spans → ScopeSpans.spans
  return new Uint8Array(ld(1, scopeSpans)); // ExportTraceServiceRequest.resource_spans
}

function span(n: number, attributes: number[][]): number[] {
  return [...ld(1, Array(16).fill(n)), ...ld(2, Array(8).fill(n)), ...ld(5, utf8(`span ${n}`)), ...attributes.flatMap((a) => ld(9, a))];
}

function scan(...scopes: number[][][]): HeldSpan[] {
  const out: HeldSpan[] = [];
  const ids: number[] = [];
  new SpanScanner().scan(request(...scopes), out, ids);
  assert.equal(out.length, scopes.flat().length);
  return out;
}

describe('span scanner attributes', () => {
  test('the usual form: the joined keys read, others passed over; the last of a key wins', () => {
    const [a, b] = scan([
      span(1, [kv('http.method', strValue('POST')), kv('gpu.uuid', strValue('GPU-1')), kv('process.pid', intValue(42))]),
      span(2, [kv('kineto.category', strValue('kernel')), kv('gpu.uuid', strValue('GPU-A')), kv('gpu.uuid', strValue('GPU-B'))]),
    ]);
    assert.deepEqual([a!.gpuUuid, a!.pid, a!.category], ['GPU-1', 42, undefined]);
    assert.deepEqual([b!.gpuUuid, b!.pid, b!.category], ['GPU-B', undefined, 'kernel']);
  });

  test('value before key, a second key field, two-byte lengths: read as protobuf says', () => {
    const long = 'k'.repeat(200);
    const [a, b, c, d] = scan([
      span(1, [[...ld(2, strValue('GPU-2')), ...ld(1, utf8('gpu.uuid'))]]),
      // the key is the last key field: gpu.uuid
      span(2, [[...ld(1, utf8('foo')), ...ld(1, utf8('gpu.uuid')), ...ld(2, strValue('GPU-3'))]]),
      span(3, [kv('pytorch.category', strValue(long)), kv('process.pid', intValue(7))]),
      // and the other way: gpu.uuid replaced by a later key field
      span(4, [[...ld(1, utf8('gpu.uuid')), ...ld(2, strValue('GPU-4')), ...ld(1, utf8('other'))]]),
    ]);
    assert.equal(a!.gpuUuid, 'GPU-2');
    assert.equal(b!.gpuUuid, 'GPU-3');
    assert.deepEqual([c!.category, c!.pid], [long, 7]);
    assert.equal(d!.gpuUuid, undefined);
  });

  test('other fields of every wire type and long lengths are stepped over', () => {
    const fixed64 = (field: number): number[] => [(field << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8];
    const extra = [...ld(5, utf8('n'.repeat(300))), (6 << 3) | 0, 0x96, 0x01, ...fixed64(7), ...fixed64(8), (10 << 3) | 0, 0x80, 0x80, 0x01];
    const [a] = scan([[...span(1, [kv('http.route', strValue('r'.repeat(150))), kv('gpu.uuid', strValue('GPU-L'))]), ...extra, ...ld(9, kv('process.pid', intValue(300)))]]);
    assert.deepEqual([a!.gpuUuid, a!.pid], ['GPU-L', 300]);
  });

  test('scopes are told apart: keys in one scope, or only in values, do not give another span attributes', () => {
    const [a, b, c] = scan(
      [span(1, [kv('gpu.uuid', strValue('GPU-9'))])],
      [span(2, [kv('note', strValue('gpu.uuid process.pid category'))]), span(3, [kv('x', strValue('y'))])],
    );
    assert.equal(a!.gpuUuid, 'GPU-9');
    assert.deepEqual([b!.gpuUuid, b!.pid, b!.category, c!.gpuUuid], [undefined, undefined, undefined, undefined]);
  });
});

describe('one-pass span reading', () => {
  test('lengths of one and two bytes stay on the one-pass path; three bytes leave it', () => {
    const q = new QuickSpan();
    const read = (bytes: number[]): boolean => q.read(new Uint8Array(bytes), 0, bytes.length);
    // a long prompt in an attribute, a long name: two-byte lengths, read in one pass
    assert.ok(read(span(1, [kv('gen_ai.prompt', strValue('p'.repeat(3000))), kv('pytorch.category', strValue('c'.repeat(140)))])));
    assert.equal(q.category, 'c'.repeat(140));
    assert.ok(read([...ld(5, utf8('n'.repeat(16_000))), ...ld(9, kv('gpu.uuid', strValue('GPU-7')))]));
    assert.equal(q.gpuUuid, 'GPU-7');
    // beyond 16 KiB: the general readers take the span
    assert.equal(read(span(2, [kv('gen_ai.prompt', strValue('p'.repeat(17_000)))])), false);
    assert.equal(read(ld(5, utf8('n'.repeat(17_000)))), false);
  });

  test('random spans: the one-pass reader keeps what the general readers keep, field by field', () => {
    const r = rng(42);
    const pick = <T>(list: T[]): T => list[Math.floor(r() * list.length)]!;
    const bytes = (n: number): number[] => Array.from({ length: n }, () => Math.floor(r() * 256));
    const fixed = (field: number, wt: 1 | 5): number[] => [...varint((field << 3) | wt), ...bytes(wt === 1 ? 8 : 4)];
    // values with lengths of one, two and (rarely: beyond the one-pass reader) three bytes
    const value = (): number[] =>
      r() < 0.6 ? strValue(pick(['GPU-1', 'kernel', '', 'x'.repeat(140), 'y'.repeat(3000), ...(r() < 0.05 ? ['z'.repeat(17_000)] : [])])) : intValue(Math.floor(r() * 100_000));
    // keys of a joined key's length that differ in one byte, too
    const key = (): string => pick(['gpu.uuid', 'process.pid', 'pytorch.category', 'kineto.category', 'http.route', 'gpu.uuidx', 'process.pix', 'gpu_uuid', 'kineto.categorx']);
    const status = (): number[] => {
      const parts: number[][] = [];
      const n = Math.floor(r() * 3);
      for (let i = 0; i < n; i++) {
        const k = r();
        if (k < 0.4) parts.push([(3 << 3) | 0, ...varint(pick([0, 1, 2, 300]))]); // code (300: two bytes)
        else if (k < 0.8) parts.push(ld(2, utf8(pick(['', 'failed', 'm'.repeat(130)])))); // message
        else parts.push(fixed(7, 1)); // an unknown field
      }
      return ld(15, parts.flat());
    };
    const attribute = (): number[] => {
      const k = r();
      if (k < 0.8) return ld(9, kv(key(), value()));
      if (k < 0.9) return ld(9, [...ld(2, value()), ...ld(1, utf8(key()))]); // value first
      return ld(9, ld(1, utf8(key()))); // no value
    };
    const fields: (() => number[])[] = [
      () => ld(1, bytes(pick([16, 16, 16, 8, 0]))),
      () => ld(2, bytes(8)),
      () => ld(4, pick([bytes(8), Array(8).fill(0), []])),
      () => ld(5, utf8(pick(['op', 'n'.repeat(200), 'm'.repeat(20_000)]))),
      () => [(6 << 3) | 0, ...varint(Math.floor(r() * 300))],
      () => fixed(7, 1),
      () => fixed(8, 1),
      () => fixed(16, 5), // flags: a two-byte tag
      () => [(13 << 3) | 0, ...varint(Math.floor(r() * 1e6))],
      () => ld(11, bytes(Math.floor(r() * 40))), // an event, not read
      () => fixed(30, 1),
      () => ld(3, utf8('state')), // trace_state
      () => [(1 << 3) | 0, 5], // trace id field with the wrong wire type
      attribute,
      attribute,
      status,
    ];
    const spans: number[][] = [];
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(r() * 14);
      spans.push(Array.from({ length: n }, () => pick(fields)()).flat());
    }
    const req = request(spans.slice(0, 1500), spans.slice(1500));
    const scanWith = (onePass: boolean): HeldSpan[] => {
      const out: HeldSpan[] = [];
      new SpanScanner(undefined, onePass).scan(req, out, []);
      return out;
    };
    const quick = scanWith(true);
    const general = scanWith(false);
    assert.equal(quick.length, 3000);
    const fieldsOf = (s: HeldSpan) => [
      s.start, s.end, s.entryStart, s.traceIdStart, s.traceIdEnd, s.spanId, s.parentId, s.isRoot, s.name, s.startNs, s.endNs,
      s.statusCode, s.statusMessage, s.gpuUuid, s.pid, s.category,
    ];
    for (let i = 0; i < 3000; i++) assert.deepEqual(fieldsOf(quick[i]!), fieldsOf(general[i]!), `span ${i}`);
    // both paths were taken: most spans in one pass, the odd forms by the general readers
    const q = new QuickSpan();
    let onePass = 0;
    for (const s of general) if (q.read(s.buf, s.start, s.end)) onePass++;
    assert.ok(onePass > 1000 && onePass < 2900, `${onePass} of 3000 in one pass`);
  });
});

describe('scanResource', () => {
  // Expectations from the attribute list as written here: the last of each key wins, pid as a
  // number, k8s.node.name before host.name for the node. Keys of the same length as the ones
  // read (and one byte away from them), repeated keys, values of other types.
  const KEYS = ['service.name', 'gpu.uuid', 'process.pid', 'host.name', 'k8s.node.name', 'service.nam3', 'gpu.uuiD', 'process.ppid', 'hostname', 'k8s.pod.name', 'télé.métrie'];
  test('reads the keys fusion joins on as a map of the list would, over random attribute lists', () => {
    const r = rng(5);
    for (let round = 0; round < 300; round++) {
      const attrs: [string, string | number][] = [];
      const n = Math.floor(r() * 14);
      for (let i = 0; i < n; i++) {
        const key = KEYS[Math.floor(r() * KEYS.length)]!;
        attrs.push([key, key === 'process.pid' && r() < 0.7 ? Math.floor(r() * 100_000) : `v${round}-${i}-é`]);
      }
      const bytes = new Uint8Array(attrs.flatMap(([k, v]) => ld(1, kv(k, typeof v === 'number' ? intValue(v) : strValue(v))))); // Resource.attributes
      const padded = new Uint8Array(bytes.length + 7);
      padded.set(bytes, 3);
      const info = scanResource(padded, 3, 3 + bytes.length);
      const last = new Map(attrs);
      assert.equal(info.service, String(last.get('service.name') ?? ''));
      assert.equal(info.gpuUuid, last.has('gpu.uuid') ? String(last.get('gpu.uuid')) : undefined);
      assert.equal(info.pid, last.has('process.pid') ? Number(last.get('process.pid')) : undefined);
      const node = last.get('k8s.node.name') ?? last.get('host.name');
      assert.equal(info.node, node === undefined ? undefined : String(node));
      assert.deepEqual([...info.raw], [...bytes]);
    }
  });
});
