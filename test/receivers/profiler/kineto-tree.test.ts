// The span tree of Kineto traces as PyTorch writes them: real traces from public repositories
// (test/fixtures/kineto/README.md) checked against test/fixtures/kineto/reference.py, a separate
// Python implementation of the rules that reads the raw file; the minimal forms of issue 17 with
// hand-computed expectations; the flow and External id fallbacks; µs rounding; and a shuffled
// trace converting to the same tree as the ordered one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { attrs, tempDir } from '../../harness/collector.js';
import { STUB_SOURCE } from '../../harness/nvml-stub/build.js';
import { generateKinetoTrace } from '../../fixtures/kineto/generate.js';
import { convertTraceFile } from '../../../receivers/profiler/trace-file.js';
import { DEFAULT_CATEGORIES } from '../../../receivers/profiler/kineto.js';
import { decodeRequest, type JsonObject } from '../../../src/otlp/proto-decode.js';

const FIXTURES = join(STUB_SOURCE, '..', '..', '..', 'fixtures', 'kineto');
const REAL = join(FIXTURES, 'real');

interface Span {
  name: string;
  traceId: string;
  spanId: string;
  parent: string | undefined;
  a: Record<string, unknown>;
  key: string;
}

async function convert(path: string, categories: readonly string[] = DEFAULT_CATEGORIES): Promise<Span[]> {
  const out: Span[] = [];
  await convertTraceFile(path, { categories: new Set(categories), resource: { 'service.name': 'pytorch' } }, async (data) => {
    const j = decodeRequest('traces', data) as JsonObject;
    for (const rs of j['resourceSpans'] as JsonObject[])
      for (const ss of rs['scopeSpans'] as JsonObject[])
        for (const sp of ss['spans'] as JsonObject[]) {
          const a = attrs(sp['attributes']);
          const gpu = a['gpu.stream'] !== undefined || a['gpu.index'] !== undefined;
          const pid = String((gpu ? a['gpu.index'] : a['process.pid']) ?? '');
          const tid = String((gpu ? a['gpu.stream'] : a['thread.id']) ?? '');
          const name = String(sp['name']);
          out.push({ name, traceId: String(sp['traceId']), spanId: String(sp['spanId']), parent: sp['parentSpanId'] === undefined ? undefined : String(sp['parentSpanId']), a, key: [name, a['pytorch.category'], pid, tid, sp['startTimeUnixNano'], sp['endTimeUnixNano']].join('|') });
        }
  });
  return out;
}

type RefRow = [string, string | null, string, string | null];
function reference(path: string, categories?: readonly string[]): { spans: RefRow[]; meta_trace: string | null } {
  const args = [join(FIXTURES, 'reference.py'), path, ...(categories ? [categories.join(',')] : [])];
  return JSON.parse(execFileSync('python3', args, { maxBuffer: 1 << 30 }).toString('utf8')) as { spans: RefRow[]; meta_trace: string | null };
}

/** The converter's spans against the reference: the same spans, parents and trace partition. */
function compare(spans: Span[], ref: { spans: RefRow[]; meta_trace: string | null }, label: string): void {
  assert.equal(spans.length, ref.spans.length, `${label}: span count`);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  assert.equal(byId.size, spans.length, `${label}: span ids unique`);
  const got = spans.map((s) => {
    const p = s.parent === undefined ? undefined : byId.get(s.parent);
    return `${s.key} <- ${p ? p.key : 'null'} remote=${p ? 'null' : (s.parent ?? 'null')}`;
  });
  const want = ref.spans.map(([key, parent, , remote]) => `${key} <- ${parent ?? 'null'} remote=${remote ?? 'null'}`);
  got.sort();
  want.sort();
  const diff = got.filter((g, i) => g !== want[i]);
  assert.equal(diff.length, 0, `${label}: ${diff.length} spans differ from the reference, e.g.\n got  ${diff[0]}\n want ${want[got.indexOf(diff[0]!)]}`);
  // trace membership: a one-to-one map between the reference's groups and trace ids
  const groupOf = new Map(ref.spans.map(([key, , group]) => [key, group]));
  const traceOfGroup = new Map<string, string>();
  const groupOfTrace = new Map<string, string>();
  for (const s of spans) {
    const g = groupOf.get(s.key)!;
    assert.equal(traceOfGroup.get(g) ?? s.traceId, s.traceId, `${label}: group ${g} split over traces (${s.key})`);
    assert.equal(groupOfTrace.get(s.traceId) ?? g, g, `${label}: trace ${s.traceId} mixes groups`);
    traceOfGroup.set(g, s.traceId);
    groupOfTrace.set(s.traceId, g);
    if (g.startsWith('otel:')) assert.equal(s.traceId, g.slice(5));
  }
  if (ref.meta_trace) assert.equal(traceOfGroup.get('file'), ref.meta_trace);
}

const REAL_TRACES = [
  // [file, steps, GPU activities whose launch is in the file (counted from the raw file), what it brings]
  ['a100-ddp-nccl.pt.trace.json.gz', 3, 3774, 'the trace of issue 17: 2-rank DDP, NCCL, GPU activities before their launches'],
  ['v100-resnet-nccl.pt.trace.json.gz', 5, 6095, 'ns display unit, gpu_user_annotation, Kineto trace_id'],
  ['sampled-multistream.pt.trace.json.gz', 2, 1154, 'integer µs, five streams, all_to_all, no flow events'],
  ['alexnet-no-steps.pt.trace.json.gz', 0, 98, 'no ProfilerStep, memcpy/memset, two streams'],
  ['ddp-2022-integer-us.pt.trace.json.gz', 6, 15018, 'PyTorch of 2022: async_cpu_to_gpu flows, integer µs, four streams, 614 launches missing'],
] as const;

describe('profiler: real Kineto traces against the Python reference', { timeout: 300_000 }, () => {
  for (const [file, steps, launched, what] of REAL_TRACES) {
    test(`${file} (${what})`, async () => {
      const path = join(REAL, file);
      const spans = await convert(path);
      const ref = reference(path);
      compare(spans, ref, file);
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const gpu = spans.filter((s) => ['kernel', 'gpu_memcpy', 'gpu_memset'].includes(String(s.a['pytorch.category'])));
      const linked = gpu.filter((s) => byId.get(s.parent ?? '')?.a['pytorch.category'] === 'cuda_runtime');
      const stepSpans = spans.filter((s) => /^ProfilerStep#\d+$/.test(s.name));
      assert.equal(stepSpans.length, steps);
      // every step a trace of its own, rooted at the step
      for (const st of stepSpans) assert.equal(st.parent, undefined);
      assert.equal(new Set(stepSpans.map((s) => s.traceId)).size, steps);
      console.log(`# ${file}: ${spans.length} spans, ${gpu.length} GPU activities, ${linked.length} under their launch, ${new Set(spans.map((s) => s.traceId)).size} traces`);
      assert.equal(linked.length, launched, 'every GPU activity whose launch was recorded is under it');
    });
  }

  test('the issue-17 trace: every runtime call of a step is in the step, kernel 57541 under its launch', async () => {
    const spans = await convert(join(REAL, 'a100-ddp-nccl.pt.trace.json.gz'));
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const kernel = spans.find((s) => s.a['pytorch.correlation'] === '57541' && s.a['pytorch.category'] === 'kernel')!;
    const launch = byId.get(kernel.parent!)!;
    assert.equal(launch.name, 'cudaLaunchKernel');
    assert.equal(launch.a['pytorch.correlation'], '57541');
    assert.equal(kernel.traceId, launch.traceId);
    const steps = spans.filter((s) => /^ProfilerStep#\d+$/.test(s.name));
    for (const st of steps) {
      const [s0, s1] = [Number(st.key.split('|')[4]), Number(st.key.split('|')[5])];
      const inside = spans.filter((s) => s.a['pytorch.category'] === 'cuda_runtime' && s.a['thread.id'] === st.a['thread.id'] && Number(s.key.split('|')[4]) >= s0 && Number(s.key.split('|')[5]) <= s1);
      assert.ok(inside.length > 100);
      for (const s of inside) assert.equal(s.traceId, st.traceId, `${s.name} inside ${st.name} is in its trace`);
    }
  });
});

/** A trace file from events in the order given. */
function traceFile(dir: string, name: string, events: object[], extra: Record<string, unknown> = {}): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ schemaVersion: 1, ...extra, traceEvents: events, baseTimeNanoseconds: 1795000000000000000 }));
  return path;
}
const X = (cat: string, name: string, ts: number, dur: number, args: Record<string, unknown> = {}, pid = 100, tid = 100) => ({ ph: 'X', cat, name, pid, tid, ts, dur, args });

describe('profiler: the span tree does not depend on event order', { timeout: 120_000 }, () => {
  test('issue 17 minimal forms: kernel before its launch, a cudaDeviceSynchronize before everything', async () => {
    const dir = tempDir('atc-prof-min-');
    const events = [
      X('cuda_runtime', 'cudaDeviceSynchronize', 1200, 30, { 'External id': 0, correlation: 90 }),
      X('user_annotation', 'ProfilerStep#1', 1000, 100, { 'External id': 1 }),
      X('cpu_op', 'aten::mul', 1010, 20, { 'External id': 2 }),
      X('kernel', 'mul_kernel', 1040, 5, { 'External id': 2, correlation: 77, device: 0, stream: 7 }, 0, 7),
      X('cuda_runtime', 'cudaLaunchKernel', 1015, 8, { 'External id': 2, correlation: 77 }),
    ];
    const s = await convert(traceFile(dir, 'min.pt.trace.json', events));
    const by = (n: string) => s.find((x) => x.name === n)!;
    const step = by('ProfilerStep#1');
    assert.equal(step.parent, undefined);
    assert.equal(by('aten::mul').parent, step.spanId);
    assert.equal(by('cudaLaunchKernel').parent, by('aten::mul').spanId);
    assert.equal(by('mul_kernel').parent, by('cudaLaunchKernel').spanId);
    for (const n of ['aten::mul', 'cudaLaunchKernel', 'mul_kernel']) assert.equal(by(n).traceId, step.traceId);
    // the sync lies after the step: in the file's trace, not in the step's, parent of nothing
    assert.notEqual(by('cudaDeviceSynchronize').traceId, step.traceId);
    assert.equal(by('cudaDeviceSynchronize').parent, undefined);
    assert.ok(s.every((x) => x.parent !== by('cudaDeviceSynchronize').spanId));
  });

  test('flow events, then External id, when a GPU activity has no correlation id', async () => {
    const dir = tempDir('atc-prof-flow-');
    const events = [
      { ph: 'f', id: 5, pid: 0, tid: 7, ts: 1050, cat: 'ac2g', name: 'ac2g', bp: 'e' },
      X('kernel', 'by_flow', 1050, 3, { device: 0, stream: 7 }, 0, 7),
      X('gpu_memcpy', 'by_external', 1060, 3, { 'External id': 3, device: 0, stream: 8 }, 0, 8),
      X('kernel', 'unlinked', 1090, 2, { device: 0, stream: 7 }, 0, 7),
      X('user_annotation', 'ProfilerStep#4', 1000, 100),
      X('cpu_op', 'aten::add', 1010, 20, { 'External id': 2 }),
      X('cpu_op', 'aten::copy_', 1031, 20, { 'External id': 3 }),
      X('cuda_runtime', 'cudaLaunchKernel', 1012, 5, { 'External id': 2 }),
      { ph: 's', id: 5, pid: 100, tid: 100, ts: 1012, cat: 'ac2g', name: 'ac2g' },
    ];
    const s = await convert(traceFile(dir, 'flow.pt.trace.json', events));
    const by = (n: string) => s.find((x) => x.name === n)!;
    assert.equal(by('by_flow').parent, by('cudaLaunchKernel').spanId);
    assert.equal(by('by_external').parent, by('aten::copy_').spanId);
    assert.equal(by('unlinked').parent, by('ProfilerStep#4').spanId, 'nothing else: the step running then');
    assert.equal(new Set(s.map((x) => x.traceId)).size, 1);
    compare(s, reference(join(dir, 'flow.pt.trace.json')), 'flow');
  });

  test('integer-µs rounding: an end 1 µs past the parent still nests; the next op does not', async () => {
    const dir = tempDir('atc-prof-round-');
    const events = [
      X('cuda_runtime', 'cudaLaunchKernel', 1018, 3, { correlation: 9 }), // ends 1021 > 1020 by 1 µs
      X('cpu_op', 'aten::next', 1020, 5),
      X('cpu_op', 'aten::op', 1010, 10),
      X('cpu_op', 'aten::wide', 1030, 10),
      X('cpu_op', 'aten::sticks_out', 1035, 7), // 2 µs past aten::wide: not its child
      X('user_annotation', 'ProfilerStep#0', 1000, 50),
    ];
    const s = await convert(traceFile(dir, 'round.pt.trace.json', events));
    const by = (n: string) => s.find((x) => x.name === n)!;
    assert.equal(by('cudaLaunchKernel').parent, by('aten::op').spanId);
    assert.equal(by('aten::next').parent, by('ProfilerStep#0').spanId);
    assert.equal(by('aten::sticks_out').parent, by('ProfilerStep#0').spanId);
    compare(s, reference(join(dir, 'round.pt.trace.json')), 'round');
  });

  test('the otel annotation subtree is complete: ops, runtime calls written later, their kernels', async () => {
    const dir = tempDir('atc-prof-otel-');
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const events = [
      X('user_annotation', 'ProfilerStep#2', 1000, 300),
      X('cpu_op', 'aten::before', 1005, 10),
      X('user_annotation', `otel:${trace}:00f067aa0ba902b7`, 1020, 200, { 'External id': 10 }),
      X('cpu_op', 'aten::linear', 1030, 50, { 'External id': 11 }),
      X('cpu_op', 'aten::softmax', 1100, 50, { 'External id': 12 }),
      X('gpu_user_annotation', `otel:${trace}:00f067aa0ba902b7`, 1040, 150, { 'External id': 10 }, 0, 7),
      X('kernel', 'gemm', 1045, 30, { 'External id': 11, correlation: 1 }, 0, 7),
      X('kernel', 'softmax_kernel', 1120, 20, { 'External id': 12, correlation: 2 }, 0, 7),
      X('cuda_runtime', 'cudaLaunchKernel', 1035, 5, { 'External id': 11, correlation: 1 }),
      X('cuda_runtime', 'cudaLaunchKernel', 1105, 5, { 'External id': 12, correlation: 2 }),
      X('cuda_runtime', 'cudaStreamSynchronize', 1230, 20),
    ];
    const s = await convert(traceFile(dir, 'otel.pt.trace.json', events));
    const inOtel = s.filter((x) => x.traceId === trace).map((x) => x.name).sort();
    assert.deepEqual(inOtel, ['aten::linear', 'aten::softmax', 'cudaLaunchKernel', 'cudaLaunchKernel', 'gemm', `otel:${trace}:00f067aa0ba902b7`, `otel:${trace}:00f067aa0ba902b7`, 'softmax_kernel']);
    const ann = s.find((x) => x.name.startsWith('otel:') && x.a['pytorch.category'] === 'user_annotation')!;
    assert.equal(ann.parent, '00f067aa0ba902b7');
    const step = s.find((x) => x.name === 'ProfilerStep#2')!;
    for (const n of ['aten::before', 'cudaStreamSynchronize']) assert.equal(s.find((x) => x.name === n)!.traceId, step.traceId);
    compare(s, reference(join(dir, 'otel.pt.trace.json')), 'otel');
  });

  test('a generated trace in Kineto order and the same events shuffled give the same tree', async () => {
    const dir = tempDir('atc-prof-shuffle-');
    const path = join(dir, 'ordered.pt.trace.json');
    await generateKinetoTrace(path, { targetBytes: 60_000, opsPerStep: 12 });
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: object[] };
    // a fixed permutation (xorshift), so that a failure can be replayed
    let x = 2463534242;
    const rnd = (): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 4294967296;
    };
    const ev = doc.traceEvents;
    for (let i = ev.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [ev[i], ev[j]] = [ev[j]!, ev[i]!];
    }
    const shuffled = join(dir, 'shuffled.pt.trace.json');
    writeFileSync(shuffled, JSON.stringify(doc));
    const a = await convert(path);
    const b = await convert(shuffled);
    const tree = (spans: Span[]): string[] => {
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      return spans.map((s) => `${s.key} <- ${byId.get(s.parent ?? '')?.key ?? s.parent ?? 'root'}`).sort();
    };
    assert.deepEqual(tree(b), tree(a));
    compare(a, reference(path), 'generated');
    compare(b, reference(shuffled), 'shuffled');
  });
});
