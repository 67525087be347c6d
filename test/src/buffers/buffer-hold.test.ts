// BufferHold: a buffer goes back to its owner once every share was dropped, never when pinned;
// pipelines pin the batches that processors (or connectors that do not retain holds) see.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { BufferHold } from '../../../src/buffers/buffer-hold.js';
import type { Batch, Exporter, Processor } from '../../../src/component.js';
import { SUCCESS } from '../../../src/component.js';
import { chainPipeline } from '../../../src/flush/pipeline-runner.js';
import { NOOP_METRICS } from '../../../src/telemetry/sink.js';

test('the buffer comes back after the last release, once; a pinned one never', () => {
  const back: Uint8Array[] = [];
  const buf = new Uint8Array(8);
  const h = new BufferHold(buf, (b) => back.push(b));
  h.retain();
  h.retain();
  h.release();
  h.release();
  assert.equal(back.length, 0, 'one share still held');
  assert.equal(h.free, false);
  h.release();
  assert.deepEqual(back, [buf]);
  assert.equal(h.free, true);
  assert.throws(() => h.release(), /released more often than held/);
  assert.throws(() => h.retain(), /retain after the last release/);
  assert.equal(back.length, 1);

  const kept: Uint8Array[] = [];
  const p = new BufferHold(new Uint8Array(4), (b) => kept.push(b));
  p.retain();
  p.pin();
  p.release();
  p.release();
  assert.equal(p.free, true);
  assert.equal(kept.length, 0, 'pinned: left to the garbage collector');
});

function pipeline(processors: Processor[], keepsViews = false): { run: (b: Batch) => Promise<void>; seen: Batch[] } {
  const seen: Batch[] = [];
  const exporter: Exporter = { start: async () => {}, shutdown: async () => {}, export: async (b) => (seen.push(b), SUCCESS) };
  const p = chainPipeline({ id: 'traces', signal: 'traces', processors, exporters: [{ id: 'e', exporter }], keepsViews }, NOOP_METRICS, pino({ level: 'silent' }));
  return { run: p.entry, seen };
}

const passThrough: Processor = { start: async () => {}, shutdown: async () => {}, process: (b, next) => next(b) };

test('a pipeline of exporters alone leaves the hold to its owner; processors or a non-retaining connector pin it', async () => {
  for (const [name, procs, keeps, recycled] of [
    ['exporters only', [], false, true],
    ['a processor', [passThrough], false, false],
    ['a connector that keeps views without retaining', [], true, false],
  ] as const) {
    const back: Uint8Array[] = [];
    const hold = new BufferHold(new Uint8Array(16), (b) => back.push(b));
    const { run, seen } = pipeline([...procs], keeps);
    await run({ signal: 'traces', data: hold.buffer, items: 1, createdAt: 0, hold });
    assert.equal(seen.length, 1, name);
    hold.release();
    assert.equal(back.length, recycled ? 1 : 0, name);
  }
});
