// The main-thread side of the flush worker: a stop during start-up must not read as a crash.
// The race CI met: SIGTERM while the worker was starting, drain() found it not ready (nothing
// to drain), its 'ready' arrived before terminate()'s exit, and the exit was reported as a crash
// (the process exited 70 instead of 0).
import '../../../components.js'; // registers the component factories the worker imports
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { components } from '../../../src/component-registry.js';
import { parseRawConfig } from '../../../src/config/load.js';
import { FlushHost } from '../../../src/flush/flush-host.js';
import { Ring } from '../../../src/ring/ring.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { PromMetrics } from '../../../src/telemetry/registry.js';
import { tempDir } from '../../harness/collector.js';

function host(onCrash: (e: Error) => void): FlushHost {
  const { raw, errors } = parseRawConfig(
    `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters: { file: { directory: ${tempDir()} } }
service: { pipelines: { traces: { receivers: [otlp], exporters: [file] } } }
`,
    [],
  );
  assert.ok(errors.empty, errors.toString());
  const ring = Ring.create(1 << 16);
  return new FlushHost({ sab: ring.sab, raw, sources: ['otlp'], logLevel: 'silent', componentsUrl: components().moduleUrl }, new PromMetrics(), new HealthRegistry(), createLogger('silent'), onCrash);
}

test('a drain asked before the worker is ready, then terminate() after its ready arrived, is no crash', async () => {
  const crashes: Error[] = [];
  const h = host((e) => crashes.push(e));
  const started = h.start();
  assert.equal(await h.drain(), 0, 'not ready: nothing was read from the ring');
  await started; // its 'ready' arrives after the drain looked
  await h.terminate();
  await new Promise((r) => setTimeout(r, 50)); // the exit event follows terminate()'s promise
  assert.deepEqual(
    crashes.map((e) => e.message),
    [],
  );
});

test('an exit after start that the host did not ask for is still a crash', async () => {
  const crashes: Error[] = [];
  const h = host((e) => crashes.push(e));
  await h.start();
  // the thread ending under the host (as an out-of-memory kill of the worker would), not terminate()
  await (h as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(
    crashes.map((e) => e.message),
    ['flush worker exited unexpectedly with code 1'],
  );
});
