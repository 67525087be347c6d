// The status page's in-memory stores: recent warn/error lines and recent fused traces stay
// bounded; the fusion tap builds documents only while a listener is set, a few per second.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { RecentLogs } from '../../../src/telemetry/recent-logs.js';
import { offerRecentFusedTraces, RecentFusedTraces, setRecentFusedTraceListener, type FusedTraceJson } from '../../../src/telemetry/recent-fused-traces.js';

afterEach(() => setRecentFusedTraceListener(undefined));

test('recent logs keep warn and above, newest last, at most the capacity', () => {
  const r = new RecentLogs(3);
  r.push(JSON.stringify({ level: 30, time: 't0', msg: 'info is not kept' }));
  r.push('not json');
  for (let i = 1; i <= 5; i++) r.push(JSON.stringify({ level: i % 2 ? 40 : 50, time: `t${i}`, pid: 1, hostname: 'h', msg: `m${i}`, exporter: 'kafka' }));
  const s = r.snapshot();
  assert.deepEqual(s.entries.map((e) => [e.msg, e.level]), [['m3', 'warn'], ['m4', 'error'], ['m5', 'warn']]);
  assert.deepEqual(s.entries[0]!.fields, { exporter: 'kafka' });
  assert.equal(s.dropped, 2);
  // a huge line is cut, not kept whole
  r.push(JSON.stringify({ level: 50, msg: 'x'.repeat(100_000) }));
  assert.ok(JSON.stringify(r.snapshot().entries.at(-1)).length < 1000);
});

const doc = (i: number, spans = 1): FusedTraceJson => ({
  trace_id: i.toString(16).padStart(32, '0'),
  service: 'llm',
  root: { span_id: '01', name: `req ${i}` },
  start_time_unix_nano: '1',
  duration_ms: i,
  status: i % 2 ? 'error' : 'ok',
  spans: Array.from({ length: spans }, (_, k) => ({ span_id: String(k), gpu_events: k === 0 ? [{ xid: 79 }, { xid: null }] : undefined })),
  logs: [{}, {}],
  kernels: [{}],
});

test('recent fused traces: newest first, bounded, replaced by id, huge traces cut for display', () => {
  const s = new RecentFusedTraces(3);
  s.add([doc(1), doc(2), doc(3), doc(4)]);
  assert.deepEqual(s.list().map((t) => t.root), ['req 4', 'req 3', 'req 2']);
  assert.equal(s.get((1).toString(16).padStart(32, '0')), undefined);
  s.add([doc(2)]);
  assert.deepEqual(s.list().map((t) => t.root), ['req 2', 'req 4', 'req 3']);
  assert.deepEqual(s.list()[0], { trace_id: (2).toString(16).padStart(32, '0'), service: 'llm', root: 'req 2', start_time_unix_nano: '1', duration_ms: 2, status: 'ok', spans: 1, logs: 2, xids: 1, kernels: 1 });
  s.add([doc(9, 2500)]);
  const big = s.get((9).toString(16).padStart(32, '0')) as { spans: unknown[]; spans_cut: number };
  assert.equal(big.spans.length, 2000);
  assert.equal(big.spans_cut, 500);
  assert.equal(s.list()[0]!.spans, 2500);
});

test('the fusion tap builds nothing without a listener, and at most 20 documents a second', () => {
  let built = 0;
  const toDoc = (i: number): FusedTraceJson => {
    built++;
    return doc(i);
  };
  offerRecentFusedTraces([1, 2, 3], toDoc, 1_000_000);
  assert.equal(built, 0);
  const got: FusedTraceJson[] = [];
  setRecentFusedTraceListener((d) => got.push(...d));
  offerRecentFusedTraces(Array.from({ length: 15 }, (_, i) => i), toDoc, 2_000_000);
  offerRecentFusedTraces(Array.from({ length: 15 }, (_, i) => 100 + i), toDoc, 2_000_500);
  assert.equal(built, 20);
  // the newest of each offer are kept
  assert.deepEqual(got.slice(15).map((d) => (d as { duration_ms: number }).duration_ms), [110, 111, 112, 113, 114]);
  offerRecentFusedTraces([7], toDoc, 2_001_000); // a new second
  assert.equal(built, 21);
});
