// Issue 15, OTLP/JSON: each disagreement the fuzz campaign found between our decoder and the
// reference (json_format with OTLP's rules, test/harness/py/otlp_json.py), fixed, as a case
// whose verdict is written here from the OTLP/JSON rules; the reference must agree with both
// the verdict and the decoded message.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Signal } from '../../../src/component.js';
import { decodeRequest, encodeRequest, parseOtlpJson, scanRequest } from '../../../src/otlp/index.js';
import { PythonOtlp } from '../../harness/python-otlp.js';

type Verdict = 'accept' | 'refuse';

let py: PythonOtlp;
before(async () => {
  py = await PythonOtlp.start();
});
after(() => py.close());

function ours(signal: Signal, text: string): Uint8Array | undefined {
  try {
    const bytes = encodeRequest(signal, parseOtlpJson(text));
    scanRequest(signal, bytes);
    return bytes;
  } catch {
    return undefined;
  }
}

/** Both sides give `want`; when accepted, the messages are equal and `check` sees ours. */
async function judge(signal: Signal, text: string, want: Verdict, check?: (decoded: unknown) => void): Promise<void> {
  const bytes = ours(signal, text);
  assert.equal(bytes ? 'accept' : 'refuse', want, `ours: ${text}`);
  const ref = await py.judgeJson(signal, text, bytes);
  assert.equal(ref.ok ? 'accept' : 'refuse', want, `reference (${ref.detail}): ${text}`);
  if (bytes) {
    assert.equal(ref.equal, true, ref.detail);
    check?.(decodeRequest(signal, bytes));
  }
}

const span = (fields: string): string => `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",${fields}}]}]}]}`;
const attr = (value: string): string => span(`"name":"n","attributes":[{"key":"k","value":${value}}]`);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- decoded requests are read by path
const firstSpan = (d: unknown): any => (d as any).resourceSpans[0].scopeSpans[0].spans[0];

test('enums: names and integer-valued numbers are read; unknown names, booleans and values beyond int32 are refused', async () => {
  await judge('traces', span('"kind":"SPAN_KIND_SERVER","status":{"code":"STATUS_CODE_ERROR"}'), 'accept', (d) => {
    assert.equal(firstSpan(d).kind, 2);
    assert.equal(firstSpan(d).status.code, 2);
  });
  await judge('traces', span('"kind":"3"'), 'accept', (d) => assert.equal(firstSpan(d).kind, 3));
  await judge('traces', span('"kind":"2.0"'), 'accept', (d) => assert.equal(firstSpan(d).kind, 2));
  await judge('traces', span('"kind":99'), 'accept', (d) => assert.equal(firstSpan(d).kind, 99));
  for (const bad of ['"BOGUS"', '"span_kind_server"', '"SEVERITY_NUMBER_INFO"', 'true', '2.5', '4294967296', '2147483648']) {
    await judge('traces', span(`"kind":${bad}`), 'refuse');
  }
  const logs = '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"SEVERITY_NUMBER_WARN4","body":{"stringValue":"x"}}]}]}]}';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  await judge('logs', logs, 'accept', (d) => assert.equal((d as any).resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber, 16));
});

test('integers: any JSON number or number string with an integer value, exactly; nothing else', async () => {
  await judge('traces', span('"startTimeUnixNano":"1e2"'), 'accept', (d) => assert.equal(firstSpan(d).startTimeUnixNano, '100'));
  await judge('traces', span('"startTimeUnixNano":"1.0"'), 'accept', (d) => assert.equal(firstSpan(d).startTimeUnixNano, '1'));
  await judge('traces', span('"startTimeUnixNano":"100e-2"'), 'accept', (d) => assert.equal(firstSpan(d).startTimeUnixNano, '1'));
  // exact beyond 2^53, where a detour through a double would round to ...680
  await judge('traces', span('"startTimeUnixNano":"12345678901234567e1"'), 'accept', (d) => assert.equal(firstSpan(d).startTimeUnixNano, '123456789012345670'));
  await judge('traces', span('"droppedAttributesCount":"4294967295"'), 'accept', (d) => assert.equal(firstSpan(d).droppedAttributesCount, 4294967295));
  for (const bad of ['""', '"01"', '"+1"', '" 1"', '"1 "', '"1_0"', '"0x10"', '"1.5"', '"1e"', '"١"', '"18446744073709551616"', '-1', 'true']) {
    await judge('traces', span(`"startTimeUnixNano":${bad}`), 'refuse');
  }
  await judge('traces', span('"droppedAttributesCount":"4294967296"'), 'refuse');
});

test('doubles: numbers, number strings and "NaN"/"Infinity"/"-Infinity"; nothing else, -0 keeps its sign', async () => {
  await judge('traces', attr('{"doubleValue":"NaN"}'), 'accept');
  await judge('traces', attr('{"doubleValue":"-Infinity"}'), 'accept', (d) => assert.equal(firstSpan(d).attributes[0].value.doubleValue, '-Infinity'));
  await judge('traces', attr('{"doubleValue":"1e-2"}'), 'accept', (d) => assert.equal(firstSpan(d).attributes[0].value.doubleValue, 0.01));
  const summary = (sum: string): string => `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"s","summary":{"dataPoints":[{"count":"1","sum":${sum}}]}}]}]}]}`;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  await judge('metrics', summary('-0'), 'accept', (d) => assert.ok(Object.is((d as any).resourceMetrics[0].scopeMetrics[0].metrics[0].summary.dataPoints[0].sum, -0)));
  await judge('metrics', summary('-0.0'), 'accept');
  for (const bad of ['"inf"', '"Inf"', '"nan"', '"+1"', '" 1"', '"1 "', '"0x10"', '".5"', '"1."', '"1e400"', '1e400', '-1e400', 'true', '""']) {
    await judge('traces', attr(`{"doubleValue":${bad}}`), 'refuse');
    await judge('metrics', summary(bad), 'refuse');
  }
});

test('strings: a bare long number is no string; a lone surrogate is no text', async () => {
  await judge('traces', attr('{"stringValue":18446744073709551616}'), 'refuse');
  await judge('traces', attr('{"stringValue":"18446744073709551616"}'), 'accept', (d) => assert.equal(firstSpan(d).attributes[0].value.stringValue, '18446744073709551616'));
  await judge('traces', attr('{"stringValue":"a\\ud83d\\ude00b"}'), 'accept', (d) => assert.equal(firstSpan(d).attributes[0].value.stringValue, 'a😀b'));
  await judge('traces', attr('{"stringValue":"a\\ud800b"}'), 'refuse');
  await judge('traces', attr('{"stringValue":"a\\udc00"}'), 'refuse');
  await judge('traces', span('"name":"\\ud83d"'), 'refuse');
});

test('long integer literals: read exactly where a value stands; quoting them never turns invalid JSON into valid', async () => {
  await judge('traces', span('"startTimeUnixNano":1796223869281061245'), 'accept', (d) => assert.equal(firstSpan(d).startTimeUnixNano, '1796223869281061245'));
  await judge('traces', attr('{"arrayValue":{"values":[{"intValue":-9223372036854775808}]}}'), 'accept', (d) =>
    assert.equal(firstSpan(d).attributes[0].value.arrayValue.values[0].intValue, '-9223372036854775808'),
  );
  // a number as a key, digits glued to a stray quote, a literal with leading zeros
  await judge('traces', '{"resourceSpans":[],1234567890123456789:1}', 'refuse');
  await judge('traces', '{"resourceSpans":[1234567890123456789"]}', 'refuse');
  await judge('traces', span('"startTimeUnixNano":01796223869281061245'), 'refuse');
  await judge('traces', span('"name":"a","startTimeUnixNano":1796223869281061245"'), 'refuse');
});

test('bytes: standard or URL-safe base64, padded or not, never mixed or with a dangling character', async () => {
  await judge('traces', attr('{"bytesValue":"-_-_"}'), 'accept', (d) => assert.equal(firstSpan(d).attributes[0].value.bytesValue, '+/+/'));
  await judge('traces', attr('{"bytesValue":"AQ"}'), 'accept', (d) => assert.equal(firstSpan(d).attributes[0].value.bytesValue, 'AQ=='));
  for (const bad of ['"A"', '"AQ="', '"AAAA=="', '"-/+_"', '"!!!!"', '"AQID\\n"', '"AQ==AQ=="', '12']) {
    await judge('traces', attr(`{"bytesValue":${bad}}`), 'refuse');
  }
});

test('ids: hex in either case; a field under its lowerCamelCase and its original name at once is refused', async () => {
  await judge('traces', span('"parentSpanId":"EEE19B7EC3C1B173"'), 'accept', (d) => assert.equal(firstSpan(d).parentSpanId, 'eee19b7ec3c1b173'));
  await judge('traces', span('"parentSpanId":"7uGbfsPBsXM="'), 'refuse');
  await judge('traces', span('"start_time_unix_nano":"5"'), 'accept', (d) => assert.equal(firstSpan(d).startTimeUnixNano, '5'));
  await judge('traces', span('"startTimeUnixNano":"5","start_time_unix_nano":"6"'), 'refuse');
  await judge('traces', span('"startTimeUnixNano":"5","futureField":{"a":[1e400]}'), 'accept');
});

test('nesting: the same depth limit as protobuf, level for level', async () => {
  // request 0, resourceLogs 1, scopeLogs 2, logRecords 3, body 4; each kvlist level adds 3
  const nested = (levels: number): string => {
    let v = '{"stringValue":"leaf"}';
    for (let i = 0; i < levels; i++) v = `{"kvlistValue":{"values":[{"key":"k","value":${v}}]}}`;
    return `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${v}}]}]}]}`;
  };
  await judge('logs', nested(32), 'accept'); // deepest message: 4 + 3 * 32 = 100
  await judge('logs', nested(33), 'refuse');
});

test('the comparison notices when both accept but decode differently', async () => {
  const text = span('"name":"a"');
  const other = encodeRequest('traces', parseOtlpJson(span('"name":"b"')));
  const ref = await py.judgeJson('traces', text, other);
  assert.equal(ref.ok, true);
  assert.equal(ref.equal, false);
  assert.match(ref.detail, /name/);
});
