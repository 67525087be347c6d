// The fusion connector through real pipelines: spans, logs with trace context, GPU
// metrics and XID events go in over OTLP/HTTP; each trace comes out once, enriched.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { attrs, readStored, startCollector, storedLogRecords, storedSpans, type TestCollector } from '../../harness/collector.js';

const fusionYaml = (extra = '') => (dataDir: string): string => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
connectors:
  fusion:
    decision_wait: 400ms
    root_wait: 100ms
${extra}
exporters:
  file: { directory: ${dataDir}, fsync: false }
  file/fused: { directory: ${dataDir}.fused, fsync: false }
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines:
    traces/in: { receivers: [otlp], exporters: [fusion] }
    logs: { receivers: [otlp], exporters: [fusion, file] }
    metrics: { receivers: [otlp], exporters: [fusion, file] }
    traces: { receivers: [fusion], exporters: [file] }
    logs/fused: { receivers: [fusion], exporters: [file/fused] }
`;

/** What fusion emitted as log records: fused documents and training anomalies. */
const fusedLogs = (c: TestCollector) => storedLogRecords(readStored(`${c.dataDir}.fused`));
const fusedDocs = (c: TestCollector) =>
  fusedLogs(c).filter((l) => l.record['eventName'] === 'fusion.document').map((l) => JSON.parse((l.record['body'] as { stringValue: string }).stringValue) as Record<string, unknown>);

const T = (i: number): string => i.toString(16).padStart(32, '0');
const S = (i: number): string => i.toString(16).padStart(16, '0');
const NOW = BigInt(Date.now()) * 1_000_000n;
const at = (ms: number): string => String(NOW + BigInt(ms) * 1_000_000n);
const GPU = 'GPU-5e2c1a8e-9f3b-4c1d-8a7e-0b1c2d3e4f50';

async function post(c: TestCollector, signal: 'traces' | 'logs' | 'metrics', body: unknown): Promise<void> {
  const r = await fetch(`${c.otlpUrl}/v1/${signal}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 200, await r.text());
}

const span = (trace: number, id: number, parent: number | undefined, name: string, startMs: number, endMs: number, attributes: unknown[] = []) => ({
  traceId: T(trace), spanId: S(id), ...(parent !== undefined ? { parentSpanId: S(parent) } : {}), name, startTimeUnixNano: at(startMs), endTimeUnixNano: at(endMs), attributes,
});
const traces = (resourceAttrs: unknown[], spans: unknown[]) => ({ resourceSpans: [{ resource: { attributes: resourceAttrs }, scopeSpans: [{ scope: { name: 'llm' }, spans }] }] });
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const logs = (records: unknown[]) => ({ resourceLogs: [{ resource: { attributes: [str('service.name', 'llm-server')] }, scopeLogs: [{ logRecords: records }] }] });
const gauge = (name: string, unit: string, points: [number, number][], extra: unknown[] = []) => ({
  name, unit, gauge: { dataPoints: points.map(([ms, v]) => ({ timeUnixNano: at(ms), asDouble: v, attributes: [str('gpu.uuid', GPU), ...extra] })) },
});
const metrics = (ms: unknown[]) => ({ resourceMetrics: [{ resource: { attributes: [str('host.name', 'node-1')] }, scopeMetrics: [{ metrics: ms }] }] });

describe('fusion', { timeout: 150_000 }, () => {
  test('each request comes out as one trace with its logs, GPU summary and XID error', async () => {
    const c = await startCollector({ yaml: fusionYaml() });
    // GPU samples during the request (t = 0..1000 ms), and an XID inside the decode span
    await post(c, 'metrics', metrics([
      gauge('hw.gpu.utilization', '1', [[-500, 0.1], [100, 0.5], [500, 0.9], [900, 0.7]]),
      gauge('hw.gpu.memory.usage', 'By', [[100, 1e9], [500, 3e9]]),
      gauge('hw.power', 'W', [[100, 200], [500, 300]]),
      gauge('nvml.gpu.temperature', 'Cel', [[100, 60], [500, 71]]),
      gauge('nvml.gpu.clocks_event_reasons', '1', [[500, 0x4 | 0x20]]),
    ]));
    await post(c, 'logs', logs([{ timeUnixNano: at(700), severityNumber: 17, eventName: 'gpu.xid', body: { stringValue: 'GPU 0 XID 79' }, attributes: [{ key: 'gpu.xid', value: { intValue: '79' } }, str('gpu.uuid', GPU)] }]));
    // logs arrive before their spans end, as they do in real services
    await post(c, 'logs', logs([
      { timeUnixNano: at(50), severityNumber: 9, severityText: 'INFO', body: { stringValue: 'tokenized 812 tokens' }, traceId: T(1), spanId: S(2), attributes: [str('model', 'llama')] },
      { timeUnixNano: at(600), severityNumber: 13, severityText: 'WARN', body: { stringValue: 'kv cache 95% full' }, traceId: T(1), spanId: S(3) },
      { timeUnixNano: at(10), severityNumber: 9, body: { stringValue: 'unrelated request' }, traceId: T(99), spanId: S(99) },
    ]));
    await post(c, 'traces', traces([str('service.name', 'llm-server'), str('gpu.uuid', GPU)], [
      span(1, 2, 1, 'prefill', 0, 300),
      span(1, 3, 1, 'decode', 300, 1000),
    ]));
    await post(c, 'traces', traces([str('service.name', 'llm-server'), str('gpu.uuid', GPU)], [span(1, 1, undefined, 'POST /v1/completions', 0, 1000)]));
    await new Promise((r) => setTimeout(r, 1000));
    await c.shutdown();
    const stored = readStored(c.dataDir);
    const spans = storedSpans(stored).filter((s) => s.span['traceId'] === T(1));
    assert.equal(spans.length, 3);
    const byName = new Map(spans.map((s) => [s.span['name'] as string, s.span]));
    const prefill = byName.get('prefill')!;
    const decode = byName.get('decode')!;
    const prefillEvents = prefill['events'] as { name: string; attributes: unknown[] }[];
    assert.deepEqual(prefillEvents.map((e) => e.name), ['log']);
    const ev = attrs(prefillEvents[0]!.attributes);
    assert.deepEqual(ev['log.body'], 'tokenized 812 tokens');
    assert.equal(ev['log.severity_number'], '9');
    assert.equal(ev['model'], 'llama');
    const pa = attrs(prefill['attributes']);
    assert.equal(pa['gpu.uuid'], GPU);
    assert.equal(pa['gpu.utilization.avg'], 50); // the one sample inside [0, 300] ms
    assert.equal(pa['gpu.memory.used.max'], String(1e9));
    const da = attrs(decode['attributes']);
    assert.equal(da['gpu.utilization.avg'], 80);
    assert.equal(da['gpu.utilization.max'], 90);
    assert.equal(da['gpu.temperature.max'], 71);
    assert.equal(da['gpu.power.avg'], 300);
    assert.deepEqual(da['gpu.throttle_reasons'], { values: [{ stringValue: 'sw_power_cap' }, { stringValue: 'sw_thermal_slowdown' }] });
    const decodeEvents = (decode['events'] as { name: string; attributes: unknown[] }[]).map((e) => e.name).sort();
    assert.deepEqual(decodeEvents, ['gpu.xid', 'log']);
    assert.deepEqual(decode['status'], { message: 'GPU XID 79: GPU has fallen off the bus', code: 2 });
    // logs also stay in the logs pipeline
    assert.equal(storedLogRecords(stored).length, 4);
    // the fused document
    const docs = fusedDocs(c);
    const doc = docs.find((d) => d['trace_id'] === T(1))!;
    // delivered as a log record of the trace, by the ordinary file exporter
    const record = fusedLogs(c).find((l) => l.record['traceId'] === T(1))!;
    assert.equal(record.record['spanId'], S(1));
    assert.equal((doc['root'] as { name: string }).name, 'POST /v1/completions');
    assert.equal(doc['status'], 'error');
    assert.equal(doc['duration_ms'], 1000);
    assert.equal((doc['logs'] as unknown[]).length, 2);
    assert.equal((doc['spans'] as unknown[]).length, 3);
    assert.equal(await c.service.metrics.value('atc_fusion_logs_joined_total'), 2);
  });

  test('late logs go out as a follow-up fragment under their span; missing GPU data is fine', async () => {
    const c = await startCollector({ yaml: fusionYaml() });
    await post(c, 'traces', traces([str('service.name', 'no-gpu')], [span(7, 1, undefined, 'root', 0, 50)]));
    await new Promise((r) => setTimeout(r, 700));
    await post(c, 'logs', logs([{ timeUnixNano: at(40), severityNumber: 9, body: { stringValue: 'late line' }, traceId: T(7), spanId: S(1) }]));
    await new Promise((r) => setTimeout(r, 300));
    await c.shutdown();
    const spans = storedSpans(readStored(c.dataDir)).filter((s) => s.span['traceId'] === T(7));
    assert.equal(spans.length, 2);
    const [full, fragment] = [spans.find((s) => !attrs(s.span['attributes'])['fusion.fragment'])!, spans.find((s) => attrs(s.span['attributes'])['fusion.fragment'] === true)!];
    assert.ok(full && fragment);
    assert.equal(attrs(full.span['attributes'])['gpu.uuid'], undefined);
    assert.notEqual(fragment.span['spanId'], S(1)); // its own id…
    assert.equal(fragment.span['parentSpanId'], S(1)); // …under the span its logs belong to
    assert.equal(fragment.span['name'], 'root');
    assert.equal(attrs((fragment.span['events'] as { attributes: unknown[] }[])[0]!.attributes)['log.body'], 'late line');
    assert.equal(await c.service.metrics.value('atc_fusion_logs_late_total'), 1);
  });

  test('a trace whose root comes long after its first spans goes out as one trace', async () => {
    const c = await startCollector({ yaml: fusionYaml() });
    await post(c, 'traces', traces([str('service.name', 'a')], [span(9, 2, 1, 'first half', 0, 10)]));
    await new Promise((r) => setTimeout(r, 900)); // past decision_wait, but no root yet: still held
    await post(c, 'traces', traces([str('service.name', 'b')], [span(9, 1, undefined, 'root', 0, 20), span(9, 3, 1, 'second half', 10, 20)]));
    await new Promise((r) => setTimeout(r, 600));
    await c.shutdown();
    const spans = storedSpans(readStored(c.dataDir)).filter((s) => s.span['traceId'] === T(9));
    assert.deepEqual(spans.map((s) => s.span['name']).sort(), ['first half', 'root', 'second half']);
    assert.equal(await c.service.metrics.value('atc_fusion_traces_emitted_total'), 1);
  });

  test('100 k concurrent traces against max_traces: oldest emitted early, none dropped', async () => {
    const bounded = await startCollector({ yaml: fusionYaml(), sets: ['connectors.fusion.max_traces=10000', 'connectors.fusion.decision_wait=30s', 'connectors.fusion.root_wait=1s', 'connectors.fusion.documents=false'] });
    const N = 100_000;
    for (let b = 0; b < N / 5000; b++) {
      const list = Array.from({ length: 5000 }, (_, i) => span(1_000_000 + b * 5000 + i, 1, 7, `s${b * 5000 + i}`, 0, 1));
      await post(bounded, 'traces', traces([str('service.name', 'load')], list));
    }
    const heldMax = 10_000;
    // every span has reached fusion (the flush worker forwards its metrics every 250 ms)
    for (let i = 0; i < 100 && (await bounded.service.metrics.value('atc_fusion_spans_total')) < N; i++) await new Promise((r) => setTimeout(r, 100));
    const evicted = await bounded.service.metrics.value('atc_fusion_traces_emitted_total', { reason: 'evicted' });
    await bounded.shutdown();
    const names = new Set(storedSpans(readStored(bounded.dataDir)).map((s) => s.span['name']));
    assert.equal(names.size, N);
    assert.ok(evicted >= N - heldMax, `only ${evicted} evicted`);
    console.log(`# fusion bound: ${N} traces through max_traces=${heldMax}: ${evicted} emitted early, 0 dropped`);
  });

  test('a loss explosion and a NaN grad norm raise training.anomaly log records', async () => {
    const c = await startCollector({ yaml: fusionYaml() });
    const loss = Array.from({ length: 40 }, (_, i) => [i * 10, 2.5 - i * 0.01] as [number, number]);
    loss.push([400, 90]); // explosion
    const step = (i: number) => [{ key: 'step', value: { intValue: String(i) } }];
    await post(c, 'metrics', {
      resourceMetrics: [{
        resource: { attributes: [str('service.name', 'trainer')] },
        scopeMetrics: [{ metrics: [
          { name: 'training.loss', gauge: { dataPoints: loss.map(([ms, v], i) => ({ timeUnixNano: at(ms), asDouble: v, attributes: step(i) })) } },
          { name: 'training.grad_norm', gauge: { dataPoints: [{ timeUnixNano: at(5), asDouble: 'NaN', attributes: [...step(3), str('trace_id', T(55))] }] } },
        ] }],
      }],
    });
    await new Promise((r) => setTimeout(r, 300));
    await c.shutdown();
    const anomalies = fusedLogs(c).filter((l) => l.record['eventName'] === 'training.anomaly');
    assert.equal(anomalies.length, 2);
    const spike = anomalies.find((a) => attrs(a.record['attributes'])['training.metric'] === 'training.loss')!;
    assert.equal(attrs(spike.record['attributes'])['training.step'], '40');
    assert.match((spike.record['body'] as { stringValue: string }).stringValue, /training.loss 90 is more than 3\dx its moving median/);
    const nan = anomalies.find((a) => attrs(a.record['attributes'])['training.metric'] === 'training.grad_norm')!;
    assert.equal(nan.record['traceId'], T(55));
    assert.equal(attrs(nan.record['attributes'])['training.anomaly.reason'], 'not_finite');
    assert.equal(await c.service.metrics.value('atc_fusion_anomalies_total'), 2);
  });
});
