// The flush loop's batching under a backlog: records that waited in the ring longer than a
// batch window (the worker was busy, e.g. fusion's emission) are read a drain at a time, and
// every batch but the last is still a full one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { SIGNAL_CODE, SUCCESS, type Batch, type Exporter } from '../../../src/component.js';
import { DEFAULT_BUFFER } from '../../../src/config/collector-config.js';
import { FlushLoop } from '../../../src/flush/flush-loop.js';
import { chainPipeline } from '../../../src/flush/pipeline-runner.js';
import { Ring } from '../../../src/ring/ring.js';
import { NOOP_METRICS } from '../../../src/telemetry/sink.js';

test('a backlog read a drain at a time gives full batches, not a full one and one of its last record', async () => {
  const ring = Ring.create(16 * 1024 * 1024);
  const record = new Uint8Array(46_629).fill(7); // the side-by-side bench's 100-span request
  const longAgo = Date.now() - 10_000; // received well over a batch window ago
  let written = 0;
  while (ring.write(SIGNAL_CODE.traces, 0, 100, record, 0, longAgo) === 'ok') written++;
  const sizes: number[] = [];
  const exporter: Exporter = {
    start: async () => {},
    shutdown: async () => {},
    export: async (b: Batch) => {
      sizes.push(b.data.length / record.length);
      return SUCCESS;
    },
  };
  const logger = pino({ level: 'silent' });
  const pipeline = chainPipeline({ id: 'traces', signal: 'traces', processors: [], exporters: [{ id: 'sink', exporter }] }, NOOP_METRICS, logger);
  const maxBatchBytes = 4 * 1024 * 1024;
  const loop = new FlushLoop(ring, [pipeline], ['otlp'], () => ['otlp'], { ...DEFAULT_BUFFER, maxBatchBytes, flushIntervalMs: 50 }, NOOP_METRICS, logger);
  void loop.start();
  const until = Date.now() + 10_000;
  while (sizes.reduce((a, n) => a + n, 0) < written && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  await loop.drain();
  assert.equal(sizes.reduce((a, n) => a + n, 0), written, 'every record in a batch, once');
  const full = Math.floor(maxBatchBytes / record.length);
  // each batch is full except the last (the rest after the ring ran dry)
  assert.deepEqual(sizes.slice(0, -1), sizes.slice(0, -1).map(() => full), `batches of ${sizes.join(', ')} records`);
});
