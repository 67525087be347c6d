// GET /status on a running collector: the service state, readiness with its reason, every
// configured component with its kind, pipelines and health, an optional NVML receiver without a
// GPU marked optional and not blocking readiness, and the pipelines as configured.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCollector, type TestCollector } from '../../harness/collector.js';

let c: TestCollector;

before(async () => {
  c = await startCollector({
    yaml: (dataDir) => `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } }
  nvml: { library_path: /nonexistent/libnvidia-ml.so.1, required: false }
exporters:
  file: { directory: ${dataDir}, fsync: false }
service:
  telemetry:
    metrics: { endpoint: 127.0.0.1:0 }
    logs: { level: silent }
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
    metrics: { receivers: [otlp, nvml], exporters: [file] }
`,
  });
});

after(async () => {
  await c.shutdown();
});

interface Doc {
  state: string;
  since: string;
  version: string;
  ready: boolean;
  ready_reason: string | null;
  components: { id: string; kind: string; pipelines: string[]; state: string; reason: string | null; required: boolean }[];
  pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
}

test('/status describes the service, its readiness and every component', async () => {
  // NVML's start attempt runs in a worker: wait until it has given its (optional) answer
  let doc: Doc | undefined;
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${c.telemetryUrl}/status`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    doc = (await res.json()) as Doc;
    if (doc.components.find((x) => x.id === 'nvml')?.reason) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(doc);
  assert.equal(doc.state, 'running');
  assert.ok(!Number.isNaN(Date.parse(doc.since)));
  assert.match(doc.version, /^\d+\.\d+\.\d+/);
  assert.equal(doc.ready, true, `ready_reason: ${doc.ready_reason}`);
  assert.equal(doc.ready_reason, null);
  const byId = new Map(doc.components.map((x) => [`${x.kind}:${x.id}`, x]));
  assert.deepEqual([...byId.keys()].sort(), ['exporter:file', 'receiver:nvml', 'receiver:otlp']);
  assert.deepEqual(byId.get('receiver:otlp')!.pipelines, ['traces', 'metrics']);
  assert.equal(byId.get('receiver:otlp')!.state, 'running');
  assert.equal(byId.get('receiver:otlp')!.required, true);
  const nvml = byId.get('receiver:nvml')!;
  assert.deepEqual(nvml.pipelines, ['metrics']);
  assert.equal(nvml.required, false);
  assert.ok(nvml.reason && nvml.reason.length > 0, 'the optional NVML receiver says why it has no GPU');
  assert.deepEqual(byId.get('exporter:file')!.pipelines, ['traces', 'metrics']);
  assert.deepEqual(doc.pipelines, {
    traces: { receivers: ['otlp'], processors: [], exporters: ['file'] },
    metrics: { receivers: ['otlp', 'nvml'], processors: [], exporters: ['file'] },
  });
  // /readyz agrees with the document
  assert.equal((await fetch(`${c.telemetryUrl}/readyz`)).status, 200);
});
