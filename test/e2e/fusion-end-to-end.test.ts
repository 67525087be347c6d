// Fusion end to end, as on a GPU node: the example inference service (OpenTelemetry SDK, pino
// with @opentelemetry/instrumentation-pino writing JSON lines to a file) sends spans over
// OTLP/HTTP; the filelog receiver tails its log file; the NVML receiver reads the stub GPU; a
// Kineto trace annotated with `otel:<trace_id>:<span_id>` lands in the profiler directory.
// Every request comes out as one trace with its log lines as span events and the GPU summary,
// and the annotated request also carries the profiler's kernels as descendants.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { attrs, readStored, startCollector, storedSpans, tempDir, type TestCollector } from '../harness/collector.js';
import { buildNvmlStub, STUB_SOURCE, writeScenario } from '../harness/nvml-stub/build.js';

const FIXTURE = join(STUB_SOURCE, '..', '..', '..', 'fixtures', 'kineto', 'train_step.pt.trace.json');
const GPU_UUID = 'GPU-5e2c7a1e-0000-4000-8000-0000000000aa';
let svc: ChildProcess | undefined;
let c: TestCollector | undefined;
after(async () => {
  svc?.kill('SIGTERM');
  await c?.shutdown().catch(() => {});
});

test('each request is one trace with its pino logs, GPU summary and profiler kernels', { timeout: 120_000 }, async () => {
  const dir = tempDir('atc-fusion-e2e-');
  const logFile = join(dir, 'service.log');
  const profDir = join(dir, 'profiles');
  mkdirSync(profDir);
  writeFileSync(logFile, '');
  const scenario = join(dir, 'nvml.txt');
  writeScenario(scenario, {
    driverVersion: '550.54.15',
    devices: [{ uuid: GPU_UUID, name: 'NVIDIA H100 80GB HBM3', utilization: [93, 55], memory: { total: 85899345920, free: 5368709120, used: 80530636800 }, temperature: 77, powerMw: 650000, clocks: { graphics: 1755, sm: 1755, mem: 2619, video: 1545 }, clocksEventReasons: 0x4, processes: [] }],
    events: [],
  });
  process.env['NVML_STUB_SCENARIO'] = scenario;
  const lib = buildNvmlStub();
  c = await startCollector({
    yaml: (dataDir) => `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } }
  filelog: { include: ["${logFile}"], start_at: beginning, poll_interval: 50ms, format: raw, checkpoint_dir: ${dir}/cp }
  nvml: { library_path: ${lib}, collection_interval: 200ms }
  profiler: { traces: { directories: ["${profDir}"], poll_interval: 100ms, settle_time: 200ms } }
connectors:
  fusion: { decision_wait: 6s, root_wait: 5s, rootless_wait: 6s }
exporters: { file: { directory: ${dataDir}, fsync: false } }
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines:
    traces/in: { receivers: [otlp, profiler], exporters: [fusion] }
    traces: { receivers: [fusion], exporters: [file] }
    logs: { receivers: [filelog, nvml], exporters: [fusion, file] }
    metrics: { receivers: [nvml], exporters: [fusion, file] }
`,
  });
  const collector = c;
  // let a few GPU samples in before the first request
  await new Promise((r) => setTimeout(r, 600));
  svc = spawn(process.execPath, [join(process.cwd(), 'dist', 'examples', 'inference-service', 'server.js')], {
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpUrl, PORT: '0', TIME_SCALE: '0.2', ERROR_RATE: '0', SLOW_RATE: '0', LOG_FILE: logFile, OTEL_BSP_SCHEDULE_DELAY: '100' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('inference service did not start')), 20_000);
    svc!.once('exit', (code) => reject(new Error(`inference service exited with ${code}`)));
    createInterface({ input: svc!.stdout! }).on('line', (line) => {
      try {
        const j = JSON.parse(line) as { msg?: string; url?: string };
        if (j.msg === 'inference service listening' && j.url) {
          clearTimeout(t);
          resolve(j.url);
        }
      } catch {
        /* not JSON */
      }
    });
  });
  const N = 4;
  for (let i = 0; i < N; i++) {
    const r = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'llama-3-8b-instruct', prompt: `question ${i}`, max_tokens: 16, simulate: 'ok' }) });
    assert.equal(r.status, 200, await r.text());
  }
  // the first request's ids, from its pino line, annotate a profiler trace
  const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; trace_id?: string; span_id?: string });
  const first = lines.find((l) => l.msg === 'completion request received' && l.trace_id)!;
  assert.ok(first, 'pino lines carry trace context');
  const kineto = readFileSync(FIXTURE, 'utf8').replaceAll('4bf92f3577b34da6a3ce929d0e0e4736', first.trace_id!).replaceAll('00f067aa0ba902b7', first.span_id!);
  writeFileSync(join(profDir, 'worker0.1.pt.trace.json.tmp'), kineto);
  renameSync(join(profDir, 'worker0.1.pt.trace.json.tmp'), join(profDir, 'worker0.1.pt.trace.json')); // as Kineto does
  // every request's trace emitted
  for (let i = 0; i < 200 && (await collector.service.metrics.value('atc_fusion_traces_emitted_total')) < N; i++) await new Promise((r) => setTimeout(r, 100));
  svc.kill('SIGTERM');
  await collector.shutdown();

  const spans = storedSpans(readStored(collector.dataDir));
  const byTrace = new Map<string, typeof spans>();
  for (const s of spans) {
    const t = String(s.span['traceId']);
    byTrace.set(t, [...(byTrace.get(t) ?? []), s]);
  }
  const requestTraces = [...byTrace.entries()].filter(([, ss]) => ss.some((s) => s.span['name'] === 'POST /v1/completions'));
  assert.equal(requestTraces.length, N, 'one trace per request');
  for (const [traceId, ss] of requestTraces) {
    const server = ss.filter((s) => s.span['name'] === 'POST /v1/completions');
    assert.equal(server.length, 1, `trace ${traceId} came out once`);
    // the pino line of this request is a span event of the span that was active when it was written
    const logEvents = ss.flatMap((s) => ((s.span['events'] ?? []) as { name: string; attributes: unknown }[]).filter((e) => e.name === 'log').map((e) => attrs(e.attributes)['log.body']));
    const expected = lines.filter((l) => l.trace_id === traceId).map((l) => l.msg);
    assert.ok(expected.length > 0);
    for (const msg of expected) assert.ok(logEvents.some((b) => String(b).includes(msg)), `trace ${traceId}: log "${msg}" not joined (have ${JSON.stringify(logEvents)})`);
    // the GPU summary from NVML (the node's only GPU)
    const sa = attrs(server[0]!.span['attributes']);
    assert.equal(sa['gpu.uuid'], GPU_UUID);
    assert.equal(sa['gpu.utilization.avg'], 93);
    assert.equal(sa['gpu.temperature.max'], 77);
    assert.deepEqual(sa['gpu.throttle_reasons'], { values: [{ stringValue: 'sw_power_cap' }] });
  }
  // the annotated request carries the profiler spans, kernels under the annotated span's subtree
  const annotated = byTrace.get(first.trace_id!)!;
  const ann = annotated.find((s) => String(s.span['name']).startsWith('otel:'));
  assert.ok(ann, 'profiler annotation joined the request trace');
  assert.equal(ann.span['parentSpanId'], first.span_id);
  const kernels = annotated.filter((s) => attrs(s.span['attributes'])['pytorch.category'] === 'kernel');
  assert.ok(kernels.length > 0, 'kernels joined the request trace');
  console.log(`# fusion e2e: ${N} requests → ${requestTraces.length} traces; ${kernels.length} kernels on ${first.trace_id}`);
});
