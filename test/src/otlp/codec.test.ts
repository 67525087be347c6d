// The schema-driven OTLP codec: JSON → protobuf → JSON round trips, the SDK's own protobuf
// decodes to the same request, and the scanner rejects every kind of malformed input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtobufTraceSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { decodeRequest, encodeRequest, parseOtlpJson, scanRequest, ScanError, JsonShapeError } from '../../../src/otlp/index.js';
import { ProtoWriter } from '../../../src/otlp/proto-writer.js';

const TRACE = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'llm-server' } }] },
      scopeSpans: [
        {
          scope: { name: 'vllm', version: '0.6' },
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              parentSpanId: 'eee19b7ec3c1b173',
              name: 'decode ✓',
              kind: 2,
              startTimeUnixNano: '1544712660000000000',
              endTimeUnixNano: '1544712661000000000',
              attributes: [
                { key: 'int', value: { intValue: '-42' } },
                { key: 'zero', value: { intValue: '0' } },
                { key: 'f', value: { boolValue: false } },
                { key: 'd', value: { doubleValue: 0.25 } },
                { key: 'b', value: { bytesValue: 'AAEC' } },
                { key: 'kv', value: { kvlistValue: { values: [{ key: 'x', value: { stringValue: 'y' } }] } } },
              ],
              events: [{ timeUnixNano: '1544712660500000000', name: 'first_token' }],
              links: [{ traceId: '5b8efff798038103d269b633813fc60d', spanId: 'eee19b7ec3c1b175', flags: 1 }],
              status: { code: 2, message: 'oom' },
              flags: 257,
            },
          ],
        },
      ],
    },
  ],
};

test('OTLP/JSON → protobuf → OTLP/JSON is lossless', () => {
  const pb = encodeRequest('traces', TRACE);
  assert.equal(scanRequest('traces', pb).items, 1);
  assert.deepEqual(decodeRequest('traces', pb), TRACE);
});

test('64-bit integers sent as bare JSON numbers keep every digit', () => {
  const text = '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"n","startTimeUnixNano":1544712660123456789,"attributes":[{"key":"s","value":{"stringValue":"12345678901234567890"}}]}]}]}]}';
  const json = decodeRequest('traces', encodeRequest('traces', parseOtlpJson(text)));
  const span = (json as any).resourceSpans[0].scopeSpans[0].spans[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(span.startTimeUnixNano, '1544712660123456789');
  assert.equal(span.attributes[0].value.stringValue, '12345678901234567890');
});

test('metrics: every data point kind is counted and round trips', () => {
  const req = {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              { name: 'g', gauge: { dataPoints: [{ asDouble: 0, timeUnixNano: '1' }, { asInt: '7', timeUnixNano: '2' }] } },
              { name: 's', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: '3' }] } },
              { name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{ count: '3', sum: 6, bucketCounts: ['1', '2'], explicitBounds: [1.5], min: 0, max: 4 }] } },
              { name: 'e', exponentialHistogram: { dataPoints: [{ count: '2', scale: -3, positive: { offset: -2, bucketCounts: ['1', '1'] } }] } },
              { name: 'q', summary: { dataPoints: [{ count: '1', sum: 2, quantileValues: [{ quantile: 0.5, value: 2 }] }] } },
            ],
          },
        ],
      },
    ],
  };
  const pb = encodeRequest('metrics', req);
  assert.equal(scanRequest('metrics', pb).items, 6);
  assert.deepEqual(decodeRequest('metrics', pb), req);
});

test('the SDK protobuf decodes and re-encodes to the same request', () => {
  const exp = new InMemorySpanExporter();
  const p = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exp)] });
  const s = p.getTracer('t').startSpan('héllo', { attributes: { a: [1, 2], b: 'x' } });
  s.end();
  const pb = ProtobufTraceSerializer.serializeRequest(exp.getFinishedSpans())!;
  const json = decodeRequest('traces', pb);
  assert.deepEqual(decodeRequest('traces', encodeRequest('traces', json)), json);
  assert.equal(scanRequest('traces', pb).items, 1);
  const logs = ProtobufLogsSerializer.serializeRequest([])!;
  assert.equal(scanRequest('logs', logs).items, 0);
});

test('concatenated requests are one request with the items of both', () => {
  const a = encodeRequest('traces', TRACE);
  const both = Buffer.concat([a, a]);
  assert.equal(scanRequest('traces', both).items, 2);
  assert.equal((decodeRequest('traces', both).resourceSpans as unknown[]).length, 2);
});

function malformed(name: string, bytes: Uint8Array, match: RegExp): void {
  test(`scanner rejects ${name}`, () => {
    assert.throws(() => scanRequest('traces', bytes), (e: unknown) => e instanceof ScanError && match.test(e.message));
  });
}

const good = encodeRequest('traces', TRACE);
malformed('a truncated message', good.subarray(0, good.length - 3), /runs past|truncated/);
malformed('a length running past the end', Uint8Array.from([0x0a, 0x10, 0x01]), /runs past/);
malformed('a wrong wire type', Uint8Array.from([0x08, 0x01]), /wire type 0, expected 2/);
malformed('a varint of 11 bytes', Uint8Array.from([0x0a, 0x0b, ...new Array<number>(10).fill(0xff), 0x01]), /varint/);
malformed('field number 0', Uint8Array.from([0x02, 0x00]), /field number 0/);
{
  const w = new ProtoWriter();
  w.tag(1, 2); w.fork(); w.tag(2, 2); w.fork(); w.tag(2, 2); w.fork();
  w.tag(1, 2); w.bytes(Uint8Array.from([1, 2, 3])); // a 3-byte trace id
  w.join(); w.join(); w.join();
  malformed('a trace id of 3 bytes', w.finish(), /must be 16 bytes, got 3/);
}
{
  const w = new ProtoWriter();
  w.tag(1, 2); w.fork(); w.tag(2, 2); w.fork(); w.tag(2, 2); w.fork();
  w.tag(5, 2); w.bytes(Uint8Array.from([0xc3, 0x28])); // invalid UTF-8 in the name
  w.join(); w.join(); w.join();
  malformed('invalid UTF-8 in a string', w.finish(), /invalid UTF-8/);
}
{
  // AnyValue nested 200 deep through array values: refused, not a stack overflow
  const w = new ProtoWriter();
  w.tag(1, 2); w.fork(); w.tag(2, 2); w.fork(); w.tag(2, 2); w.fork(); w.tag(9, 2); w.fork(); w.tag(2, 2); w.fork();
  for (let i = 0; i < 200; i++) { w.tag(5, 2); w.fork(); w.tag(1, 2); w.fork(); }
  for (let i = 0; i < 400 + 5; i++) w.join();
  malformed('nesting 200 levels deep', w.finish(), /nesting deeper/);
}

test('unknown fields are skipped, as the protobuf rules require', () => {
  const w = new ProtoWriter();
  w.raw(good);
  w.tag(99, 2);
  w.bytes(Uint8Array.from([1, 2, 3]));
  w.tag(98, 0);
  w.varint(5);
  assert.equal(scanRequest('traces', w.finish()).items, 1);
});

test('JSON with the wrong shapes names the offending path', () => {
  const bad = (json: unknown, re: RegExp): void => assert.throws(() => encodeRequest('traces', json), (e: unknown) => e instanceof JsonShapeError && re.test(e.message));
  bad({ resourceSpans: {} }, /resourceSpans: expected an array/);
  bad({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz' }] }] }] }, /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: expected 32 hex/);
  bad({ resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: 'soon' }] }] }] }, /startTimeUnixNano: expected an integer/);
  bad({ resourceSpans: [{ scopeSpans: [{ spans: [{ kind: 1.5 }] }] }] }, /kind: expected an integer/);
  bad([], /expected an object/);
});
