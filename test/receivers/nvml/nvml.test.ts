// The NVML receiver against the NVML stub: a real shared library with the NVML symbols built
// from test/harness/nvml-stub/nvml-stub.c, loaded through the receiver's koffi path in its
// worker thread, through the real pipeline to the file exporter.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { attrs, readStored, startCollector, storedLogRecords, storedMetrics, tempDir, type TestCollector } from '../../harness/collector.js';
import { buildNvmlStub, writeScenario, type StubDevice, type StubScenario } from '../../harness/nvml-stub/build.js';
import type { NvmlReceiver } from '../../../receivers/nvml/nvml.js';
import { parseConfig } from '../../../receivers/nvml/config.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { DEFAULT_BUFFER } from '../../../src/config/collector-config.js';
import { RingConsumer } from '../../../src/pipeline/ring-consumer.js';
import { Ring } from '../../../src/ring/ring.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { PromMetrics } from '../../../src/telemetry/registry.js';
import { nvmlReceiverFactory } from '../../../receivers/nvml/index.js';
import { pino } from 'pino';
import type { JsonObject } from '../../../src/otlp/proto-decode.js';

const STUB = buildNvmlStub();
const LEGACY_STUB = buildNvmlStub({ legacy: true });

const H100: StubDevice = {
  uuid: 'GPU-6b7e4a5c-2f1d-4e3a-9b8c-0d1e2f3a4b5c',
  name: 'NVIDIA H100 80GB HBM3',
  utilization: [87, 45],
  memory: { total: 85_899_345_920, free: 1_073_741_824, used: 84_825_604_096 },
  temperature: 64,
  powerMw: 312_500,
  clocks: { sm: 1980, mem: 2619 },
  clocksEventReasons: 0x24, // sw_power_cap | sw_thermal_slowdown
  processes: [
    { pid: 4242, usedBytes: 17_179_869_184 },
    { pid: 4243, usedBytes: 1_073_741_824 },
  ],
};
const A10: StubDevice = {
  uuid: 'GPU-0a0a0a0a-1111-2222-3333-444444444444',
  name: 'NVIDIA A10',
  utilization: [3, 1],
  memory: { total: 24_146_608_128, free: 24_000_000_000, used: 146_608_128 },
  temperature: 41,
  clocks: { sm: 210, mem: 405 },
  errors: { power: 'NOT_SUPPORTED', processes: 'NOT_SUPPORTED' },
};

function yaml(nvml: string, pipelines = 'metrics: { receivers: [nvml], exporters: [file] }\n    logs: { receivers: [nvml], exporters: [file] }') {
  return (dataDir: string): string => `
receivers:
  nvml:
${nvml
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
    ${pipelines}
`;
}

const dir = tempDir('atc-nvml-');
let scenarioN = 0;
function scenario(s: StubScenario): string {
  const p = join(dir, `scenario-${++scenarioN}.txt`);
  writeScenario(p, s);
  process.env['NVML_STUB_SCENARIO'] = p;
  return p;
}

const running: TestCollector[] = [];
after(async () => {
  for (const c of running) await c.shutdown();
});
async function start(nvml: string, pipelines?: string): Promise<TestCollector> {
  const c = await startCollector({ yaml: yaml(nvml, pipelines) });
  running.push(c);
  return c;
}
async function stop(c: TestCollector): Promise<void> {
  running.splice(running.indexOf(c), 1);
  await c.shutdown();
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

type Point = { name: string; unit: string; kind: string; value: number; attrs: Record<string, unknown>; monotonic?: boolean; point: JsonObject };
function points(c: TestCollector): Point[] {
  const out: Point[] = [];
  for (const m of storedMetrics(readStored(c.dataDir))) {
    const kind = m['gauge'] ? 'gauge' : 'sum';
    const body = (m['gauge'] ?? m['sum']) as JsonObject;
    for (const p of (body['dataPoints'] ?? []) as JsonObject[]) {
      out.push({
        name: String(m['name']),
        unit: String(m['unit'] ?? ''),
        kind,
        monotonic: body['isMonotonic'] as boolean | undefined,
        value: p['asDouble'] !== undefined ? Number(p['asDouble']) : Number(p['asInt'] ?? 0),
        attrs: attrs(p['attributes']),
        point: p,
      });
    }
  }
  return out;
}
const latest = (ps: Point[], name: string, match: Record<string, unknown> = {}): Point | undefined => {
  let found: Point | undefined;
  for (const p of ps) if (p.name === name && Object.entries(match).every(([k, v]) => p.attrs[k] === v)) found = p;
  return found;
};
const logs = (c: TestCollector) => storedLogRecords(readStored(c.dataDir)).map((l) => ({ ...l, a: attrs(l.record['attributes']) }));
const receiver = (c: TestCollector, id = 'nvml') => c.service.receivers.get(id) as NvmlReceiver;

describe('nvml receiver with the NVML stub', { timeout: 180_000 } /* seven collectors in turn; a loaded 2-core machine needs more than a minute */, () => {
  test('samples every GPU into hw.gpu.* metrics with units, attributes and resource', async () => {
    scenario({ driverVersion: '550.54.15', devices: [H100, A10] });
    const c = await start(`
library_path: ${STUB}
collection_interval: 100ms
host_name: gpu-node-7
k8s_node_name: ip-10-0-3-17
events: { wait_timeout: 100ms }`);
    const ps = await until('two samples of both GPUs', () => {
      const ps = points(c);
      return ps.filter((p) => p.name === 'hw.gpu.utilization').length >= 4 ? ps : undefined;
    });
    const h = { 'gpu.uuid': H100.uuid };
    const a = { 'gpu.uuid': A10.uuid };
    const util = latest(ps, 'hw.gpu.utilization', h)!;
    assert.equal(util.value, 0.87);
    assert.equal(util.unit, '1');
    assert.deepEqual(
      { ...util.attrs },
      { 'gpu.uuid': H100.uuid, 'gpu.index': '0', 'gpu.name': 'NVIDIA H100 80GB HBM3', 'hw.id': H100.uuid, 'hw.type': 'gpu', 'hw.gpu.task': 'general' },
    );
    assert.equal(latest(ps, 'hw.gpu.utilization', a)!.value, 0.03);
    assert.equal(latest(ps, 'hw.gpu.utilization', a)!.attrs['gpu.index'], '1');
    assert.equal(latest(ps, 'nvml.gpu.memory_controller.utilization', h)!.value, 0.45);
    const used = latest(ps, 'hw.gpu.memory.usage', h)!;
    assert.equal(used.value, 84_825_604_096);
    assert.equal(used.unit, 'By');
    assert.equal(used.kind, 'sum');
    assert.equal(used.monotonic, undefined); // an UpDownCounter: not monotonic
    assert.equal(latest(ps, 'hw.gpu.memory.limit', h)!.value, 85_899_345_920);
    assert.equal(latest(ps, 'nvml.gpu.memory.free', h)!.value, 1_073_741_824);
    assert.ok(Math.abs(latest(ps, 'hw.gpu.memory.utilization', h)!.value - 84_825_604_096 / 85_899_345_920) < 1e-9);
    const temp = latest(ps, 'nvml.gpu.temperature', h)!;
    assert.deepEqual([temp.value, temp.unit], [64, 'Cel']);
    const power = latest(ps, 'hw.power', h)!;
    assert.deepEqual([power.value, power.unit], [312.5, 'W']); // mW → W
    assert.equal(latest(ps, 'hw.power', a), undefined, 'NOT_SUPPORTED: no power point for the A10');
    assert.deepEqual([latest(ps, 'nvml.gpu.clock.sm', h)!.value, latest(ps, 'nvml.gpu.clock.sm', h)!.unit], [1980, 'MHz']);
    assert.equal(latest(ps, 'nvml.gpu.clock.memory', h)!.value, 2619);
    assert.equal(latest(ps, 'nvml.gpu.clocks_event_reasons', h)!.value, 0x24);
    const active = ps.filter((p) => p.name === 'nvml.gpu.clocks_event.active' && p.attrs['gpu.uuid'] === H100.uuid && p.value === 1).map((p) => p.attrs['nvml.clocks_event.reason']);
    assert.deepEqual([...new Set(active)].sort(), ['sw_power_cap', 'sw_thermal_slowdown']);
    assert.equal(latest(ps, 'nvml.gpu.process.count', h)!.value, 2);
    const proc = latest(ps, 'nvml.gpu.process.memory.usage', { ...h, 'process.pid': '4242' })!;
    assert.equal(proc.value, 17_179_869_184);
    assert.equal(latest(ps, 'nvml.gpu.process.count', a), undefined, 'processes NOT_SUPPORTED on the A10');
    assert.equal(latest(ps, 'hw.status', { ...h, 'hw.state': 'ok' })!.value, 1);
    const xids = latest(ps, 'hw.errors', { ...h, 'error.type': 'xid' })!;
    assert.deepEqual([xids.value, xids.monotonic, xids.unit], [0, true, '{error}']);
    // resource: node identity
    const rm = readStored(c.dataDir).find((s) => s.signal === 'metrics')!.json['resourceMetrics'] as JsonObject[];
    const res = attrs((rm[0]!['resource'] as JsonObject)['attributes']);
    assert.equal(res['host.name'], 'gpu-node-7');
    assert.equal(res['k8s.node.name'], 'ip-10-0-3-17');
    assert.equal(res['nvml.driver.version'], '550.54.15');
    // samples are ~collection_interval apart
    const times = ps.filter((p) => p.name === 'hw.gpu.utilization' && p.attrs['gpu.index'] === '0').map((p) => Number(BigInt(String(p.point['timeUnixNano'])) / 1_000_000n));
    const gap = times[1]! - times[0]!;
    assert.ok(gap >= 60 && gap <= 400, `samples ${gap} ms apart`);
    // versioned symbols preferred
    const st = receiver(c).status;
    assert.equal(st.state, 'ready');
    assert.equal(st.symbols['init'], 'nvmlInit_v2');
    assert.equal(st.symbols['count'], 'nvmlDeviceGetCount_v2');
    assert.equal(st.symbols['handle'], 'nvmlDeviceGetHandleByIndex_v2');
    assert.equal(st.symbols['eventSetWait'], 'nvmlEventSetWait_v2');
    assert.equal(st.symbols['processes'], 'nvmlDeviceGetComputeRunningProcesses_v3');
    assert.equal(st.symbols['clocksEventReasons'], 'nvmlDeviceGetCurrentClocksEventReasons');
    assert.equal(c.service.health.get('receiver', 'nvml')?.ready, true);
    const self = await (await fetch(`${c.telemetryUrl}/metrics`)).text();
    assert.match(self, /atc_nvml_devices\{receiver="nvml"\} 2/);
    assert.match(self, /atc_nvml_poll_duration_seconds_count\{receiver="nvml"\} [1-9]/);
    await stop(c);
  });

  test('Xid, ECC, clock and unavailable events become log records within one wait timeout', async () => {
    const s: StubScenario = { devices: [H100, { ...A10, supportedEvents: 0 }] };
    const path = scenario(s);
    const c = await start(`
library_path: ${STUB}
collection_interval: 200ms
events: { wait_timeout: 300ms, types: [xid, ecc_single_bit, ecc_double_bit, clock, gpu_unavailable] }`);
    assert.deepEqual(receiver(c).status.eventDevices, [0], 'the A10 supports no events: not registered');
    const events: StubScenario['events'] = [
      { id: 1, device: 0, type: 'xid', data: 79 },
      { id: 2, device: 0, type: 'ecc_double' },
      { id: 3, device: 0, type: 'ecc_single' },
      { id: 4, device: 0, type: 'clock' },
      { id: 5, device: 0, type: 'unavailable' },
      { id: 6, device: 1, type: 'xid', data: 13 }, // not registered: never delivered
      { id: 7, device: 0, type: 'xid', data: 13 },
      { id: 8, device: 0, type: 'xid', data: 4242 }, // not in the table
      { id: 9, device: 0, type: 'pstate' }, // not asked for
    ];
    const written = Date.now();
    writeScenario(path, { ...s, events });
    const recs = await until('seven event records', () => {
      const l = logs(c);
      return l.length >= 7 ? l : undefined;
    });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(logs(c).length, 7, 'the unregistered device and event type give nothing');
    const by = (name: string, xid?: number) => recs.find((r) => r.a['event.name'] === name && (xid === undefined || r.a['gpu.xid'] === String(xid)))!;
    const x79 = by('gpu.xid', 79);
    assert.equal(x79.record['severityNumber'], 21);
    assert.equal(x79.record['severityText'], 'FATAL');
    assert.equal(x79.record['eventName'], 'gpu.xid');
    assert.equal(x79.a['gpu.xid.description'], 'GPU has fallen off the bus');
    assert.equal(x79.a['gpu.uuid'], H100.uuid);
    assert.equal(x79.a['gpu.index'], '0');
    assert.match(String((x79.record['body'] as JsonObject)['stringValue']), /^Xid 79 on GPU 0 \(GPU-6b7e.*\): GPU has fallen off the bus$/);
    const latency = Number(BigInt(String(x79.record['timeUnixNano'])) / 1_000_000n) - written;
    assert.ok(latency < 300, `event reported ${latency} ms after it happened (wait timeout 300 ms)`);
    assert.equal(by('gpu.xid', 13).record['severityText'], 'ERROR');
    assert.match(String(by('gpu.xid', 13).a['gpu.xid.description']), /Graphics Engine Exception/);
    assert.match(String(by('gpu.xid', 4242).a['gpu.xid.description']), /Xid 4242: see the NVIDIA Xid catalog/);
    assert.equal(by('gpu.ecc.double_bit').record['severityText'], 'ERROR');
    assert.equal(by('gpu.ecc.single_bit').record['severityText'], 'WARN');
    assert.equal(by('gpu.clock').record['severityText'], 'INFO');
    assert.equal(by('gpu.unavailable').record['severityText'], 'FATAL');
    assert.equal(attrs((recs[0]!.resource['attributes'] ?? []) as JsonObject[])['host.name'] !== undefined, true);
    // the error counters follow
    const counts = await until('hw.errors after the events', () => {
      const ps = points(c);
      const x = latest(ps, 'hw.errors', { 'gpu.uuid': H100.uuid, 'error.type': 'xid' });
      return x && x.value === 3 ? ps : undefined;
    });
    assert.equal(latest(counts, 'hw.errors', { 'gpu.uuid': H100.uuid, 'error.type': 'ecc_uncorrected' })!.value, 1);
    assert.equal(latest(counts, 'hw.errors', { 'gpu.uuid': H100.uuid, 'error.type': 'ecc_corrected' })!.value, 1);
    const self = await (await fetch(`${c.telemetryUrl}/metrics`)).text();
    assert.match(self, /atc_nvml_events_total\{receiver="nvml",event="gpu.xid"\} 3/);
    await stop(c);
  });

  test('a GPU that is lost is reported once, the others are still sampled, and it may come back', async () => {
    const s: StubScenario = { devices: [H100, A10] };
    const path = scenario(s);
    const c = await start(`
library_path: ${STUB}
collection_interval: 50ms
events: { wait_timeout: 50ms }`);
    await until('first samples', () => (latest(points(c), 'hw.gpu.utilization', { 'gpu.index': '1' }) ? true : undefined));
    writeScenario(path, { ...s, devices: [H100, { ...A10, errors: { '*': 'GPU_IS_LOST' } }] });
    const lost = await until('a gpu.lost record', () => logs(c).find((l) => l.a['event.name'] === 'gpu.lost'));
    assert.equal(lost.record['severityText'], 'FATAL');
    assert.equal(lost.a['gpu.uuid'], A10.uuid);
    const failedAt = await until('hw.status failed for GPU 1', () => {
      const ps = points(c);
      return latest(ps, 'hw.status', { 'gpu.index': '1', 'hw.state': 'failed' })?.value === 1 ? ps.length : undefined;
    });
    // GPU 0 goes on being sampled while GPU 1 is lost
    await until('GPU 0 samples after the loss', () => {
      const ps = points(c);
      return ps.length > failedAt + 20 && latest(ps, 'hw.status', { 'gpu.index': '1', 'hw.state': 'failed' })?.value === 1 && latest(ps, 'hw.gpu.utilization', { 'gpu.index': '0' }) ? true : undefined;
    });
    assert.equal(logs(c).filter((l) => l.a['event.name'] === 'gpu.lost').length, 1, 'reported once');
    const self = await (await fetch(`${c.telemetryUrl}/metrics`)).text();
    assert.match(self, /atc_nvml_errors_total\{receiver="nvml",call="utilization",code="GPU_IS_LOST"\} 1/);
    // reset: it answers again
    writeScenario(path, s);
    await until('hw.status ok again for GPU 1', () => (latest(points(c), 'hw.status', { 'gpu.index': '1', 'hw.state': 'ok' })?.value === 1 ? true : undefined));
    await stop(c);
  });

  test('older drivers: the unversioned symbols are used as fallbacks', async () => {
    const path = scenario({ devices: [H100] });
    const c = await start(`
library_path: ${LEGACY_STUB}
collection_interval: 100ms
events: { wait_timeout: 100ms }`);
    const st = receiver(c).status;
    assert.equal(st.symbols['init'], 'nvmlInit');
    assert.equal(st.symbols['count'], 'nvmlDeviceGetCount');
    assert.equal(st.symbols['handle'], 'nvmlDeviceGetHandleByIndex');
    assert.equal(st.symbols['eventSetWait'], 'nvmlEventSetWait');
    assert.equal(st.symbols['processes'], 'nvmlDeviceGetComputeRunningProcesses_v2');
    assert.equal(st.symbols['clocksEventReasons'], 'nvmlDeviceGetCurrentClocksThrottleReasons');
    assert.equal(st.symbols['memory'], 'nvmlDeviceGetMemoryInfo');
    writeScenario(path, { devices: [H100], events: [{ id: 1, device: 0, type: 'xid', data: 48 }] });
    const ps = await until('samples', () => {
      const ps = points(c);
      return latest(ps, 'nvml.gpu.process.memory.usage', { 'process.pid': '4243' }) && latest(ps, 'hw.gpu.memory.usage') ? ps : undefined;
    });
    assert.equal(latest(ps, 'hw.gpu.memory.usage')!.value, 84_825_604_096);
    assert.equal(latest(ps, 'nvml.gpu.clocks_event_reasons')!.value, 0x24);
    const x = await until('the Xid 48 record', () => logs(c).find((l) => l.a['gpu.xid'] === '48'));
    assert.equal(x.record['severityText'], 'FATAL');
    assert.match(String(x.a['gpu.xid.description']), /Double Bit ECC/);
    await stop(c);
  });

  test('no library: logged, ready with the reason (optional), the collector runs on; then NVML appears and samples come', async () => {
    scenario({ initError: 'DRIVER_NOT_LOADED', devices: [H100] });
    const c = await start(`
library_path: ${join(dir, 'missing', 'libnvidia-ml.so.1')}
collection_interval: 100ms`);
    const h = c.service.health.get('receiver', 'nvml')!;
    assert.equal(h.ready, true, 'a GPU-less node is ready: nvml is optional unless required: true');
    assert.match(String(h.reason), /cannot load .*missing\/libnvidia-ml\.so\.1/);
    assert.equal(receiver(c).status.state, 'unavailable');
    const ready = await fetch(`${c.telemetryUrl}/readyz`);
    assert.equal(ready.status, 200);
    await stop(c);

    // the driver is there but not loaded, then it is: picked up on the next init retry
    const path = scenario({ initError: 'DRIVER_NOT_LOADED', devices: [H100] });
    const c2 = await start(`
library_path: ${STUB}
collection_interval: 100ms
init_retry_interval: 200ms`);
    assert.match(String(c2.service.health.get('receiver', 'nvml')!.reason), /nvmlInit failed: .*DRIVER_NOT_LOADED/);
    writeScenario(path, { devices: [H100] });
    await until('NVML found on a retry', () => (receiver(c2).status.state === 'ready' && c2.service.health.get('receiver', 'nvml')!.reason === undefined ? true : undefined));
    await until('samples after the retry', () => (latest(points(c2), 'hw.gpu.utilization') ? true : undefined));
    await stop(c2);
  });

  test('no GPU: ready with the reason; required: true makes start fail', async () => {
    scenario({ devices: [] });
    const c = await start(`
library_path: ${STUB}
init_retry_interval: 0s`);
    assert.match(String(c.service.health.get('receiver', 'nvml')!.reason), /no GPU/);
    await stop(c);
    // required: true — start() fails (checked on the receiver itself: a collector whose start
    // fails halfway is not shut down by the harness)
    const errors = new ConfigErrors();
    const cfg = parseConfig({ library_path: join(dir, 'nope.so'), required: true }, 'receivers.nvml', errors);
    assert.ok(errors.empty);
    const health = new HealthRegistry();
    const metrics = new PromMetrics();
    const next = new RingConsumer(Ring.create(1 << 16), 0, new Set(['metrics', 'logs'] as const), DEFAULT_BUFFER, metrics);
    const r = nvmlReceiverFactory.create(cfg, next, { id: 'nvml', logger: pino({ level: 'silent' }), metrics, health: health.scope('receiver') });
    await assert.rejects(r.start(), /cannot load .*nope\.so.*required: true/);
    assert.equal(health.get('receiver', 'nvml')?.ready, false);
    await r.shutdown();
  });

  test('a metrics-only pipeline gets no events; a logs-only pipeline gets no samples', async () => {
    const path = scenario({ devices: [H100] });
    const c = await start(`library_path: ${STUB}\ncollection_interval: 50ms\nevents: { wait_timeout: 50ms }`, 'metrics: { receivers: [nvml], exporters: [file] }');
    assert.deepEqual(receiver(c).status.eventDevices, [], 'no logs pipeline: no event registration');
    await until('samples', () => (latest(points(c), 'hw.power') ? true : undefined));
    await stop(c);
    const c2 = await start(`library_path: ${STUB}\ncollection_interval: 50ms\nevents: { wait_timeout: 50ms }`, 'logs: { receivers: [nvml], exporters: [file] }');
    writeScenario(path, { devices: [H100], events: [{ id: 1, device: 0, type: 'xid', data: 31 }] });
    await until('the Xid record', () => logs(c2).find((l) => l.a['gpu.xid'] === '31'));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(readStored(c2.dataDir).filter((s) => s.signal === 'metrics').length, 0);
    await stop(c2);
  });
});

test('config: defaults, and every error with its key path', () => {
  const errors = new ConfigErrors();
  const d = parseConfig({}, 'receivers.nvml', errors);
  assert.ok(errors.empty);
  assert.equal(d.libraryPath, 'libnvidia-ml.so.1');
  assert.equal(d.collectionIntervalMs, 1000);
  assert.equal(d.required, false);
  assert.deepEqual(d.events.types, ['xid', 'ecc_single_bit', 'ecc_double_bit', 'clock', 'gpu_unavailable']);
  const bad = new ConfigErrors();
  parseConfig({ library_path: '', collection_interval: 'often', required: 'maybe', events: { types: ['xid', 'fire'], wait_timeout: '2m', extra: 1 }, colection_interval: '1s' }, 'receivers.nvml', bad);
  const msgs = bad.list.map((e) => `${e.path}: ${e.message}`).join('\n');
  assert.match(msgs, /receivers\.nvml\.colection_interval: unknown key \(did you mean "collection_interval"\?\)/);
  assert.match(msgs, /receivers\.nvml\.library_path: must not be empty/);
  assert.match(msgs, /receivers\.nvml\.collection_interval: expected a duration/);
  assert.match(msgs, /receivers\.nvml\.required: expected true or false/);
  assert.match(msgs, /receivers\.nvml\.events\.types\[1\]: unknown event type "fire"/);
  assert.match(msgs, /receivers\.nvml\.events\.wait_timeout: must be at most 1m, got 2m/);
  assert.match(msgs, /receivers\.nvml\.events\.extra: unknown key/);
});
