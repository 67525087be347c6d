// Fusion keeps its late window (outlines of emitted traces, for logs that come after their
// trace left) only where a late log can come: when a logs pipeline feeds it, or when nothing
// told it which signals will (the connector used on its own). Logs arriving where none were
// announced turn it on from then on. Through the connector on a simulated clock, then through
// the collector's own wiring of pipelines (buildPipelines tells each connector what feeds it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { AckSet } from '../../../src/acks/ack-set.js';
import { createDefaultConfig } from '../../../connectors/fusion/config.js';
import { FusionConnector } from '../../../connectors/fusion/fusion-connector.js';
import { encodeRequest } from '../../../src/otlp/index.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { NOOP_METRICS } from '../../../src/telemetry/sink.js';
import { startCollector } from '../../harness/collector.js';

const BASE_MS = 1_795_000_000_000;
const T = (i: number): string => i.toString(16).padStart(32, '0');
const S = (i: number): string => i.toString(16).padStart(16, '0');
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const ns = (ms: number): string => String(BigInt(ms) * 1_000_000n);

const spans = (trace: number, ms: number): Uint8Array =>
  encodeRequest('traces', { resourceSpans: [{ resource: { attributes: [str('service.name', 'llm')] }, scopeSpans: [{ scope: { name: 's' }, spans: [{ traceId: T(trace), spanId: S(trace), name: 'root', startTimeUnixNano: ns(ms), endTimeUnixNano: ns(ms + 5) }] }] }] });
const logFor = (trace: number, ms: number): Uint8Array =>
  encodeRequest('logs', { resourceLogs: [{ resource: { attributes: [str('service.name', 'llm')] }, scopeLogs: [{ logRecords: [{ timeUnixNano: ns(ms), severityNumber: 9, body: { stringValue: 'late' }, traceId: T(trace), spanId: S(trace) }] }] }] });

function connector(fed: ('traces' | 'logs' | 'metrics')[] | undefined) {
  let clock = BASE_MS;
  const c = new FusionConnector({ ...createDefaultConfig(), decisionWaitMs: 100, rootWaitMs: 50, documents: false }, { id: 'fusion', logger: pino({ level: 'silent' }), metrics: NOOP_METRICS, health: new HealthRegistry().scope('connector') }, () => clock);
  let fragments = 0;
  c.connect('traces', async (b) => {
    fragments += b.items;
    b.acks?.complete('delivered');
  });
  for (const s of fed ?? []) c.fedWith(s);
  /** one trace in, emitted; returns the spans that came out */
  const traceThrough = async (trace: number): Promise<number> => {
    const before = fragments;
    await c.consume({ signal: 'traces', data: spans(trace, clock), items: 1, createdAt: clock, acks: AckSet.none() });
    clock += 1000;
    c.core.tick();
    return fragments - before;
  };
  const log = async (trace: number): Promise<void> => {
    await c.consume({ signal: 'logs', data: logFor(trace, clock), items: 1, createdAt: clock, acks: AckSet.none() });
  };
  return { c, traceThrough, log, out: () => fragments };
}

test('fed by traces only, fusion remembers nothing of emitted traces; logs that come anyway turn the late window on', async () => {
  const f = connector(['traces', 'metrics']);
  await f.c.start();
  try {
    assert.equal(await f.traceThrough(1), 1);
    assert.equal(f.c.core.lateWindowBytes, 0, 'no outline kept');
    // a log for trace 1 now: it left unremembered, so the log waits as for spans to come
    await f.log(1);
    assert.equal(f.c.core.waitingLogs, 1);
    // from now on emitted traces are remembered, and their late logs become fragments
    assert.equal(await f.traceThrough(2), 1);
    assert.ok(f.c.core.lateWindowBytes > 0);
    const before = f.out();
    await f.log(2);
    assert.equal(f.out() - before, 1, 'a fragment for the late log of trace 2');
  } finally {
    await f.c.shutdown();
  }
});

test('fed by a logs pipeline, or told nothing, fusion keeps its late window from the start', async () => {
  for (const fed of [['traces', 'logs'], undefined] as const) {
    const f = connector(fed ? [...fed] : undefined);
    await f.c.start();
    try {
      assert.equal(await f.traceThrough(1), 1);
      assert.ok(f.c.core.lateWindowBytes > 0, `fed ${String(fed)}`);
      const before = f.out();
      await f.log(1);
      assert.equal(f.out() - before, 1, 'the late log of trace 1 as a fragment');
    } finally {
      await f.c.shutdown();
    }
  }
});

test('the collector tells fusion which pipelines feed it', async () => {
  const yaml = (logs: boolean) => (dataDir: string): string => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
connectors: { fusion: { decision_wait: 200ms, root_wait: 50ms } }
exporters: { file: { directory: ${dataDir}, fsync: false } }
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines:
    traces/in: { receivers: [otlp], exporters: [fusion] }
${logs ? '    logs: { receivers: [otlp], exporters: [fusion, file] }\n' : ''}    traces: { receivers: [fusion], exporters: [file] }
`;
  for (const logs of [false, true]) {
    const c = await startCollector({ yaml: yaml(logs) });
    try {
      const r = await fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body: Buffer.from(spans(5, Date.now())), headers: { 'content-type': 'application/x-protobuf' } });
      assert.equal(r.status, 200);
      // emitted after decision_wait; the late window's size is a gauge set every tick
      const until = Date.now() + 10_000;
      while ((await c.service.metrics.value('atc_fusion_traces_emitted_total', { reason: 'root' })) < 1 && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
      await new Promise((res) => setTimeout(res, 300));
      const bytes = await c.service.metrics.value('atc_fusion_late_window_bytes');
      if (logs) assert.ok(bytes > 0, `late window with a logs pipeline: ${bytes} bytes`);
      else assert.equal(bytes, 0, 'no late window without a logs pipeline');
    } finally {
      await c.shutdown();
    }
  }
});
