// The prometheus exporter alone: OTLP metric names and types in the Prometheus text format,
// RED metrics from the spanmetrics connector, staleness (metric_expiration), max_series, OpenMetrics,
// config errors with key paths, and a real Prometheus scraping it.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import type { Batch, CreateContext, Signal } from '../../../src/component.js';
import { parseConfig as parseSpanMetrics } from '../../../connectors/spanmetrics/config.js';
import { SpanMetricsConnector } from '../../../connectors/spanmetrics/spanmetrics-connector.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { encodeRequest } from '../../../src/otlp/json-encode.js';
import { NOOP_METRICS, type MetricsSink } from '../../../src/telemetry/sink.js';
import { createDefaultConfig, parseConfig } from '../../../exporters/prometheus/config.js';
import { familyName } from '../../../exporters/prometheus/names.js';
import { PrometheusExporter } from '../../../exporters/prometheus/prometheus-exporter.js';
import { startPrometheus } from '../../harness/prometheus.js';

const counted: { name: string; labels: Record<string, string>; value: number }[] = [];
const sink: MetricsSink = { ...NOOP_METRICS, inc: (name, labels, value = 1) => void counted.push({ name, labels: { ...labels }, value }) };
const ctx: CreateContext = { id: 'prometheus', logger: pino({ level: 'silent' }), metrics: sink, health: { setReady() {} } };

function batch(signal: Signal, json: unknown, items = 1) {
  return { signal, data: encodeRequest(signal, json), items, createdAt: Date.now() };
}

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const NOW = String(BigInt(Date.now()) * 1_000_000n);

function nvmlLike(util: number, uuid = 'GPU-1') {
  const A = [str('gpu.uuid', uuid), { key: 'gpu.index', value: { intValue: '0' } }];
  return {
    resourceMetrics: [{
      resource: { attributes: [str('host.name', 'node-a'), str('nvml.driver.version', '550')] },
      scopeMetrics: [{
        metrics: [
          { name: 'hw.gpu.utilization', unit: '1', gauge: { dataPoints: [{ attributes: A, timeUnixNano: NOW, asDouble: util }] } },
          { name: 'hw.gpu.memory.usage', unit: 'By', sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: [{ attributes: A, timeUnixNano: NOW, asInt: '1000' }] } },
          { name: 'hw.errors', unit: '{error}', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: [...A, str('error.type', 'xid')], timeUnixNano: NOW, asInt: '3' }] } },
          { name: 'nvml.gpu.temperature', unit: 'Cel', description: 'GPU temperature', gauge: { dataPoints: [{ attributes: A, timeUnixNano: NOW, asInt: '71' }] } },
          {
            name: 'http.server.request.duration', unit: 's',
            histogram: { aggregationTemporality: 2, dataPoints: [{ attributes: [str('http.route', '/x')], timeUnixNano: NOW, count: '3', sum: 0.6, bucketCounts: ['1', '2', '0'], explicitBounds: [0.1, 0.5] }] },
          },
          { name: 'requests', unit: '1', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ timeUnixNano: NOW, asInt: '2' }] } },
          { name: 'exp', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: NOW, count: '1' }] } },
        ],
      }],
    }],
  };
}

function spans(n: number, opts: { error?: boolean; model?: string; fragment?: boolean } = {}) {
  return {
    resourceSpans: [{
      resource: { attributes: [str('service.name', 'inference-service')] },
      scopeSpans: [{
        spans: Array.from({ length: n }, (_, i) => ({
          traceId: (i + 1).toString(16).padStart(32, '0'),
          spanId: (i + 1).toString(16).padStart(16, '0'),
          name: 'POST /v1/completions',
          kind: 2,
          startTimeUnixNano: NOW,
          endTimeUnixNano: String(BigInt(NOW) + 300_000_000n),
          attributes: [
            str('http.route', '/v1/completions'), str('gen_ai.request.model', opts.model ?? 'llama'), str('gen_ai.operation.name', 'text_completion'),
            { key: 'gen_ai.usage.input_tokens', value: { intValue: '100' } }, { key: 'gen_ai.usage.output_tokens', value: { intValue: '20' } },
            { key: 'gpu.utilization.avg', value: { doubleValue: 75 } },
            ...(opts.fragment ? [{ key: 'fusion.fragment', value: { boolValue: true } }] : []),
          ],
          status: { code: opts.error ? 2 : 0 },
        })),
      }],
    }],
  };
}

const emitted: Batch[] = [];

/** The spanmetrics connector with the dimensions the dashboards use; its output lands in `emitted`. */
function spanMetrics(): SpanMetricsConnector {
  const errors = new ConfigErrors();
  const cfg = parseSpanMetrics({ dimensions: ['http.route', 'gen_ai.request.model', 'gen_ai.operation.name'] }, 'connectors.spanmetrics', errors);
  assert.deepEqual(errors.list, []);
  const c = new SpanMetricsConnector(cfg, { ...ctx, id: 'spanmetrics' });
  c.connect('metrics', async (b) => void emitted.push(b));
  return c;
}

async function started(overrides: Record<string, unknown> = {}, now?: () => number): Promise<PrometheusExporter> {
  const errors = new ConfigErrors();
  const cfg = parseConfig({ endpoint: '127.0.0.1:0', ...overrides }, 'exporters.prometheus', errors);
  assert.deepEqual(errors.list, []);
  const e = new PrometheusExporter(cfg, ctx, now);
  await e.start();
  running.push(e);
  return e;
}
const running: PrometheusExporter[] = [];
after(async () => {
  for (const e of running) await e.shutdown();
});

async function scrape(e: PrometheusExporter, accept?: string): Promise<{ type: string; body: string }> {
  const r = await fetch(e.url(), accept ? { headers: { accept } } : {});
  return { type: r.headers.get('content-type') ?? '', body: await r.text() };
}

describe('prometheus exporter', { timeout: 60_000 }, () => {
  test('names follow the Collector translator', () => {
    assert.equal(familyName('hw.gpu.utilization', '1', 'gauge', true, '', true), 'hw_gpu_utilization_ratio');
    assert.equal(familyName('hw.gpu.memory.usage', 'By', 'gauge', false, '', true), 'hw_gpu_memory_usage_bytes');
    assert.equal(familyName('hw.errors', '{error}', 'counter', false, '', true), 'hw_errors');
    assert.equal(familyName('foo_total', '', 'counter', false, '', true), 'foo');
    assert.equal(familyName('nvml.gpu.clock.sm', 'MHz', 'gauge', true, '', true), 'nvml_gpu_clock_sm_megahertz');
    assert.equal(familyName('http.server.request.duration', 's', 'histogram', false, 'app', true), 'app_http_server_request_duration_seconds');
    assert.equal(familyName('net.io', 'By/s', 'gauge', true, '', true), 'net_io_bytes_per_second');
    assert.equal(familyName('DCGM_FI_DEV_GPU_UTIL', '', 'gauge', true, '', true), 'DCGM_FI_DEV_GPU_UTIL');
  });

  test('OTLP gauges, sums and histograms in the text format', async () => {
    const e = await started();
    assert.equal((await e.export(batch('metrics', nvmlLike(0.87)))).outcome, 'success');
    await e.export(batch('metrics', nvmlLike(0.5))); // delta sum accumulates, gauges take the last value
    const { type, body } = await scrape(e);
    assert.match(type, /^text\/plain; version=0\.0\.4/);
    assert.match(body, /^# TYPE hw_gpu_utilization_ratio gauge$/m);
    assert.match(body, /^hw_gpu_utilization_ratio\{gpu_index="0",gpu_uuid="GPU-1",host_name="node-a"\} 0\.5$/m);
    assert.match(body, /^hw_gpu_memory_usage_bytes\{[^}]*\} 1000$/m);
    assert.match(body, /^# TYPE hw_errors_total counter$/m);
    assert.match(body, /^hw_errors_total\{error_type="xid",gpu_index="0",gpu_uuid="GPU-1",host_name="node-a"\} 3$/m);
    assert.match(body, /^# HELP nvml_gpu_temperature_celsius GPU temperature$/m);
    assert.match(body, /^requests_total\{host_name="node-a"\} 4$/m);
    assert.match(body, /^http_server_request_duration_seconds_bucket\{host_name="node-a",http_route="\/x",le="0\.1"\} 1$/m);
    assert.match(body, /^http_server_request_duration_seconds_bucket\{host_name="node-a",http_route="\/x",le="0\.5"\} 3$/m);
    assert.match(body, /^http_server_request_duration_seconds_bucket\{host_name="node-a",http_route="\/x",le="\+Inf"\} 3$/m);
    assert.match(body, /^http_server_request_duration_seconds_count\{host_name="node-a",http_route="\/x"\} 3$/m);
    assert.doesNotMatch(body, /nvml_driver_version/, 'resource attributes outside the list are not labels');
    assert.ok(counted.some((c) => c.name === 'atc_exporter_prometheus_unsupported_points_total' && c.labels['kind'] === 'exponential_histogram'));
  });

  test('RED metrics from the spanmetrics connector, with the contrib connector\'s names; fusion fragments are not counted twice', async () => {
    const e = await started();
    const sm = spanMetrics();
    await sm.consume(batch('traces', spans(3)));
    await sm.consume(batch('traces', spans(1, { error: true })));
    await sm.consume(batch('traces', spans(2, { fragment: true })));
    sm.flush();
    await e.export(emitted.pop()!);
    const { body } = await scrape(e);
    const L = 'gen_ai_operation_name="text_completion",gen_ai_request_model="llama",http_route="/v1/completions",service_name="inference-service",span_kind="SPAN_KIND_SERVER",span_name="POST /v1/completions"';
    assert.match(body, new RegExp(`^traces_span_metrics_calls_total\\{${L},status_code="STATUS_CODE_UNSET"\\} 3$`, 'm'));
    assert.match(body, new RegExp(`^traces_span_metrics_calls_total\\{${L},status_code="STATUS_CODE_ERROR"\\} 1$`, 'm'));
    // 300 ms spans, contrib's default millisecond buckets
    assert.match(body, new RegExp(`^traces_span_metrics_duration_milliseconds_bucket\\{${L},status_code="STATUS_CODE_UNSET",le="200"\\} 0$`, 'm'));
    assert.match(body, new RegExp(`^traces_span_metrics_duration_milliseconds_bucket\\{${L},status_code="STATUS_CODE_UNSET",le="400"\\} 3$`, 'm'));
    assert.match(body, new RegExp(`^traces_span_metrics_tokens_total\\{gen_ai_operation_name="text_completion",gen_ai_request_model="llama",gen_ai_token_type="output",[^}]*\\} 80$`, 'm'));
    assert.match(body, /^traces_span_metrics_gpu_utilization_percent_bucket\{[^}]*le="80"\} 4$/m);
    assert.doesNotMatch(body, /traces_span_metrics_errors/);
  });

  test('series not updated for metric_expiration disappear', async () => {
    let now = Date.now();
    const e = await started({ metric_expiration: '2s' }, () => now);
    await e.export(batch('metrics', nvmlLike(0.1, 'GPU-old')));
    now += 1500;
    await e.export(batch('metrics', nvmlLike(0.2, 'GPU-new')));
    assert.match((await scrape(e)).body, /GPU-old/);
    now += 1000; // GPU-old is 2.5 s old, GPU-new 1 s
    const { body } = await scrape(e);
    assert.doesNotMatch(body, /GPU-old/);
    assert.match(body, /gpu_uuid="GPU-new"/);
    assert.ok(counted.some((c) => c.name === 'atc_exporter_prometheus_series_expired_total' && c.value > 0));
  });

  test('max_series bounds the series served and counts what is left out', async () => {
    const e = await started({ max_series: 5 });
    counted.length = 0;
    await e.export(batch('metrics', nvmlLike(0.1, 'GPU-a')));
    await e.export(batch('metrics', nvmlLike(0.1, 'GPU-b')));
    assert.equal(e.store.size, 5);
    const limited = counted.filter((c) => c.name === 'atc_exporter_prometheus_series_limited_total').reduce((a, c) => a + c.value, 0);
    // batch 1: 6 series, the 6th left out; batch 2: 4 new GPU-b series and the still-new 6th left
    // out, the histogram (no GPU label) is the same series and updates
    assert.equal(limited, 1 + 4 + 1);
    // existing series still update
    await e.export(batch('metrics', nvmlLike(0.9, 'GPU-a')));
    assert.match((await scrape(e)).body, /hw_gpu_utilization_ratio\{gpu_index="0",gpu_uuid="GPU-a",host_name="node-a"\} 0.9/);
  });

  test('config errors carry key paths; defaults', () => {
    const d = createDefaultConfig();
    assert.equal(d.endpoint, '127.0.0.1:8889');
    assert.equal(d.metricExpirationMs, 300_000);
    const errors = new ConfigErrors();
    parseConfig({ endpoint: 'nope', max_series: 0, metric_expiration: 'soon', const_labels: { 'bad-label': 'x' }, extra: 1 }, 'exporters.prometheus', errors);
    const paths = errors.list.map((x) => (x as { path: string }).path).sort();
    assert.deepEqual(paths, [
      'exporters.prometheus.const_labels.bad-label', 'exporters.prometheus.endpoint', 'exporters.prometheus.extra', 'exporters.prometheus.max_series',
      'exporters.prometheus.metric_expiration',
    ]);
  });

  test('a real Prometheus scrapes it, span metrics included', async () => {
    const e = await started();
    await e.export(batch('metrics', nvmlLike(0.42)));
    const sm = spanMetrics();
    await sm.consume(batch('traces', spans(2)));
    sm.flush();
    await e.export(emitted.pop()!);
    const a = e.address()!;
    const prom = await startPrometheus({ targets: [{ job: 'atc', target: `127.0.0.1:${a.port}` }], scrapeIntervalS: 1 });
    try {
      let v: string | undefined;
      for (let i = 0; i < 40 && v === undefined; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const r = await prom.query('hw_gpu_utilization_ratio{job="atc"}');
        v = (r.result[0] as { value: [number, string] } | undefined)?.value[1];
      }
      assert.equal(v, '0.42');
      const calls = await prom.query('sum(traces_span_metrics_calls_total)');
      assert.equal((calls.result[0] as { value: [number, string] }).value[1], '2');
    } finally {
      await prom.close();
    }
  });
});
