// The profiler receiver across real process restarts (checkpoint_dir): trace files converted
// before are not sent again, a conversion cut short goes on after the batches it delivered,
// tailed JSON lines go on at their offset with their line numbers; Python's NaN/Infinity lines
// arrive as IEEE values and a bad line is reported with file and line number.
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { attrs, readStored, storedLogRecords, storedMetrics, storedSpans, tempDir } from '../../harness/collector.js';
import { spawnCollector, type RunningCollector } from '../../harness/cli-process.js';
import { STUB_SOURCE } from '../../harness/nvml-stub/build.js';
import { generateKinetoTrace } from '../../fixtures/kineto/generate.js';
import type { JsonObject } from '../../../src/otlp/proto-decode.js';

const FIXTURE = join(STUB_SOURCE, '..', '..', '..', 'fixtures', 'kineto', 'train_step.pt.trace.json');

async function until<T>(what: string, fn: () => T | undefined, c: RunningCollector, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${c.logs().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const running = new Set<RunningCollector>();
after(() => {
  for (const c of running) c.child.kill('SIGKILL');
});
async function start(config: string): Promise<RunningCollector> {
  const c = await spawnCollector(["--config", config]);
  running.add(c);
  return c;
}

async function stop(c: RunningCollector): Promise<void> {
  running.delete(c);
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.logs().slice(-2000));
}

describe('profiler receiver across restarts', { timeout: 300_000 }, () => {
  test('trace files and JSON-lines offsets persist across a real process restart', async () => {
    const dir = tempDir('atc-prof-restart-');
    const traces = join(dir, 'traces');
    const out = join(dir, 'out');
    mkdirSync(traces);
    const jsonl = join(dir, 'train.jsonl');
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `receivers:
  profiler:
    traces: { directories: [${traces}], poll_interval: 50ms, settle_time: 100ms }
    jsonl: { paths: [${jsonl}], otlp_route: false }
    checkpoint_dir: ${join(dir, 'checkpoints')}
exporters:
  file: { directory: ${out}, fsync: false, compression: none }
buffer: { flush_interval: 20ms }
spill: { directory: ${join(dir, 'spill')} }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: info } }
  pipelines:
    traces: { receivers: [profiler], exporters: [file] }
    metrics: { receivers: [profiler], exporters: [file] }
    logs: { receivers: [profiler], exporters: [file] }
`,
    );
    const stepLine = (step: number, loss: string) => `{"step": ${step}, "loss": ${loss}, "grad_norm": ${step === 3 ? 'Infinity' : '0.9'}, "run": "r1"}\n`;
    // Python's json.dumps writes NaN / Infinity for a diverged step
    writeFileSync(jsonl, stepLine(1, '2.5') + stepLine(2, '2.4') + stepLine(3, 'NaN') + '{"step": 4, "loss": ');
    copyFileSync(FIXTURE, join(traces, 'a.pt.trace.json'));
    const stored = () => readStored(out);
    const steps = () => storedLogRecords(stored()).map((r) => attrs(r.record['attributes'])['training.step']);
    const spansOf = (file: string) => storedSpans(stored()).filter((s) => attrs(s.resource['attributes'])['pytorch.trace.file'] === file);

    let c = await start(config);
    await until('3 step records and 15 spans', () => (steps().length >= 3 && spansOf('a.pt.trace.json').length >= 15 ? true : undefined), c);
    // line 4 is incomplete: not read yet. Line 5 is bad, reported by its number in the file.
    appendFileSync(jsonl, '2.3, "level": "info"}\nnot json at all\n');
    await until('step 4', () => (steps().includes('4') ? true : undefined), c);
    await until('the bad line reported', () => (/"file":"[^"]*train\.jsonl","line":5,/.test(c.logs()) ? true : undefined), c);
    await stop(c);

    // the diverged step: NaN loss and infinite grad norm as IEEE values, in metrics and logs
    const metrics = storedMetrics(stored());
    const point = (name: string, step: number) => {
      const m = metrics.filter((x) => x['name'] === name).flatMap((x) => (x['gauge'] as JsonObject)['dataPoints'] as JsonObject[]);
      return m[step - 1]!['asDouble'];
    };
    assert.ok(Number.isNaN(Number(point('training.loss', 3))), `loss of step 3: ${String(point('training.loss', 3))}`);
    assert.equal(Number(point('training.grad_norm', 3)), Infinity);
    const rec3 = storedLogRecords(stored()).find((r) => attrs(r.record['attributes'])['training.step'] === '3')!;
    assert.ok(Number.isNaN(Number(attrs(rec3.record['attributes'])['training.loss'])));

    // while it is down: more lines, a second trace file; the first one unchanged
    appendFileSync(jsonl, stepLine(6, '2.1') + '{bad\n');
    copyFileSync(FIXTURE, join(traces, 'b.pt.trace.json'));
    c = await start(config);
    await until('step 6 and the second file', () => (steps().includes('6') && spansOf('b.pt.trace.json').length >= 15 ? true : undefined), c);
    await until('the second bad line reported as line 7', () => (/"file":"[^"]*train\.jsonl","line":7,/.test(c.logs()) ? true : undefined), c);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(steps().sort(), ['1', '2', '3', '4', '6'], 'every line once');
    assert.equal(spansOf('a.pt.trace.json').length, 15, 'the file converted before the restart is not sent again');
    assert.equal(spansOf('b.pt.trace.json').length, 15);
    await stop(c);
  });

  test('a conversion cut short goes on after the batches it delivered', async () => {
    const dir = tempDir('atc-prof-resume-');
    const traces = join(dir, 'traces');
    const out = join(dir, 'out');
    const checkpoints = join(dir, 'checkpoints');
    mkdirSync(traces);
    mkdirSync(checkpoints);
    const path = join(traces, 'big.pt.trace.json');
    const gen = await generateKinetoTrace(path, { targetBytes: 8_000_000, opsPerStep: 50 });
    assert.ok(gen.spans > 3 * 4096);
    // as the receiver leaves it when stopped after two batches of 4096 spans
    const st = statSync(path);
    writeFileSync(join(checkpoints, 'profiler-profiler.json'), JSON.stringify({ version: 1, traces: [{ path, size: st.size, mtimeMs: st.mtimeMs, spans: 8192, done: false }], tails: [] }));
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `receivers:
  profiler:
    traces: { directories: [${traces}], poll_interval: 50ms, settle_time: 50ms }
    checkpoint_dir: ${checkpoints}
exporters:
  file: { directory: ${out}, fsync: false, compression: none }
buffer: { flush_interval: 20ms }
spill: { directory: ${join(dir, 'spill')} }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: info } }
  pipelines:
    traces: { receivers: [profiler], exporters: [file] }
`,
    );
    const c = await start(config);
    await until('converted', () => (/profiler trace converted/.test(c.logs()) ? true : undefined), c, 120_000);
    await new Promise((r) => setTimeout(r, 500));
    const spans = storedSpans(readStored(out));
    assert.equal(spans.length, gen.spans - 8192);
    // the first two batches are the ones skipped: the earliest steps' spans are not there
    assert.ok(!spans.some((s) => s.span['name'] === 'ProfilerStep#0'));
    await stop(c);
  });
});
