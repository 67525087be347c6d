// Fusion's output against an expectation written here from the inputs alone: every span that
// went in comes out exactly once, with its resource and scope; a span nothing joined comes out
// exactly as it went in (every field, decoded); a joined span is its input plus the log events
// and GPU attributes the rules in docs/fusion.md give, computed here from the logs and samples
// fed. Order is compared only where it means something (it does not between spans, attributes
// or events of different origins). Fed on a simulated clock: logs before their spans, one trace
// spread over many batches and past rootless_wait, a gateway fusing two nodes with the same
// pid, profiler kernels arriving before their parent and out of time order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { createDefaultConfig } from '../../../connectors/fusion/config.js';
import { FusionCore } from '../../../connectors/fusion/fusion-core.js';
import { AckSet } from '../../../src/acks/ack-set.js';
import { BufferHold } from '../../../src/buffers/buffer-hold.js';
import { decodeRequest, encodeRequest } from '../../../src/otlp/index.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { PromMetrics } from '../../../src/telemetry/registry.js';

type J = Record<string, unknown>;
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const int = (key: string, v: number) => ({ key, value: { intValue: String(v) } });
const dbl = (key: string, v: number) => ({ key, value: { doubleValue: v } });
const bool = (key: string, v: boolean) => ({ key, value: { boolValue: v } });

const BASE_MS = 1_795_000_000_000;
const ns = (ms: number): string => String(BigInt(BASE_MS) * 1_000_000n + BigInt(Math.round(ms * 1e6)));
const hex = (n: number, len: number): string => n.toString(16).padStart(len, '0');
// the log attributes fusion leaves out by default (docs/fusion.md), restated
const DEFAULT_EXCLUDE = new Set(['log.file.path', 'log.file.name', 'log.iostream', 'pid', 'hostname']);

interface SpanIn {
  trace: string;
  id: string;
  parent?: string;
  name: string;
  start: number;
  end: number;
  attrs?: unknown[];
  extra?: J;
}
interface LogIn { trace: string; span: string; time: number; body: string; attrs: Record<string, string | number> }
interface Gpu { node: string; uuid: string; index: number; name: string }
interface Sample { gpu: Gpu; time: number; util: number }
interface Resource { attrs: unknown[] }

type Feed =
  | { at: number; spans: { resource: Resource; scope: string; spans: SpanIn[] }[] }
  | { at: number; logs: LogIn[]; node: string }
  | { at: number; samples: Sample[] };

const spanJson = (s: SpanIn): J => ({
  traceId: s.trace, spanId: s.id, ...(s.parent ? { parentSpanId: s.parent } : {}), name: s.name, kind: 2,
  startTimeUnixNano: ns(s.start), endTimeUnixNano: ns(s.end), attributes: s.attrs ?? [], ...(s.extra ?? {}),
});

function tracesRequest(f: { resource: Resource; scope: string; spans: SpanIn[] }[]): Uint8Array {
  return encodeRequest('traces', { resourceSpans: f.map((e) => ({ resource: { attributes: e.resource.attrs }, scopeSpans: [{ scope: { name: e.scope, version: '1.2' }, spans: e.spans.map(spanJson) }] })) });
}

function logsRequest(logs: LogIn[], node: string): Uint8Array {
  const records = logs.map((l) => ({
    timeUnixNano: ns(l.time), severityNumber: 9, severityText: 'INFO', body: { stringValue: l.body }, traceId: l.trace, spanId: l.span,
    attributes: Object.entries(l.attrs).map(([k, v]) => (typeof v === 'number' ? int(k, v) : str(k, v))),
  }));
  return encodeRequest('logs', { resourceLogs: [{ resource: { attributes: [str('service.name', 'llm'), str('host.name', node)] }, scopeLogs: [{ logRecords: records }] }] });
}

function samplesRequest(samples: Sample[]): Uint8Array {
  return encodeRequest('metrics', {
    resourceMetrics: samples.map((x) => ({
      resource: { attributes: [str('host.name', x.gpu.node)] },
      scopeMetrics: [{ scope: { name: 'ai-trace-collector/nvml' }, metrics: [{
        name: 'hw.gpu.utilization', unit: '1',
        gauge: { dataPoints: [{ timeUnixNano: ns(x.time), asDouble: x.util / 100, attributes: [str('gpu.uuid', x.gpu.uuid), int('gpu.index', x.gpu.index), str('gpu.name', x.gpu.name), str('hw.gpu.task', 'general')] }] },
      }] }],
    })),
  });
}

interface OutSpan {
  span: J;
  resource: unknown;
  scope: unknown;
  call: number;
}

/** Feeds `feed` on a simulated clock (100 ms ticks) until `endMs`, then shuts down. */
function run(feed: Feed[], endMs: number, cfg: Partial<ReturnType<typeof createDefaultConfig>> = {}): { out: OutSpan[]; calls: number; metrics: PromMetrics } {
  let clock = BASE_MS;
  const metrics = new PromMetrics({ processMetrics: false });
  const out: OutSpan[] = [];
  let calls = 0;
  let holds = 0;
  let freed = 0;
  const core = new FusionCore({ ...createDefaultConfig(), documents: false, ...cfg }, { id: 'fusion', logger: pino({ level: 'silent' }), metrics, health: new HealthRegistry().scope('connector') }, {
    traces: (data, _items, _acks, hold) => {
      calls++;
      const req = decodeRequest('traces', data) as J;
      for (const rs of (req['resourceSpans'] ?? []) as J[]) for (const ss of (rs['scopeSpans'] ?? []) as J[]) for (const s of (ss['spans'] ?? []) as J[]) out.push({ span: s, resource: rs['resource'], scope: ss['scope'], call: calls });
      // taken: fusion writes its next request into this buffer
      hold?.release();
    },
    anomalies: () => {},
  }, () => clock);
  const list = [...feed].sort((a, b) => a.at - b.at);
  let i = 0;
  for (let t = 0; t <= endMs; t += 100) {
    clock = BASE_MS + t;
    while (i < list.length && list[i]!.at <= t) {
      const f = list[i++]!;
      if ('spans' in f) {
        // as the flush loop hands batches on: the buffer is reused once fusion let go of it,
        // here overwritten at once, so a span read from it afterwards comes out wrong
        const hold = new BufferHold(tracesRequest(f.spans), (b) => {
          b.fill(0xee);
          freed++;
        });
        holds++;
        core.addSpans(hold.buffer, AckSet.none(), hold);
        hold.release();
      }
      else if ('logs' in f) core.addLogs(logsRequest(f.logs, f.node));
      else core.addMetrics(samplesRequest(f.samples));
    }
    core.tick();
  }
  core.flushAll();
  assert.equal(freed, holds, 'every batch buffer came back once its traces left');
  return { out, calls, metrics };
}

/** What a span is expected to get: its log events and GPU attributes. */
interface Joined { logs: LogIn[]; gpu?: { gpu: Gpu; samples: Sample[] } }

/** The GPU attributes the rules give: samples inside [start, end] (ms), utilisation avg and max (%). */
function gpuAttributes(j: NonNullable<Joined['gpu']>, s: SpanIn): unknown[] {
  const inside = j.samples.filter((x) => x.gpu === j.gpu && x.time >= s.start && x.time <= s.end).map((x) => x.util);
  assert.ok(inside.length > 0, 'the test feeds samples inside every span it joins to a GPU');
  const avg = inside.reduce((a, b) => a + b, 0) / inside.length;
  return [
    str('gpu.uuid', j.gpu.uuid), str('gpu.name', j.gpu.name), int('gpu.index', j.gpu.index), int('gpu.samples', inside.length),
    dbl('gpu.utilization.avg', Math.round(avg * 100) / 100), dbl('gpu.utilization.max', Math.max(...inside)),
  ];
}

function logEvent(l: LogIn): J {
  const own = Object.entries(l.attrs).filter(([k]) => !DEFAULT_EXCLUDE.has(k)).map(([k, v]) => (typeof v === 'number' ? int(k, v) : str(k, v)));
  return { timeUnixNano: ns(l.time), name: 'log', attributes: [int('log.severity_number', 9), str('log.severity_text', 'INFO'), str('log.body', l.body), ...own] };
}

/** A decoded value made comparable: attributes sorted by key, events by time and name. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  const o = v as J;
  const out: J = {};
  for (const k of Object.keys(o).sort()) {
    let x = o[k];
    if ((k === 'attributes' || k === 'events') && Array.isArray(x)) {
      x = [...x].map(canonical).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      if ((x as unknown[]).length === 0) continue; // absent and empty decode alike
    } else x = canonical(x);
    out[k] = x;
  }
  return out;
}

/** The decoded form of a span as fed (through the same decoder as the output). */
function decodedInput(resource: Resource, scope: string, s: SpanIn): { span: J; resource: unknown; scope: unknown } {
  const req = decodeRequest('traces', tracesRequest([{ resource, scope, spans: [s] }])) as J;
  const rs = (req['resourceSpans'] as J[])[0]!;
  const ss = (rs['scopeSpans'] as J[])[0]!;
  return { span: (ss['spans'] as J[])[0]!, resource: rs['resource'], scope: ss['scope'] };
}

/** Every fed span exactly once, with its resource and scope; unjoined ones as fed, joined ones plus what they get. */
function assertOutput(feed: Feed[], out: OutSpan[], joined: Map<string, Joined>): void {
  const fed = new Map<string, { span: J; resource: unknown; scope: unknown; in: SpanIn }>();
  for (const f of feed) if ('spans' in f) for (const e of f.spans) for (const s of e.spans) fed.set(s.id, { ...decodedInput(e.resource, e.scope, s), in: s });
  const seen = new Map<string, number>();
  for (const o of out) {
    const id = o.span['spanId'] as string;
    seen.set(id, (seen.get(id) ?? 0) + 1);
    const want = fed.get(id);
    assert.ok(want, `span ${id} came out but was never fed`);
    const j = joined.get(id);
    const expected: J = { ...want.span };
    if (j) {
      const events = [...((want.span['events'] ?? []) as unknown[]), ...j.logs.map(logEvent)];
      const attributes = [...((want.span['attributes'] ?? []) as unknown[]), ...(j.gpu ? gpuAttributes(j.gpu, want.in) : [])];
      expected['events'] = events;
      expected['attributes'] = attributes;
    }
    assert.deepEqual(canonical(o.span), canonical(expected), `span ${id} (${want.in.name})`);
    assert.deepEqual(canonical(o.resource), canonical(want.resource), `resource of ${id}`);
    assert.deepEqual(canonical(o.scope), canonical(want.scope), `scope of ${id}`);
  }
  for (const id of fed.keys()) assert.equal(seen.get(id), 1, `span ${id} came out ${seen.get(id) ?? 0} times`);
}

const GPU_A: Gpu = { node: 'node-a', uuid: 'GPU-aaaa0000-1111-2222-3333-444455556666', index: 0, name: 'NVIDIA H100 80GB HBM3' };
const GPU_B: Gpu = { node: 'node-b', uuid: 'GPU-bbbb0000-1111-2222-3333-444455556666', index: 0, name: 'NVIDIA H100 80GB HBM3' };
const resourceOn = (node: string, pid = 4242): Resource => ({ attrs: [str('service.name', 'llm'), str('host.name', node), int('process.pid', pid)] });
/** a node without GPUs: nothing can join its spans but logs */
const PLAIN: Resource = { attrs: [str('service.name', 'frontend'), str('host.name', 'web-1'), str('deployment.environment', 'test')] };
/** each sample delivered `delay` ms after it was taken (the NVML receiver's interval and the ring) */
const delivered = (samples: Sample[], delay: number): Feed[] => samples.map((x) => ({ at: Math.ceil(x.time + delay), samples: [x] }));
const samplesEvery = (gpu: Gpu, from: number, to: number, every: number, util: (t: number) => number): Sample[] => {
  const out: Sample[] = [];
  for (let t = from + 0.5; t < to; t += every) out.push({ gpu, time: t, util: util(t) });
  return out;
};

/** Spans with every kind of field, so a copy that loses or mangles one shows. */
function richSpan(trace: string, id: string, parent: string | undefined, start: number): SpanIn {
  return {
    trace, id, parent, name: `rich ünïcödé ${id.slice(-4)}`, start, end: start + 40,
    attrs: [str('http.route', '/v1/chat'), int('http.status_code', 200), dbl('ratio', 0.25), bool('cached', false),
      { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '7' }] } } },
      { key: 'map', value: { kvlistValue: { values: [str('inner', 'x')] } } },
      { key: 'blob', value: { bytesValue: Buffer.from([0, 1, 2, 250]).toString('base64') } }],
    extra: {
      traceState: 'vendor=1', flags: 257, droppedAttributesCount: 2, droppedEventsCount: 1, droppedLinksCount: 3,
      events: [{ timeUnixNano: ns(start + 5), name: 'retry', attributes: [int('attempt', 2)] }],
      links: [{ traceId: hex(0xdead, 32), spanId: hex(0xbeef, 16), attributes: [str('rel', 'follows')] }],
      status: { code: 2, message: 'app says no' },
    },
  };
}

describe('fusion output against an independent expectation (simulated clock)', () => {
  test('joined logs and GPU samples, logs before their spans, and traces with nothing joined, in the same batches', () => {
    const feed: Feed[] = [];
    const joined = new Map<string, Joined>();
    const samples = samplesEvery(GPU_A, 0, 20_000, 1000, (t) => Math.round(t / 100) % 100);
    feed.push(...delivered(samples, 300));
    const spans: SpanIn[] = [];
    const plain: SpanIn[] = [];
    for (let k = 0; k < 6; k++) {
      const trace = hex(0x100 + k, 32);
      const root = hex(0x1000 + k * 16, 16);
      const child = hex(0x1000 + k * 16 + 1, 16);
      const start = 1000 + k * 300;
      spans.push({ trace, id: root, name: 'POST /v1/completions', start, end: start + 3000 }, { trace, id: child, parent: root, name: 'decode', start: start + 100, end: start + 2900 });
      // a long request: its logs arrive as it runs, its spans when it ends
      const logs: LogIn[] = [
        { trace, span: root, time: start + 10, body: `request ${k} received`, attrs: { 'req.id': `r${k}`, pid: 4242, hostname: 'node-a' } },
        { trace, span: child, time: start + 500, body: `decoded ${k}`, attrs: { tokens: 10 + k, 'log.file.path': '/var/log/x.log' } },
      ];
      feed.push({ at: start + 600, logs, node: 'node-a' });
      const gpu = { gpu: GPU_A, samples };
      joined.set(root, { logs: [logs[0]!], gpu });
      joined.set(child, { logs: [logs[1]!], gpu });
      // traces nothing joins (no node, no logs), rich fields, several per batch and scope
      const pair = [richSpan(hex(0x200 + k, 32), hex(0x2000 + k * 16, 16), undefined, start), richSpan(hex(0x200 + k, 32), hex(0x2000 + k * 16 + 1, 16), hex(0x2000 + k * 16, 16), start + 1)];
      plain.push(...(k === 1 ? pair.reverse() : pair)); // k = 1: the child before its root
      plain.push({ trace: hex(0x300 + k, 32), id: hex(0x3000 + k, 16), name: 'GET /health', start, end: start + 1 });
      if (k % 2 === 0) {
        // a log joins every other one: joined spans between untouched ones of the same scope
        const l: LogIn = { trace: hex(0x300 + k, 32), span: hex(0x3000 + k, 16), time: start, body: 'health ok', attrs: { probe: 'kubelet' } };
        feed.push({ at: start + 50, logs: [l], node: 'web-1' });
        joined.set(l.span, { logs: [l] });
      }
    }
    // everything at 6 s, in two requests of two resource entries each
    feed.push({ at: 6000, spans: [{ resource: resourceOn('node-a'), scope: 'llm', spans: spans.slice(0, 6) }, { resource: PLAIN, scope: 'web', spans: plain.slice(0, 9) }] });
    feed.push({ at: 6000, spans: [{ resource: PLAIN, scope: 'web', spans: plain.slice(9) }, { resource: resourceOn('node-a'), scope: 'llm', spans: spans.slice(6) }] });
    // late logs (the traces left at 7 s): on a joined span, on an untouched child, and on a span
    // id the trace does not have (its root takes it)
    const late: { log: LogIn; parent: SpanIn }[] = [
      { log: { trace: spans[1]!.trace, span: spans[1]!.id, time: 9000, body: 'client went away', attrs: { 'req.id': 'r0' } }, parent: spans[1]! },
      { log: { trace: plain[1]!.trace, span: plain[1]!.id, time: 9100, body: 'flushed', attrs: {} }, parent: plain[1]! },
      { log: { trace: plain[4]!.trace, span: hex(0xfff, 16), time: 9200, body: 'who am I', attrs: {} }, parent: plain[4]! }, // k = 1's root
    ];
    feed.push({ at: 15_000, logs: late.map((l) => l.log), node: 'web-1' });
    const r = run(feed, 20_000);
    const isFragment = (o: OutSpan) => ((o.span['attributes'] ?? []) as { key: string }[]).some((a) => a.key === 'fusion.fragment');
    assertOutput(feed, r.out.filter((o) => !isFragment(o)), joined);
    assert.equal(r.out.filter((o) => !isFragment(o)).length, spans.length + plain.length);
    const fragments = r.out.filter(isFragment);
    assert.equal(fragments.length, late.length);
    for (const { log, parent } of late) {
      const f = fragments.find((o) => o.span['parentSpanId'] === parent.id);
      assert.ok(f, `a fragment under ${parent.id}`);
      const id = f.span['spanId'] as string;
      assert.ok(id.length === 16 && !r.out.some((o) => o !== f && o.span['spanId'] === id), 'its own span id');
      const fed = decodedInput(parent.trace === spans[1]!.trace ? resourceOn('node-a') : PLAIN, parent.trace === spans[1]!.trace ? 'llm' : 'web', parent);
      assert.deepEqual(canonical(f.span), canonical({
        traceId: log.trace, spanId: id, parentSpanId: parent.id, name: parent.name, kind: 1, startTimeUnixNano: ns(parent.start), endTimeUnixNano: ns(parent.end),
        attributes: [bool('fusion.fragment', true)], events: [logEvent(log)],
      }));
      assert.deepEqual(canonical(f.resource), canonical(fed.resource));
      assert.deepEqual(canonical(f.scope), canonical(fed.scope));
    }
  });

  test('one trace over many batches and past rootless_wait; another completed in time; logs on both', async () => {
    const feed: Feed[] = [];
    const joined = new Map<string, Joined>();
    const slow = hex(0x400, 32);
    const quick = hex(0x401, 32);
    const slowRoot = hex(0x4000, 16);
    const quickRoot = hex(0x4100, 16);
    const slowKids: SpanIn[] = [];
    const quickKids: SpanIn[] = [];
    for (let k = 1; k <= 8; k++) {
      slowKids.push({ trace: slow, id: hex(0x4000 + k, 16), parent: slowRoot, name: `step ${k}`, start: k * 1000, end: k * 1000 + 800 });
      quickKids.push({ trace: quick, id: hex(0x4100 + k, 16), parent: quickRoot, name: `tool ${k}`, start: k * 500, end: k * 500 + 400 });
    }
    // each batch: one child of each trace and an unrelated one-span trace
    for (let k = 0; k < 8; k++) {
      feed.push({ at: 1000 + k * 1200, spans: [{ resource: PLAIN, scope: 'agent', spans: [slowKids[k]!, quickKids[k]!, { trace: hex(0x500 + k, 32), id: hex(0x5000 + k, 16), name: 'noise', start: k, end: k + 1 }] }] });
    }
    feed.push({ at: 11_000, spans: [{ resource: PLAIN, scope: 'agent', spans: [{ trace: quick, id: quickRoot, name: 'agent run', start: 0, end: 10_000 }] }] });
    // the slow trace's root comes 45 s after its first span: past rootless_wait (30 s)
    feed.push({ at: 46_000, spans: [{ resource: PLAIN, scope: 'agent', spans: [{ trace: slow, id: slowRoot, name: 'training step', start: 0, end: 45_000 }] }] });
    const logQuick: LogIn = { trace: quick, span: quickKids[2]!.id, time: 1600, body: 'tool 3 called', attrs: {} };
    const logSlow: LogIn = { trace: slow, span: slowKids[1]!.id, time: 2500, body: 'step 2 slow', attrs: { 'step.ms': 800 } };
    feed.push({ at: 3000, logs: [logQuick, logSlow], node: 'node-z' });
    joined.set(logQuick.span, { logs: [logQuick] });
    joined.set(logSlow.span, { logs: [logSlow] });
    const r = run(feed, 60_000);
    assertOutput(feed, r.out, joined);
    // the quick trace went out whole, in one call
    const quickCalls = new Set(r.out.filter((o) => o.span['traceId'] === quick).map((o) => o.call));
    assert.equal(quickCalls.size, 1);
    // the slow one: its children when rootless_wait ran out (30 s after the first), the root on its own later
    const slowOut = r.out.filter((o) => o.span['traceId'] === slow);
    const rootCall = slowOut.find((o) => o.span['spanId'] === slowRoot)!.call;
    assert.ok(slowOut.every((o) => o.span['spanId'] === slowRoot || o.call < rootCall));
    assert.equal(new Set(slowOut.filter((o) => o.span['spanId'] !== slowRoot).map((o) => o.call)).size, 1);
    assert.equal(await r.metrics.value('atc_fusion_logs_joined_total'), 2);
  });

  test('a gateway fusing two nodes: the same pid on both, each span gets its own node\'s GPU', () => {
    const feed: Feed[] = [];
    const joined = new Map<string, Joined>();
    const samples = [
      ...samplesEvery(GPU_A, 0, 12_000, 500, () => 90),
      ...samplesEvery(GPU_B, 0, 12_000, 500, (t) => Math.round(t / 1000) * 3),
    ];
    feed.push(...delivered(samples, 200));
    const entries: { resource: Resource; scope: string; spans: SpanIn[] }[] = [];
    for (const [n, gpu] of [[0, GPU_A], [1, GPU_B]] as const) {
      const list: SpanIn[] = [];
      for (let k = 0; k < 4; k++) {
        const trace = hex(0x600 + n * 16 + k, 32);
        const s: SpanIn = { trace, id: hex(0x6000 + n * 256 + k, 16), name: 'generate', start: 1000 + k * 1500, end: 2200 + k * 1500 };
        list.push(s);
        joined.set(s.id, { logs: [], gpu: { gpu, samples } });
      }
      entries.push({ resource: resourceOn(gpu.node, 31337), scope: 'vllm', spans: list });
    }
    feed.push({ at: 8000, spans: entries });
    const r = run(feed, 20_000);
    assertOutput(feed, r.out, joined);
  });

  test('profiler kernels before their parent and out of time order: they come out as they came, the parent gets the GPU', () => {
    const feed: Feed[] = [];
    const joined = new Map<string, Joined>();
    const samples = samplesEvery(GPU_A, 0, 10_000, 250, (t) => 40 + (Math.round(t) % 50));
    feed.push(...delivered(samples, 100));
    const trace = hex(0x700, 32);
    const parent: SpanIn = { trace, id: hex(0x7000, 16), name: 'forward', start: 2000, end: 4000 };
    const kernels: SpanIn[] = [3, 0, 2, 1, 4].map((k) => ({
      trace, id: hex(0x7100 + k, 16), parent: parent.id, name: `ampere_sgemm_${k}`, start: 2100 + k * 300, end: 2300 + k * 300,
      attrs: [str('pytorch.category', 'kernel'), int('device', 0)],
    }));
    // kernels first (newest first), one per batch, then the parent
    kernels.forEach((kern, i) => feed.push({ at: 4100 + i * 150, spans: [{ resource: resourceOn('node-a'), scope: 'pytorch.profiler', spans: [kern] }] }));
    feed.push({ at: 5000, spans: [{ resource: resourceOn('node-a'), scope: 'app', spans: [parent] }] });
    joined.set(parent.id, { logs: [], gpu: { gpu: GPU_A, samples } });
    const r = run(feed, 15_000);
    assertOutput(feed, r.out, joined);
    assert.equal(new Set(r.out.map((o) => o.call)).size, 1, 'the kernels and their parent go out as one trace');
  });
  test('a straggler of an emitted trace whose slot another trace took is its own trace again (late logs find it there)', () => {
    const A = hex(0xa1, 32);
    const B = hex(0xb2, 32);
    const a1: SpanIn = { trace: A, id: hex(0xa10, 16), name: 'GET /a', start: 900, end: 1000 };
    const b1: SpanIn = { trace: B, id: hex(0xb10, 16), name: 'GET /b', start: 2900, end: 3000 };
    const a2: SpanIn = { trace: A, id: hex(0xa11, 16), parent: a1.id, name: 'flush', start: 950, end: 3050 };
    const feed: Feed[] = [
      { at: 1000, spans: [{ resource: PLAIN, scope: 'web', spans: [a1] }] },
      // A left at 2 s (root_wait): B takes its slot, then a span of A comes after all
      { at: 3000, spans: [{ resource: PLAIN, scope: 'web', spans: [b1] }] },
      { at: 3100, spans: [{ resource: PLAIN, scope: 'web', spans: [a2] }] },
    ];
    // a late log on the straggler: found in the emission A left in the second time
    const log: LogIn = { trace: A, span: a2.id, time: 3040, body: 'flushed late', attrs: {} };
    feed.push({ at: 9000, logs: [log], node: 'web-1' });
    // the straggler's root is not with it: it leaves after decision_wait and rootless_wait
    const r = run(feed, 12_000, { decisionWaitMs: 1000, rootlessWaitMs: 1000 });
    const isFragment = (o: OutSpan) => ((o.span['attributes'] ?? []) as { key: string }[]).some((a) => a.key === 'fusion.fragment');
    assertOutput(feed, r.out.filter((o) => !isFragment(o)), new Map());
    const fragments = r.out.filter(isFragment);
    assert.equal(fragments.length, 1);
    assert.equal(fragments[0]!.span['parentSpanId'], a2.id, 'under the straggler, not under the root of the first emission');
    // B's emission is B alone: the straggler was not added to the trace in A's old slot
    const bCall = r.out.find((o) => o.span['spanId'] === b1.id)!.call;
    assert.deepEqual(r.out.filter((o) => o.call === bCall).map((o) => o.span['spanId']), [b1.id]);
  });
  test('batches longer than the index\'s warming chunk (128 spans): a trace at the chunk edges and spans without a trace id are each held as one', async () => {
    const T = hex(0xd1, 32);
    const parent = hex(0xfeed, 16);
    let n = 0;
    const spanOf = (trace: string, at: number): SpanIn => ({ trace, id: hex(0xd000 + n++, 16), parent, name: `op ${n}`, start: at - 50, end: at });
    // trace T at both edges of every chunk and in between; three spans with no trace id
    const tAt = new Set([0, 127, 128, 200, 255, 256, 299]);
    const noIdAt = new Set([10, 140, 290]);
    const first: SpanIn[] = [];
    let unique = 0;
    for (let i = 0; i < 300; i++) {
      if (tAt.has(i)) first.push(spanOf(T, 1000));
      else if (noIdAt.has(i)) first.push(spanOf('', 1000));
      else first.push(spanOf(hex(0xe0000 + unique++, 32), 1000));
    }
    // more of both in a second batch, before either is due
    const second = [spanOf(T, 1500), spanOf('', 1500), spanOf(T, 1500)];
    const feed: Feed[] = [
      { at: 1000, spans: [{ resource: PLAIN, scope: 'web', spans: first }] },
      { at: 1500, spans: [{ resource: PLAIN, scope: 'web', spans: second }] },
    ];
    const r = run(feed, 6000, { decisionWaitMs: 1000, rootlessWaitMs: 1000 });
    assertOutput(feed, r.out, new Map());
    // counted independently of fusion: the unique traces, T, and the spans without an id
    assert.equal(await r.metrics.value('atc_fusion_traces_emitted_total'), unique + 2);
    const callsOf = (trace: string): Set<number> => new Set(r.out.filter((o) => (o.span['traceId'] ?? '') === trace).map((o) => o.call));
    assert.equal(r.out.filter((o) => o.span['traceId'] === T).length, tAt.size + 2);
    assert.equal(callsOf(T).size, 1, 'T leaves once');
  });
  test('one batch of several resources (one with no spans): a trace with spans in two of them is held and emitted as one', () => {
    const T1 = hex(0xc1, 32);
    const T2 = hex(0xc2, 32);
    const root: SpanIn = { trace: T1, id: hex(0xc10, 16), name: 'POST /generate', start: 900, end: 1000 };
    const child: SpanIn = { trace: T1, id: hex(0xc11, 16), parent: root.id, name: 'decode', start: 910, end: 990 };
    const other: SpanIn = { trace: T2, id: hex(0xc20, 16), name: 'GET /health', start: 950, end: 960 };
    const feed: Feed[] = [{
      at: 1000,
      spans: [
        { resource: resourceOn('node-a'), scope: 'gateway', spans: [root] },
        { resource: resourceOn('node-b'), scope: 'idle', spans: [] },
        { resource: resourceOn('node-c'), scope: 'engine', spans: [child, other] },
      ],
    }];
    const r = run(feed, 5000);
    assertOutput(feed, r.out, new Map());
    const callOf = (id: string): number => r.out.find((o) => o.span['spanId'] === id)!.call;
    assert.equal(callOf(root.id), callOf(child.id), 'both spans of T1 leave together');
    assert.equal(r.out.length, 3);
  });
});
