// Fusion on a generated fleet with realistic timing (scenario.ts), on a simulated clock: a
// gateway fusing three nodes with colliding pids, NVML and dcgm-exporter names, every NVML
// event kind, informational and fatal XIDs, logs before their spans, late logs, logs whose
// spans never come. Every expectation is computed here from the scenario.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { createDefaultConfig } from '../../../connectors/fusion/config.js';
import { FusionCore, type FusedDoc } from '../../../connectors/fusion/fusion-core.js';
import { decodeRequest, encodeRequest } from '../../../src/otlp/index.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { PromMetrics } from '../../../src/telemetry/registry.js';
import { attrs } from '../../harness/collector.js';
import { BASE_MS, DCGM_TOTAL_MIB, ns, scenario, type EventDef, type GpuDef, type LogDef, type RequestDef, type Sample, type Scenario, type SpanDef } from './scenario.js';

type J = Record<string, unknown>;
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const int = (key: string, v: number) => ({ key, value: { intValue: String(v) } });
const dbl = (key: string, v: number) => ({ key, value: { doubleValue: v } });
const MIB = 1024 * 1024;

// the rules as docs/fusion.md states them, restated here
const DEFAULT_EXCLUDE = ['log.file.path', 'log.file.name', 'log.iostream', 'pid', 'hostname'];
const FATAL_XIDS = new Set([79, 13, 31]);
const INFO_XIDS = new Set([63, 45]);
const FATAL_KINDS = new Set(['gpu.ecc.double_bit', 'gpu.lost', 'gpu.unavailable']);
const isFatal = (e: EventDef): boolean => (e.kind === 'gpu.xid' ? FATAL_XIDS.has(e.xid!) : FATAL_KINDS.has(e.kind));
const BODY_CAP = 4096;
const SAMPLE_MAX_AGE_MS = 30_000;

interface Delivery {
  at: number;
  signal: 'traces' | 'logs' | 'metrics';
  data: Uint8Array;
}

function spanResource(q: RequestDef) {
  const base = [str('service.name', 'llm-server'), int('process.pid', q.proc.pid)];
  // node-c runs on Kubernetes: host.name is the pod, k8s.node.name the node; its spans name their GPU
  return q.proc.nvml ? [...base, str('host.name', q.proc.node)] : [...base, str('host.name', 'llm-server-7f9c4'), str('k8s.node.name', q.proc.node), str('gpu.uuid', q.proc.gpu.uuid)];
}

function spanJson(q: RequestDef, s: SpanDef) {
  return { traceId: q.trace, spanId: s.id, ...(s.parent ? { parentSpanId: s.parent } : {}), name: s.name, kind: 2, startTimeUnixNano: ns(s.start), endTimeUnixNano: ns(s.end), ...(s.status ? { status: s.status } : {}) };
}

const logResource = (node: string) => [str('service.name', 'llm-server'), str('host.name', node), str('k8s.pod.name', 'llm-server-0')];

function logJson(l: LogDef) {
  const a = Object.entries(l.attrs).map(([k, v]) => (typeof v === 'number' ? (Number.isInteger(v) ? int(k, v) : dbl(k, v)) : str(k, v)));
  return { timeUnixNano: ns(l.time), observedTimeUnixNano: ns(l.arrive), severityNumber: 9, severityText: 'INFO', body: { stringValue: l.body }, traceId: l.trace, spanId: l.span, attributes: a };
}

function gpuAttrs(g: GpuDef) {
  return [str('gpu.uuid', g.uuid), int('gpu.index', g.index), str('gpu.name', g.name), str('hw.id', g.uuid), str('hw.type', 'gpu')];
}

function nvmlMetrics(sc: Scenario, x: Sample) {
  const A = gpuAttrs(x.gpu);
  const gauge = (name: string, unit: string, v: { asDouble?: number; asInt?: string }, extra: unknown[] = []) => ({ name, unit, gauge: { dataPoints: [{ timeUnixNano: ns(x.time), ...v, attributes: [...A, ...extra] }] } });
  const sum = (name: string, unit: string, v: number) => ({ name, unit, sum: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: ns(x.time), asInt: String(v), attributes: A }] } });
  const proc = sc.procs.find((p) => p.gpu === x.gpu)!;
  return {
    resourceMetrics: [{
      resource: { attributes: [str('host.name', x.gpu.node), str('nvml.driver.version', '550.54.15')] },
      scopeMetrics: [{ scope: { name: 'ai-trace-collector/nvml' }, metrics: [
        gauge('hw.gpu.utilization', '1', { asDouble: x.util / 100 }, [str('hw.gpu.task', 'general')]),
        gauge('nvml.gpu.memory_controller.utilization', '1', { asDouble: 0.99 }), // not GPU utilization
        sum('hw.gpu.memory.usage', 'By', x.usedBytes),
        sum('hw.gpu.memory.limit', 'By', x.gpu.totalBytes),
        gauge('hw.gpu.memory.utilization', '1', { asDouble: x.usedBytes / x.gpu.totalBytes }),
        gauge('nvml.gpu.temperature', 'Cel', { asInt: String(x.temp) }),
        gauge('hw.power', 'W', { asDouble: x.power }),
        gauge('nvml.gpu.clocks_event_reasons', '1', { asInt: String(x.throttle) }),
        gauge('nvml.gpu.process.memory.usage', 'By', { asInt: String(2 * 1024 * MIB) }, [int('process.pid', proc.pid)]),
      ] }],
    }],
  };
}

function dcgmMetrics(x: Sample) {
  const labels = [str('gpu', String(x.gpu.index)), str('UUID', x.gpu.uuid), str('device', `nvidia${x.gpu.index}`), str('modelName', x.gpu.name), str('Hostname', x.gpu.node), str('DCGM_FI_DRIVER_VERSION', '550.54.15'), str('pod', 'llm-server-0')];
  const g = (name: string, v: number) => ({ name, gauge: { dataPoints: [{ timeUnixNano: ns(x.time), asDouble: v, attributes: labels }] } });
  const usedMiB = x.usedBytes / MIB;
  return {
    resourceMetrics: [{
      // the gateway scrapes it: the resource is the scrape target, the node is the Hostname label
      resource: { attributes: [str('service.name', 'dcgm-exporter'), str('service.instance.id', '10.0.3.7:9400')] },
      scopeMetrics: [{ metrics: [
        g('DCGM_FI_DEV_GPU_UTIL', x.util), g('DCGM_FI_DEV_FB_USED', usedMiB), g('DCGM_FI_DEV_FB_FREE', DCGM_TOTAL_MIB - usedMiB - 500), g('DCGM_FI_DEV_FB_RESERVED', 500),
        g('DCGM_FI_DEV_GPU_TEMP', x.temp), g('DCGM_FI_DEV_MEMORY_TEMP', x.memTemp), g('DCGM_FI_DEV_POWER_USAGE', x.power),
        g('DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', x.throttle), g('DCGM_FI_DEV_XID_ERRORS', x.xid), g('DCGM_FI_PROF_GR_ENGINE_ACTIVE', 0.5),
      ] }],
    }],
  };
}

function nvmlEvent(e: EventDef) {
  const attributes = [str('event.name', e.kind), ...gpuAttrs(e.gpu), int('nvml.event.type', e.kind === 'gpu.xid' ? 8 : 4), int('nvml.event.data', e.xid ?? 0), ...(e.xid !== undefined ? [int('gpu.xid', e.xid)] : [])];
  return {
    resourceLogs: [{
      resource: { attributes: [str('host.name', e.node)] },
      scopeLogs: [{ scope: { name: 'ai-trace-collector/nvml' }, logRecords: [{ timeUnixNano: ns(e.time), severityNumber: 17, severityText: 'ERROR', eventName: e.kind, body: { stringValue: `${e.kind} on GPU ${e.gpu.index}` }, attributes }] }],
    }],
  };
}

function deliveries(sc: Scenario): Delivery[] {
  const out: Delivery[] = [];
  for (const q of sc.requests) {
    for (const s of q.spans) out.push({ at: s.arrive, signal: 'traces', data: encodeRequest('traces', { resourceSpans: [{ resource: { attributes: spanResource(q) }, scopeSpans: [{ scope: { name: 'llm' }, spans: [spanJson(q, s)] }] }] }) });
    for (const l of q.logs) out.push({ at: l.arrive, signal: 'logs', data: encodeRequest('logs', { resourceLogs: [{ resource: { attributes: logResource(q.proc.node) }, scopeLogs: [{ logRecords: [logJson(l)] }] }] }) });
  }
  for (const l of sc.orphanLogs) out.push({ at: l.arrive, signal: 'logs', data: encodeRequest('logs', { resourceLogs: [{ resource: { attributes: logResource('node-a') }, scopeLogs: [{ logRecords: [logJson(l)] }] }] }) });
  for (const x of sc.samples) out.push({ at: x.time + (x.gpu.node === 'node-c' ? 50 : 300), signal: 'metrics', data: encodeRequest('metrics', x.gpu.node === 'node-c' ? dcgmMetrics(x) : nvmlMetrics(sc, x)) });
  for (const e of sc.events) if (e.via === 'nvml') out.push({ at: e.time + 50, signal: 'logs', data: encodeRequest('logs', nvmlEvent(e)) });
  return out.sort((a, b) => a.at - b.at);
}

interface Run {
  calls: J[][]; // spans per traces() call
  docs: J[];
  metrics: PromMetrics;
}

async function run(sc: Scenario): Promise<Run> {
  let clock = BASE_MS;
  const metrics = new PromMetrics({ processMetrics: false });
  const calls: J[][] = [];
  const docs: FusedDoc[] = [];
  const core = new FusionCore(createDefaultConfig(), { id: 'fusion', logger: pino({ level: 'silent' }), metrics, health: new HealthRegistry().scope('connector') }, {
    traces: (data) => {
      const req = decodeRequest('traces', data) as J;
      calls.push(((req['resourceSpans'] ?? []) as J[]).flatMap((rs) => ((rs['scopeSpans'] ?? []) as J[]).flatMap((ss) => ((ss['spans'] ?? []) as J[]).map((s) => ({ ...s, resource: rs['resource'] })))));
    },
    documents: (d) => void docs.push(...d),
    anomalies: () => {},
  }, () => clock);
  const list = deliveries(sc);
  let i = 0;
  for (let t = 0; t <= sc.endMs; t += 100) {
    while (i < list.length && list[i]!.at <= t) {
      const d = list[i++]!;
      if (d.signal === 'traces') core.addSpans(d.data);
      else if (d.signal === 'logs') core.addLogs(d.data);
      else core.addMetrics(d.data);
    }
    clock = BASE_MS + t;
    core.tick();
  }
  core.flushAll();
  return { calls, docs: docs.map((d) => JSON.parse(d.json) as J), metrics };
}

/** The GPU summary the rules give for [a, b] on g, from the generated samples. */
function expectedGpu(sc: Scenario, g: GpuDef, a: number, b: number) {
  const mine = sc.samples.filter((x) => x.gpu === g);
  let inside = mine.filter((x) => x.time >= a && x.time <= b);
  let before = false;
  if (inside.length === 0) {
    const prior = mine.filter((x) => x.time < a && a - x.time <= SAMPLE_MAX_AGE_MS).pop();
    if (prior) {
      inside = [prior];
      before = true;
    }
  }
  if (inside.length === 0) return undefined;
  const avg = (v: number[]) => v.reduce((p, c) => p + c, 0) / v.length;
  const round = (v: number) => Math.round(v * 100) / 100;
  const mask = inside.reduce((m, x) => m | x.throttle, 0);
  const reasons = ([[0x4, 'sw_power_cap'], [0x20, 'sw_thermal_slowdown']] as const).filter(([bit]) => mask & bit).map(([, r]) => r);
  const usedMax = Math.max(...inside.map((x) => x.usedBytes));
  return {
    samples: before ? 0 : inside.length,
    before,
    utilAvg: round(avg(inside.map((x) => x.util))),
    utilMax: Math.max(...inside.map((x) => x.util)),
    usedMax,
    total: g.totalBytes,
    usedPercent: round((usedMax / g.totalBytes) * 100),
    tempMax: Math.max(...inside.map((x) => x.temp)),
    powerAvg: round(avg(inside.map((x) => x.power))),
    reasons,
  };
}

/** Events attached to each span id: those on the span's GPU during it, innermost spans only. */
function expectedEvents(sc: Scenario): Map<string, EventDef[]> {
  const out = new Map<string, EventDef[]>();
  for (const e of sc.events) {
    const cands: { q: RequestDef; s: SpanDef }[] = [];
    for (const q of sc.requests) for (const s of q.spans) if (q.proc.gpu === e.gpu && s.start <= e.time && e.time <= s.end) cands.push({ q, s });
    for (const c of cands) {
      const hasChildInList = cands.some((o) => o.q === c.q && o.s.parent === c.s.id);
      if (hasChildInList) continue;
      const list = out.get(c.s.id) ?? [];
      list.push(e);
      out.set(c.s.id, list);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.time - b.time);
  return out;
}

const events = (s: J) => (s['events'] ?? []) as { name: string; attributes: unknown[]; timeUnixNano: string }[];

describe('fusion on a generated fleet (simulated clock)', { timeout: 120_000 }, () => {
  const sc = scenario();
  let result: Run;
  const get = async (): Promise<Run> => (result ??= await run(sc));
  const full = (r: Run) => r.calls.flat().filter((s) => attrs(s['attributes'])['fusion.fragment'] !== true);
  const byId = (r: Run) => new Map(full(r).map((s) => [s['spanId'] as string, s]));

  test('each request comes out once, as one trace, whatever its length and however late its root', async () => {
    const r = await get();
    for (const q of sc.requests) {
      const holding = r.calls.filter((c) => c.some((s) => s['traceId'] === q.trace && attrs(s['attributes'])['fusion.fragment'] !== true));
      assert.equal(holding.length, 1, `request ${q.trace} (${q.spans[0]!.end - q.spans[0]!.start} ms) came out in ${holding.length} parts`);
      const ids = holding[0]!.filter((s) => s['traceId'] === q.trace).map((s) => s['spanId']).sort();
      assert.deepEqual(ids, q.spans.map((s) => s.id).sort());
    }
    assert.equal(await r.metrics.value('atc_fusion_traces_emitted_total'), sc.requests.length);
  });

  test('logs that came before their spans are joined; their attributes are their own; bodies are capped', async () => {
    const r = await get();
    const spans = byId(r);
    let joined = 0;
    for (const q of sc.requests) {
      for (const l of q.logs.filter((x) => !x.late)) {
        const s = spans.get(l.span)!;
        const logEvents = events(s).filter((e) => e.name === 'log' && e.timeUnixNano === ns(l.time));
        assert.equal(logEvents.length, 1, `log at ${l.time} on ${s['name']} of ${q.trace}`);
        const a = attrs(logEvents[0]!.attributes);
        const resourceKeys = new Set(logResource(q.proc.node).map((x) => x.key));
        const kept = Object.keys(l.attrs).filter((k) => !DEFAULT_EXCLUDE.includes(k) && !resourceKeys.has(k));
        const eventKeys = Object.keys(a).filter((k) => !k.startsWith('log.'));
        assert.deepEqual(eventKeys.sort(), kept.sort());
        assert.equal(a['log.severity_text'], 'INFO');
        if (Buffer.byteLength(l.body) > BODY_CAP) {
          const body = a['log.body'] as string;
          assert.ok(Buffer.byteLength(body) <= BODY_CAP && Buffer.byteLength(body) > BODY_CAP - 4);
          assert.ok(l.body.startsWith(body));
          assert.equal(a['log.body.truncated'], true);
        } else {
          assert.equal(a['log.body'], l.body);
          assert.equal(a['log.body.truncated'], undefined);
        }
        joined++;
      }
    }
    assert.equal(await r.metrics.value('atc_fusion_logs_joined_total'), joined);
  });

  test('logs whose spans never come expire after log_wait, counted', async () => {
    const r = await get();
    assert.equal(await r.metrics.value('atc_fusion_logs_expired_total', { reason: 'log_wait' }), sc.orphanLogs.length);
    assert.ok(!r.calls.flat().some((s) => sc.orphanLogs.some((l) => l.trace === s['traceId'])));
  });

  test('late logs go out in a fragment with its own span id, parented to their span', async () => {
    const r = await get();
    const late = sc.requests.flatMap((q) => q.logs.filter((l) => l.late));
    assert.ok(late.length >= 3);
    const fragments = r.calls.flat().filter((s) => attrs(s['attributes'])['fusion.fragment'] === true);
    assert.equal(fragments.length, late.length);
    const emittedIds = new Set(full(r).map((s) => s['spanId']));
    for (const l of late) {
      const f = fragments.find((s) => s['traceId'] === l.trace)!;
      assert.equal(f['parentSpanId'], l.span);
      assert.ok(!emittedIds.has(f['spanId'] as string), 'a fragment reuses an emitted span id');
      assert.deepEqual(events(f).map((e) => attrs(e.attributes)['log.body']), [l.body]);
    }
    assert.equal(await r.metrics.value('atc_fusion_logs_late_total'), late.length);
  });

  test('GPU summaries per (node, pid): colliding pids on three nodes, NVML and dcgm-exporter names', async () => {
    const r = await get();
    const spans = byId(r);
    let checked = 0;
    let before = 0;
    for (const q of sc.requests) {
      for (const sd of q.spans) {
        const a = attrs(spans.get(sd.id)!['attributes']);
        const want = expectedGpu(sc, q.proc.gpu, sd.start, sd.end);
        assert.equal(a['gpu.uuid'], q.proc.gpu.uuid, `${q.proc.node} pid ${q.proc.pid}`);
        assert.equal(a['gpu.name'], q.proc.gpu.name);
        assert.equal(a['gpu.index'], String(q.proc.gpu.index));
        if (!want) continue;
        const where = `${sd.name} of ${q.trace} on ${q.proc.node}`;
        assert.equal(a['gpu.samples'], String(want.samples), where);
        assert.equal(a['gpu.sample_before_span'], want.before ? true : undefined, where);
        assert.equal(a['gpu.utilization.avg'], want.utilAvg, where);
        assert.equal(a['gpu.utilization.max'], want.utilMax, where);
        assert.equal(a['gpu.memory.used.max'], String(want.usedMax), where);
        assert.equal(a['gpu.memory.total'], String(want.total), where);
        assert.equal(a['gpu.memory.used.percent'], want.usedPercent, where);
        assert.equal(a['gpu.temperature.max'], want.tempMax, where); // GPU, not memory, temperature
        assert.equal(a['gpu.power.avg'], want.powerAvg, where);
        assert.deepEqual(a['gpu.throttle_reasons'] ?? { values: [] }, { values: want.reasons.map((x) => ({ stringValue: x })) }, where);
        checked++;
        if (want.before) before++;
      }
    }
    assert.ok(checked > 100 && before > 0, `${checked} checked, ${before} from before the span`);
  });

  test('every GPU event kind attaches once per trace on the innermost spans then on that GPU; fatal ones fail unset spans only', async () => {
    const r = await get();
    const spans = byId(r);
    const want = expectedEvents(sc);
    // every kind the NVML receiver emits, and the dcgm-exporter XID, lands somewhere
    for (const e of sc.events) assert.ok([...want.values()].some((l) => l.includes(e)), `${e.kind} ${e.xid ?? ''} hit no span: scenario broken`);
    assert.ok(sc.events.some((e) => e.kind === 'gpu.xid' && INFO_XIDS.has(e.xid!)));
    for (const q of sc.requests) {
      const traceEvents = new Set<EventDef>();
      for (const sd of q.spans) {
        const s = spans.get(sd.id)!;
        const mine = want.get(sd.id) ?? [];
        mine.forEach((e) => traceEvents.add(e));
        const got = events(s).filter((e) => e.name !== 'log').map((e) => `${e.name}@${e.timeUnixNano}/${attrs(e.attributes)['gpu.xid'] ?? ''}`);
        assert.deepEqual(got.sort(), mine.map((e) => `${e.kind}@${ns(e.time)}/${e.xid ?? ''}`).sort(), `${sd.name} of ${q.trace}`);
        const a = attrs(s['attributes']);
        const fatal = mine.find(isFatal);
        const status = (s['status'] ?? {}) as { code?: number; message?: string };
        if (!fatal) {
          assert.equal(a['gpu.error.type'], undefined);
          assert.equal(status.code ?? 0, sd.status?.code ?? 0);
          continue;
        }
        assert.equal(a['gpu.error.type'], fatal.kind);
        assert.equal(a['gpu.error.xid'], fatal.xid !== undefined ? String(fatal.xid) : undefined);
        if (sd.status) {
          // the application's own status and message stay
          assert.equal(status.code, sd.status.code);
          assert.equal(status.message, sd.status.message);
        } else {
          assert.equal(status.code, 2);
          assert.match(status.message ?? '', fatal.xid !== undefined ? new RegExp(`^GPU XID ${fatal.xid}: `) : new RegExp(`^GPU ${fatal.kind.replace(/\./g, '\\.')}: `));
        }
      }
      const root = attrs(spans.get(q.spans[0]!.id)!['attributes']);
      const list = [...traceEvents];
      if (list.length === 0) {
        assert.equal(root['gpu.event.count'], undefined);
        continue;
      }
      assert.equal(root['gpu.event.count'], String(list.length));
      assert.equal(root['gpu.xid.count'], String(list.filter((e) => e.kind === 'gpu.xid').length));
      assert.equal(root['gpu.error.count'], String(list.filter(isFatal).length));
    }
  });

  test('the fused document agrees with the spans', async () => {
    const r = await get();
    const spans = byId(r);
    assert.equal(r.docs.length, sc.requests.length);
    for (const q of sc.requests) {
      const doc = r.docs.find((d) => d['trace_id'] === q.trace)!;
      const anyError = q.spans.some((sd) => ((spans.get(sd.id)!['status'] ?? {}) as { code?: number }).code === 2);
      assert.equal(doc['status'], anyError ? 'error' : 'ok', q.trace);
      for (const ds of doc['spans'] as J[]) {
        const s = spans.get(ds['span_id'] as string)!;
        assert.equal(ds['status_code'], ((s['status'] ?? {}) as { code?: number }).code ?? 0);
        const kinds = ((ds['gpu_events'] ?? []) as J[]).map((e) => e['kind']).sort();
        assert.deepEqual(kinds, events(s).filter((e) => e.name !== 'log').map((e) => e.name).sort());
      }
      assert.ok(((doc['gpu_events'] ?? []) as unknown[]).length === 0);
      assert.ok(!JSON.stringify(doc).includes('"kind":"8"'));
    }
  });
});
