// The profiler receiver: Kineto trace files (the fixture with torch.profiler's structure, and
// traces generated at test time) through the real pipeline to the file exporter; the memory
// bound on a 200 MB trace; training-step JSON lines from a tailed file and over HTTP.
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { attrs, readStored, startCollector, storedLogRecords, storedMetrics, storedSpans, tempDir, type TestCollector } from '../../harness/collector.js';
import { generateKinetoTrace } from '../../fixtures/kineto/generate.js';
import { convertTraceFile } from '../../../receivers/profiler/trace-file.js';
import { DEFAULT_CATEGORIES } from '../../../receivers/profiler/kineto.js';
import { parseConfig } from '../../../receivers/profiler/config.js';
import type { ProfilerReceiver } from '../../../receivers/profiler/profiler.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import type { JsonObject } from '../../../src/otlp/proto-decode.js';
import { STUB_SOURCE } from '../../harness/nvml-stub/build.js';

const FIXTURE = join(STUB_SOURCE, '..', '..', '..', 'fixtures', 'kineto', 'train_step.pt.trace.json');

function yaml(profiler: string) {
  return (dataDir: string): string => `
receivers:
  profiler:
${profiler
  .trim()
  .split('\n')
  .map((l) => '    ' + l)
  .join('\n')}
exporters:
  file: { directory: ${dataDir}, fsync: false, compression: none }
buffer: { flush_interval: 20ms }
spill: { directory: ${dataDir}.spill }
service:
  telemetry:
    metrics: { endpoint: 127.0.0.1:0 }
    logs:
      level: \${env:ATC_TEST_LOG_LEVEL:-silent}
  pipelines:
    traces: { receivers: [profiler], exporters: [file] }
    metrics: { receivers: [profiler], exporters: [file] }
    logs: { receivers: [profiler], exporters: [file] }
`;
}

const running: TestCollector[] = [];
after(async () => {
  for (const c of running) await c.shutdown();
});
async function start(profiler: string): Promise<TestCollector> {
  const c = await startCollector({ yaml: yaml(profiler) });
  running.push(c);
  return c;
}
async function stop(c: TestCollector): Promise<void> {
  running.splice(running.indexOf(c), 1);
  await c.shutdown();
}
async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const spans = (c: TestCollector) => storedSpans(readStored(c.dataDir)).map((s) => ({ ...s, a: attrs(s.span['attributes']), r: attrs(s.resource['attributes']) }));
const receiver = (c: TestCollector) => c.service.receivers.get('profiler') as ProfilerReceiver;

describe('profiler receiver: Kineto traces', { timeout: 600_000 }, () => {
  test('the fixture becomes spans: times, nesting, launches → kernels, otel annotation, resource', async () => {
    const dir = tempDir('atc-prof-');
    const c = await start(`traces: { directories: [${dir}], poll_interval: 50ms, settle_time: 100ms }\nhost_name: gpu-node-7`);
    // Kineto writes <name>.tmp, then renames; a .tmp is never read, even a broken one
    writeFileSync(join(dir, 'other.pt.trace.json.tmp'), '{"traceEvents": [');
    copyFileSync(FIXTURE, join(dir, 'w0.1795.pt.trace.json.tmp'));
    renameSync(join(dir, 'w0.1795.pt.trace.json.tmp'), join(dir, 'w0.1795.pt.trace.json'));
    const all = await until('15 spans', () => {
      const s = spans(c);
      return s.length >= 15 ? s : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(spans(c).length, 15, 'converted once: 15 X events of the default categories');
    const by = (name: string, i = 0) => all.filter((s) => s.span['name'] === name)[i]!;
    const step = by('ProfilerStep#3');
    // absolute time: baseTimeNanoseconds + ts µs × 1000
    assert.equal(step.span['startTimeUnixNano'], '1795000000120100250');
    assert.equal(step.span['endTimeUnixNano'], '1795000000129900750');
    assert.equal(step.span['parentSpanId'], undefined, 'a profiler step is the root of its own trace');
    assert.equal(step.a['pytorch.step'], '3');
    const linear = by('aten::linear');
    const addmm = by('aten::addmm');
    const launch = by('cudaLaunchKernel', 0);
    const gemm = all.find((s) => String(s.span['name']).startsWith('sm90_xmma_gemm_f32f32_tf32f32_f32_tn'))!;
    assert.equal(linear.span['parentSpanId'], step.span['spanId']);
    assert.equal(addmm.span['parentSpanId'], linear.span['spanId']);
    assert.equal(launch.span['parentSpanId'], addmm.span['spanId']);
    assert.equal(gemm.span['parentSpanId'], launch.span['spanId'], 'kernel → its launch, by correlation');
    for (const s of [linear, addmm, launch, gemm]) assert.equal(s.span['traceId'], step.span['traceId']);
    assert.equal(gemm.a['pytorch.category'], 'kernel');
    assert.equal(gemm.a['gpu.index'], '0');
    assert.equal(gemm.a['gpu.stream'], '7');
    assert.equal(gemm.a['gpu.name'], 'NVIDIA H100 80GB HBM3');
    assert.equal(gemm.a['pytorch.correlation'], '5001');
    assert.equal(gemm.a['pytorch.external_id'], '3');
    assert.equal(gemm.a['pytorch.registers_per_thread'], '168');
    assert.equal(gemm.a['pytorch.grid'], '[32,1,1]');
    assert.equal(gemm.span['startTimeUnixNano'], '1795000000120270125');
    assert.equal(linear.a['thread.name'], 'thread 41237 (python3)');
    assert.equal(linear.a['pytorch.input_dims'], '[[32,4096],[4096,4096],[4096]]');
    // the backward thread's ops are not nested on the main thread: children of the step running then
    const bwd = by('autograd::engine::evaluate_function: AddmmBackward0');
    assert.equal(bwd.span['parentSpanId'], step.span['spanId']);
    assert.equal(bwd.a['thread.name'], 'thread 41301 (pt_autograd_0)');
    assert.equal(by('aten::mm').span['parentSpanId'], bwd.span['spanId']);
    // record_function("otel:<trace>:<span>") puts its subtree into that trace, under that span
    const ann = by('otel:4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7');
    assert.equal(ann.span['traceId'], '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(ann.span['parentSpanId'], '00f067aa0ba902b7');
    const softmax = by('aten::softmax');
    const softmaxKernel = all.find((s) => String(s.span['name']).includes('cunn_SoftMaxForward'))!;
    const memcpy = by('Memcpy DtoH (Device -> Pinned)');
    assert.equal(softmax.span['parentSpanId'], ann.span['spanId']);
    for (const s of [softmax, softmaxKernel, memcpy]) assert.equal(s.span['traceId'], '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(memcpy.span['parentSpanId'], by('cudaMemcpyAsync').span['spanId']);
    assert.equal(memcpy.a['pytorch.bytes'], '131072');
    // resource: service, node, process, device properties, distributed info, metadata
    const r = step.r;
    assert.equal(r['service.name'], 'pytorch');
    assert.equal(r['host.name'], 'gpu-node-7');
    assert.equal(r['process.pid'], '41237');
    assert.equal(r['gpu.name'], 'NVIDIA H100 80GB HBM3');
    assert.equal(r['pytorch.device.0.compute_capability'], '9.0');
    assert.equal(r['pytorch.device.0.num_sms'], '132');
    assert.equal(r['pytorch.distributed.rank'], '0');
    assert.equal(r['pytorch.distributed.world_size'], '8');
    assert.equal(r['pytorch.distributed.backend'], 'nccl');
    assert.equal(r['pytorch.run_name'], 'llama-7b-sft');
    assert.equal(r['pytorch.cuda_runtime_version'], '12040');
    assert.equal(r['pytorch.kineto.trace_id'], '6C0E3B7E9B2A4F0F8E1D2C3B4A596877');
    assert.equal(receiver(c).converted.length, 1);
    await stop(c);
  });

  test('gzip written in place: nothing from the incomplete file, all of it once complete', async () => {
    const dir = tempDir('atc-prof-gz-');
    const c = await start(`traces: { directories: [${dir}], poll_interval: 50ms, settle_time: 150ms }`);
    const gz = gzipSync(readFileSync(FIXTURE));
    const path = join(dir, 'w1.1795.pt.trace.json.gz');
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length / 2)));
    // long enough for the size to settle and a read attempt to fail
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(spans(c).length, 0, 'no span from a truncated gzip');
    const self = await (await fetch(`${c.telemetryUrl}/metrics`)).text();
    assert.match(self, /atc_profiler_files_total\{receiver="profiler",outcome="failed"\} [1-9]/);
    appendFileSync(path, gz.subarray(Math.floor(gz.length / 2)));
    await until('15 spans', () => (spans(c).length >= 15 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(spans(c).length, 15);
    await stop(c);
  });

  test('one trace per ProfilerStep; prof.add_metadata("otel.trace_id") puts every span in that trace', async () => {
    const dir = tempDir('atc-prof-steps-');
    const gen = await generateKinetoTrace(join(dir, 'a.pt.trace.json'), { targetBytes: 1, opsPerStep: 4 });
    assert.equal(gen.steps, 1);
    const g2 = await generateKinetoTrace(join(dir, 'b.pt.trace.json'), { targetBytes: 20_000, opsPerStep: 4 });
    const g3 = await generateKinetoTrace(join(dir, 'c.pt.trace.json.gz'), { targetBytes: 8_000, opsPerStep: 4, gzip: true, metadata: { 'otel.trace_id': 'aaaabbbbccccddddeeeeffff00001111', 'otel.span_id': '1234567890abcdef' } });
    const c = await start(`traces: { directories: [${dir}], poll_interval: 50ms, settle_time: 50ms }`);
    const total = gen.spans + g2.spans + g3.spans;
    await until(`${total} spans`, () => (spans(c).length >= total ? true : undefined));
    const all = spans(c);
    assert.equal(all.length, total);
    const ofFile = (f: string) => all.filter((s) => s.r['pytorch.trace.file'] === f);
    const b = ofFile('b.pt.trace.json');
    const stepsB = b.filter((s) => String(s.span['name']).startsWith('ProfilerStep#'));
    assert.equal(stepsB.length, g2.steps);
    assert.equal(new Set(b.map((s) => s.span['traceId'])).size, g2.steps, 'one trace per step');
    for (const s of b) {
      if (s.a['pytorch.category'] !== 'kernel') continue;
      const launch = b.find((x) => x.span['spanId'] === s.span['parentSpanId'])!;
      assert.equal(launch.span['name'], 'cudaLaunchKernel');
      assert.equal(launch.span['traceId'], s.span['traceId'], 'a kernel is in the trace of its launch');
    }
    const cs = ofFile('c.pt.trace.json.gz');
    assert.ok(cs.length > 0);
    for (const s of cs) assert.equal(s.span['traceId'], 'aaaabbbbccccddddeeeeffff00001111');
    for (const s of cs.filter((x) => String(x.span['name']).startsWith('ProfilerStep#'))) assert.equal(s.span['parentSpanId'], '1234567890abcdef');
    // span ids are unique within a file and derived from it: reading it again gives the same ids
    assert.equal(new Set(b.map((s) => s.span['spanId'])).size, b.length);
    const again: string[] = [];
    const { decodeRequest } = await import('../../../src/otlp/proto-decode.js');
    await convertTraceFile(join(dir, 'b.pt.trace.json'), { categories: new Set(DEFAULT_CATEGORIES), resource: { 'service.name': 'pytorch' } }, async (data) => {
      const j = decodeRequest('traces', data) as JsonObject;
      for (const rs of j['resourceSpans'] as JsonObject[]) for (const ss of rs['scopeSpans'] as JsonObject[]) for (const sp of ss['spans'] as JsonObject[]) again.push(String(sp['spanId']));
    });
    assert.deepEqual(again.sort(), b.map((s) => String(s.span['spanId'])).sort());
    await stop(c);
  });

  test('a 200 MB trace is converted with bounded memory', { timeout: 480_000 }, async () => {
    const dir = tempDir('atc-prof-big-');
    const path = join(dir, 'big.pt.trace.json');
    const gen = await generateKinetoTrace(path, { targetBytes: 200e6 });
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    let n = 0;
    let batches = 0;
    const t0 = performance.now();
    let r;
    try {
      r = await convertTraceFile(path, { categories: new Set(DEFAULT_CATEGORIES), resource: { 'service.name': 'pytorch' } }, async (data, count) => {
        n += count;
        batches++;
        assert.ok(data.length < 4 << 20);
        await new Promise((res) => setImmediate(res));
      });
    } finally {
      clearInterval(sampler);
      rmSync(dir, { recursive: true, force: true });
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(r.spans, gen.spans);
    assert.equal(n, gen.spans);
    const grewMB = (peak - before) / 1e6;
    // bounded by a chunk, a batch, the id maps and GC slack — not by the 200 MB file
    assert.ok(grewMB < 120, `RSS grew by ${grewMB.toFixed(0)} MB while converting ${(gen.bytes / 1e6).toFixed(0)} MB`);
    console.log(`# 200 MB trace: ${gen.events} events, ${r.spans} spans in ${batches} batches, ${seconds.toFixed(1)} s, RSS +${grewMB.toFixed(0)} MB`);
  });
});

describe('profiler receiver: training-step JSON lines', { timeout: 60_000 }, () => {
  test('a tailed file and POST /v1/profiler become training.* metrics and log records', async () => {
    const dir = tempDir('atc-prof-jsonl-');
    const file = join(dir, 'train.jsonl');
    writeFileSync(file, '');
    const c = await start(`jsonl: { paths: [${file}], endpoint: 127.0.0.1:0 }\ntraces: { poll_interval: 50ms }\nservice_name: trainer`);
    appendFileSync(file, JSON.stringify({ time: '2026-11-28T16:00:00.123456Z', step: 1200, loss: 2.31, grad_norm: 0.92, lr: 3e-4, tokens_per_s: 51234.5, run: 'llama-7b-sft', rank: 0, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' }) + '\n');
    // a line written in two parts is read once it is whole
    appendFileSync(file, '{"time": 1795000000.5, "step": 1201, "loss": 2.29, "event": "train_step", "run": "llama-7b-sft", ');
    await new Promise((r) => setTimeout(r, 200));
    appendFileSync(file, '"rank": 0, "level": "warn", "message": "loss spike check"}\nnot json\n');
    const recs = await until('2 log records', () => {
      const l = storedLogRecords(readStored(c.dataDir));
      return l.length >= 2 ? l : undefined;
    });
    const first = recs.find((r) => attrs(r.record['attributes'])['training.step'] === '1200')!;
    assert.equal(first.record['traceId'], '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(first.record['spanId'], '00f067aa0ba902b7');
    assert.equal(first.record['timeUnixNano'], '1795881600123456000');
    const fa = attrs(first.record['attributes']);
    assert.equal(fa['training.loss'], 2.31);
    assert.equal(fa['training.run'], 'llama-7b-sft');
    assert.equal(attrs(first.resource['attributes'])['service.name'], 'trainer');
    const second = recs.find((r) => attrs(r.record['attributes'])['training.step'] === '1201')!;
    assert.equal(second.record['severityText'], 'WARN');
    assert.equal((second.record['body'] as JsonObject)['stringValue'], 'loss spike check');
    assert.equal(second.record['timeUnixNano'], '1795000000500000000');
    const metrics = storedMetrics(readStored(c.dataDir));
    const m = (name: string) => metrics.filter((x) => x['name'] === name);
    assert.equal(m('training.loss').length, 2);
    assert.equal(m('training.tokens_per_s')[0]!['unit'], '{token}/s');
    const lossPoint = ((m('training.loss')[0]!['gauge'] as JsonObject)['dataPoints'] as JsonObject[])[0]!;
    assert.equal(lossPoint['asDouble'], 2.31);
    assert.equal(attrs(lossPoint['attributes'])['training.run'], 'llama-7b-sft');
    // HTTP
    const a = receiver(c).httpAddress()!;
    const url = `http://127.0.0.1:${a.port}/v1/profiler`;
    const ok = await fetch(url, { method: 'POST', body: '{"step": 7, "loss": 1.5}\n{"step": 8, "loss": 1.4}\nbad\n' });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { accepted: number; rejected: number; errors: { line: number }[] };
    assert.deepEqual([body.accepted, body.rejected, body.errors[0]!.line], [2, 1, 3]);
    const arr = await fetch(url, { method: 'POST', body: JSON.stringify([{ step: 9, loss: 1.3 }]) });
    assert.equal(arr.status, 200);
    assert.equal((await fetch(url, { method: 'POST', body: 'nope' })).status, 400);
    assert.equal((await fetch(url)).status, 405);
    await until('5 log records', () => (storedLogRecords(readStored(c.dataDir)).length >= 5 ? true : undefined));
    const self = await (await fetch(`${c.telemetryUrl}/metrics`)).text();
    assert.match(self, /atc_profiler_jsonl_records_total\{receiver="profiler",transport="file",outcome="invalid"\} 1/);
    await stop(c);
  });
});

test('config: every error with its key path', () => {
  const e = new ConfigErrors();
  // nothing configured is valid: the receiver still serves POST /v1/profiler on the OTLP port
  const empty = parseConfig({}, 'receivers.profiler', e);
  assert.ok(e.empty, e.toString());
  assert.equal(empty.otlpRoute, true);
  const bad = new ConfigErrors();
  parseConfig({ traces: { directories: '/x', start_at: 'middle', poll_intervl: '1s' }, jsonl: { endpoint: 'nohost' } }, 'receivers.profiler', bad);
  const s = bad.toString();
  assert.match(s, /receivers\.profiler\.traces\.start_at: must be one of beginning, end/);
  assert.match(s, /receivers\.profiler\.traces\.poll_intervl: unknown key \(did you mean "poll_interval"\?\)/);
  assert.match(s, /receivers\.profiler\.jsonl\.endpoint: not a host:port/);
});

test('POST /v1/profiler on the OTLP/HTTP port reaches the profiler receiver', { timeout: 30_000 }, async () => {
  const c = await startCollector({
    yaml: (dataDir) => `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } }
  profiler: { service_name: trainer }
exporters: { file: { directory: ${dataDir}, fsync: false, compression: none } }
buffer: { flush_interval: 20ms }
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
    metrics: { receivers: [profiler], exporters: [file] }
    logs: { receivers: [profiler], exporters: [file] }
`,
  });
  running.push(c);
  const r = await fetch(`${c.otlpUrl}/v1/profiler`, { method: 'POST', body: '{"step": 1, "loss": 2.5, "run": "r1"}\n{"step": 2, "loss": 2.4, "run": "r1"}\n' });
  assert.equal(r.status, 200);
  assert.equal(((await r.json()) as { accepted: number }).accepted, 2);
  // the OTLP routes themselves are unchanged next to it
  assert.equal((await fetch(`${c.otlpUrl}/v1/nothing`, { method: 'POST' })).status, 404);
  const recs = await until('2 log records', () => {
    const l = storedLogRecords(readStored(c.dataDir));
    return l.length >= 2 ? l : undefined;
  });
  assert.deepEqual(recs.map((x) => attrs(x.record['attributes'])['training.step']).sort(), ['1', '2']);
  await stop(c);
});
