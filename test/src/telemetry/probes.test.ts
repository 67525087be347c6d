// The probe decisions (src/telemetry/probes.ts) on a parsed config: which components may hold
// readiness back and which may not, the intake's refusal window, the flush worker's heartbeat.
import '../../../components.js'; // registers the component factories (config validation needs them)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCollectorConfig, type CollectorConfig } from '../../../src/config/collector-config.js';
import { parseRawConfig } from '../../../src/config/load.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { liveness, readiness } from '../../../src/telemetry/probes.js';

function config(): CollectorConfig {
  const { raw, errors } = parseRawConfig(
    `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } }
  nvml: { library_path: /nonexistent.so }
exporters:
  otlp: { endpoint: 127.0.0.1:4317 }
service:
  readiness: { ring_full_for: 5s }
  pipelines:
    traces: { receivers: [otlp], exporters: [otlp] }
    metrics: { receivers: [nvml], exporters: [otlp] }
`,
    [],
  );
  assert.ok(errors.empty, errors.toString());
  return parseCollectorConfig(raw);
}

test('readiness: running, required receivers ready, intake taking data; exporters and optional NVML never count', () => {
  const cfg = config();
  const health = new HealthRegistry();
  const ready = (refusingForMs = 0, state = 'running') => readiness({ state, cfg, health, refusingForMs });
  assert.deepEqual(ready(0, 'starting'), { ok: false, reason: 'service is starting' });
  assert.deepEqual(ready(0, 'stopping'), { ok: false, reason: 'service is stopping' });
  assert.equal(ready().ok, true);
  // the exporter named like the receiver is down: its own key, and it does not count
  health.scope('exporter').setReady('otlp', false, 'connection refused');
  health.scope('receiver').setReady('otlp', true);
  assert.equal(ready().ok, true);
  assert.equal(health.get('receiver', 'otlp')?.ready, true);
  assert.equal(health.get('exporter', 'otlp')?.ready, false);
  // optional NVML without a GPU does not count, even reported not ready
  health.scope('receiver').setReady('nvml', false, 'no driver');
  assert.equal(ready().ok, true);
  // a required receiver not ready does
  health.scope('receiver').setReady('otlp', false, 'binding 127.0.0.1:4318');
  assert.deepEqual(ready(), { ok: false, reason: 'receiver/otlp: binding 127.0.0.1:4318' });
  health.scope('receiver').setReady('otlp', true);
  // refusing for less than ring_full_for: still ready; at it: not
  assert.equal(ready(4999).ok, true);
  const r = ready(5000);
  assert.equal(r.ok, false);
  assert.match(r.reason ?? '', /every request refused for 5\.0 s/);
});

test('readiness: NVML with required: true counts', () => {
  const { raw } = parseRawConfig(
    `
receivers: { nvml: { library_path: /nonexistent.so, required: true } }
exporters: { file: { directory: /tmp/x } }
service: { pipelines: { metrics: { receivers: [nvml], exporters: [file] } } }
`,
    [],
  );
  const cfg = parseCollectorConfig(raw);
  const health = new HealthRegistry();
  health.scope('receiver').setReady('nvml', false, 'no driver');
  assert.deepEqual(readiness({ state: 'running', cfg, health, refusingForMs: 0 }), { ok: false, reason: 'receiver/nvml: no driver' });
});

test('liveness: the flush worker heartbeat within flush_stall_for; never unhealthy while stopping or before the worker runs', () => {
  assert.deepEqual(liveness({ state: 'running', beatAgeMs: 1000, stallMs: 30_000 }), { ok: true, reason: null });
  const dead = liveness({ state: 'running', beatAgeMs: 31_000, stallMs: 30_000 });
  assert.equal(dead.ok, false);
  assert.match(dead.reason ?? '', /flush worker: no heartbeat for 31\.0 s/);
  assert.equal(liveness({ state: 'starting', beatAgeMs: undefined, stallMs: 30_000 }).ok, true);
  assert.equal(liveness({ state: 'stopping', beatAgeMs: 60_000, stallMs: 30_000 }).ok, true);
});
