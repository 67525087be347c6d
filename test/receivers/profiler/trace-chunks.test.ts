// Reading a trace in chunks: an event, a string or a header value cut anywhere by a chunk's end
// gives the same spans as one read; events whose name or args lie beyond 64 KiB into them (read
// again in pass 2) keep their name and args; a value over the size cap is skipped and counted.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { attrs, tempDir } from '../../harness/collector.js';
import { decodeRequest, type JsonObject } from '../../../src/otlp/proto-decode.js';
import { DEFAULT_CATEGORIES, TraceIndex } from '../../../receivers/profiler/trace-index.js';
import { TraceScanner } from '../../../receivers/profiler/trace-scanner.js';
import { convertTraceFile } from '../../../receivers/profiler/trace-file.js';

const LONG_NAME = 'n'.repeat(70_000);
const events = [
  { ph: 'X', cat: 'user_annotation', name: 'ProfilerStep#1', pid: 10, tid: 10, ts: 100, dur: 500, args: { 'External id': 1 } },
  { ph: 'X', cat: 'cpu_op', name: 'aten::"q" \\ é中', pid: 10, tid: 10, ts: 101, dur: 50, args: { 'External id': 2, 'Input Dims': [[8, 4096], [4096]], 'k "x"': 'v\\n', f: 1.5, neg: -3 } },
  { ph: 'X', cat: 'cpu_op', name: LONG_NAME, pid: 10, tid: 10, ts: 160, dur: 5, args: { 'External id': 3 } },
  { ph: 'X', cat: 'cpu_op', name: 'big args', pid: 10, tid: 10, ts: 170, dur: 5, args: { 'External id': 4, s: 'q'.repeat(70_000), x: [1, 2] } },
  { ph: 'X', cat: 'cpu_op', pad: 'p'.repeat(70_000), name: 'far name', pid: 10, tid: 10, ts: 180, dur: 5, args: { 'External id': 5 } },
  { ph: 'X', cat: 'cuda_runtime', name: 'cudaLaunchKernel', pid: 10, tid: 10, ts: 190, dur: 5, args: { correlation: 77 } },
  { ph: 'X', cat: 'kernel', name: 'k', pid: 0, tid: 7, ts: 200, dur: 5, args: { correlation: 77, grid: [1, 1, 1] } },
  { name: 'thread_name', ph: 'M', pid: 10, tid: 10, args: { name: 'main' } },
];
const names = events.filter((e) => e.ph === 'X').map((e) => e.name);

async function spans(path: string, chunkBytes: number): Promise<JsonObject[]> {
  const out: JsonObject[] = [];
  await convertTraceFile(path, { categories: new Set(DEFAULT_CATEGORIES), resource: {}, chunkBytes }, async (data) => {
    const req = decodeRequest('traces', data);
    for (const rs of req['resourceSpans'] as JsonObject[]) for (const ss of rs['scopeSpans'] as JsonObject[]) out.push(...(ss['spans'] as JsonObject[]));
  });
  return out;
}

test('the same spans whatever the chunk size, compact or indented JSON; far names and args kept', async () => {
  const dir = tempDir('atc-chunks-');
  try {
    for (const indent of [0, 4]) {
      const path = join(dir, `t${indent}.pt.trace.json`);
      writeFileSync(path, JSON.stringify({ schemaVersion: 1, deviceProperties: [{ id: 0, name: 'GPU' }], traceEvents: events, traceName: 'x', baseTimeNanoseconds: 1_700_000_000_000_000_000 }, null, indent));
      const whole = await spans(path, 1 << 22);
      assert.deepEqual(whole.map((s) => s['name']), names, 'names as written, escapes decoded');
      const a = (name: string): Record<string, unknown> => attrs(whole.find((s) => s['name'] === name)!['attributes']);
      assert.equal(a('aten::"q" \\ é中')['pytorch.k_x'], 'v\\n');
      assert.equal(a('aten::"q" \\ é中')['pytorch.input_dims'], '[[8,4096],[4096]]');
      assert.equal(a('big args')['pytorch.s'], 'q'.repeat(4096), 'strings cut at 4 KiB');
      assert.equal(a('big args')['pytorch.x'], '[1,2]');
      assert.equal(a('far name')['pytorch.external_id'], '5');
      assert.equal(a(LONG_NAME)['thread.name'], 'main');
      const kernel = whole.find((s) => s['name'] === 'k')!;
      const launch = whole.find((s) => s['name'] === 'cudaLaunchKernel')!;
      assert.equal(kernel['parentSpanId'], launch['spanId'], 'the kernel under its launch');
      for (const chunk of [61, 1000, 65_543]) assert.deepEqual(await spans(path, chunk), whole, `chunks of ${chunk} bytes`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a value over the size cap is skipped across chunks: the event counted, the header key undefined', () => {
  const text = Buffer.from(JSON.stringify({ schemaVersion: 1, big: 'h'.repeat(60_000), traceEvents: events, after: [1, 2] }));
  for (const chunk of [7, 1000, 65_536]) {
    const index = new TraceIndex(new Set(DEFAULT_CATEGORIES));
    const scanner = new TraceScanner(index, 50_000);
    for (let i = 0; i < text.length; i += chunk) scanner.write(text.subarray(i, i + chunk));
    scanner.end();
    assert.equal(scanner.eventCount, events.length, `chunks of ${chunk}`);
    // the three events over 50 000 bytes are skipped; with 64 KiB chunks the 60 000-byte header
    // value fits in one chunk and is read (the cap bounds what is kept, not what a chunk holds)
    assert.equal(index.events, events.length - 3);
    assert.equal(index.meta.get('big'), chunk === 65_536 ? 'h'.repeat(60_000) : undefined);
    assert.ok(index.meta.has('big'));
    assert.deepEqual(index.meta.get('after'), [1, 2]);
  }
});

test('a trace cut short fails, also when the cut falls in a kept value', () => {
  const text = Buffer.from(JSON.stringify({ schemaVersion: 1, traceEvents: events }));
  for (const cut of [text.length - 1, text.length - 10, 70_000, 20]) {
    const scanner = new TraceScanner(new TraceIndex(new Set(DEFAULT_CATEGORIES)));
    for (let i = 0; i < cut; i += 999) scanner.write(text.subarray(i, Math.min(cut, i + 999)));
    assert.throws(() => scanner.end(), /ends/, `cut at ${cut}`);
  }
});
