// The dashboards are real: a collector fed by the example inference service (traces, logs and
// SDK metrics over OTLP/HTTP), the NVML stub (one GPU on this node) and dcgm-exporter-named
// gauges of a second node, served by the prometheus exporter and the collector's own metrics
// endpoint, scraped by a real Prometheus. Every PromQL expression of every panel and template
// variable of every dashboard, with its variables substituted, must return data; the latency
// histogram must carry trace-id exemplars for the link to Tempo.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { encodeRequest } from '../../src/otlp/json-encode.js';
import { startCollector, tempDir, type TestCollector } from '../harness/collector.js';
import { freePort } from '../harness/minio.js';
import { buildNvmlStub, writeScenario } from '../harness/nvml-stub/build.js';
import { startPrometheus, type PrometheusServer } from '../harness/prometheus.js';
import { runLoad, type LoadResult } from '../../examples/inference-service/load.js';

const ROOT = process.cwd();
const DASH_DIR = join(ROOT, 'grafana', 'dashboards');

interface Target { refId: string; expr?: string; datasource?: { type?: string; uid?: string }; query?: string }
interface Panel { id: number; type: string; title: string; datasource?: { type?: string; uid?: string }; targets?: Target[]; panels?: Panel[] }
interface Variable { name: string; type: string; query?: string | { query: string }; definition?: string; regex?: string }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Variable[] } }

function dashboards(): [string, Dashboard][] {
  return readdirSync(DASH_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(join(DASH_DIR, f), 'utf8')) as Dashboard]);
}

function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Template variables and Grafana's built-ins, as the test runs them: every value (".*"). */
function substitute(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}/g, '15s')
    .replace(/\$__interval|\$\{__interval\}/g, '5s')
    .replace(/\$__range|\$\{__range\}/g, '5m')
    .replace(/\$\{?(node|gpu|instance|job|service|model)\}?/g, '.*');
}

/** The PromQL behind a variable query: label_values(m, l) → count by (l) (m); query_result(e) → e. */
function variablePromQL(v: Variable): string {
  const q = typeof v.query === 'string' ? v.query : v.query?.query ?? '';
  let m = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/s.exec(q.trim());
  if (m) return `count by (${m[2]}) (${m[1]})`;
  m = /^query_result\((.*)\)$/s.exec(q.trim());
  if (m) return m[1]!;
  throw new Error(`variable ${v.name}: unsupported query ${q}`);
}

const GPU_UUID = 'GPU-5e2c7a1e-0000-4000-8000-000000000001';

describe('grafana dashboards against a real Prometheus', { timeout: 240_000 }, () => {
  let c: TestCollector | undefined;
  let prom: PrometheusServer | undefined;
  let svc: ChildProcess | undefined;
  let dcgmTimer: NodeJS.Timeout | undefined;
  let load: LoadResult | undefined;
  let evalTime = 0;

  before(async () => {
    const dir = tempDir('atc-grafana-');
    const lib = buildNvmlStub();
    const scen = join(dir, 'nvml-scenario.txt');
    writeScenario(scen, {
      driverVersion: '550.54.15',
      devices: [{
        uuid: GPU_UUID, name: 'NVIDIA H100 80GB HBM3', utilization: [87, 41],
        memory: { total: 85899345920, free: 25769803776, used: 60129542144 }, temperature: 71, powerMw: 612000,
        clocks: { graphics: 1755, sm: 1755, mem: 2619, video: 1545 }, clocksEventReasons: 0x4 | 0x20,
        processes: [{ pid: 4242, usedBytes: 58000000000 }],
      }],
      events: [{ id: 1, device: 0, type: 'xid', data: 13 }],
    });
    process.env['NVML_STUB_SCENARIO'] = scen;
    const exporterPort = await freePort();
    c = await startCollector({
      yaml: (dataDir) => `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
  nvml:
    library_path: ${lib}
    collection_interval: 250ms
connectors:
  fusion:
    decision_wait: 1s
    root_wait: 300ms
    rootless_wait: 1s
  spanmetrics:
    dimensions: [http.route, gen_ai.request.model, gen_ai.operation.name]
    metrics_flush_interval: 1s
exporters:
  prometheus:
    endpoint: 127.0.0.1:${exporterPort}
  file:
    directory: ${dataDir}
    fsync: false
spill:
  directory: ${dataDir}.spill
service:
  telemetry:
    metrics:
      endpoint: 127.0.0.1:0
    logs:
      level: \${env:ATC_TEST_LOG_LEVEL:-silent}
  pipelines:
    traces/in: { receivers: [otlp], exporters: [fusion] }
    traces: { receivers: [fusion], exporters: [spanmetrics, file] }
    metrics: { receivers: [otlp, nvml], exporters: [fusion, prometheus, file] }
    metrics/spans: { receivers: [spanmetrics], exporters: [prometheus] }
    logs: { receivers: [otlp, nvml], exporters: [fusion, file] }
`,
    });
    const telemetryTarget = c.telemetryUrl.replace('http://', '');
    prom = await startPrometheus({
      targets: [
        { job: 'ai-trace-collector', target: telemetryTarget },
        { job: 'ai-trace-collector-metrics', target: `127.0.0.1:${exporterPort}` },
      ],
      scrapeIntervalS: 1,
    });

    // the example service, as a user runs it
    svc = spawn(process.execPath, [join(ROOT, 'dist', 'examples', 'inference-service', 'server.js')], {
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: c.otlpUrl,
        PORT: '0',
        TIME_SCALE: '0.3',
        ERROR_RATE: '0.05',
        SLOW_RATE: '0.05',
        LOG_OTLP: 'true',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_METRIC_EXPORT_INTERVAL: '2000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('inference service did not start in 20 s')), 20_000);
      svc!.once('exit', (code) => reject(new Error(`inference service exited with ${code}`)));
      createInterface({ input: svc!.stdout! }).on('line', (line) => {
        try {
          const j = JSON.parse(line) as { msg?: string; url?: string };
          if (j.msg === 'inference service listening' && j.url) {
            clearTimeout(t);
            resolve(j.url);
          }
        } catch {
          /* not a log line */
        }
      });
    });

    // a second node whose GPUs are seen through dcgm-exporter names (as the prometheus receiver forwards them)
    const sendDcgm = async (): Promise<void> => {
      const t = String(BigInt(Date.now()) * 1_000_000n);
      const gauge = (name: string, v: (i: number) => number) => ({
        name,
        gauge: {
          dataPoints: [0, 1].map((i) => ({
            timeUnixNano: t,
            asDouble: v(i),
            attributes: [
              { key: 'gpu', value: { stringValue: String(i) } },
              { key: 'UUID', value: { stringValue: `GPU-dcgm-000${i}` } },
              { key: 'device', value: { stringValue: `nvidia${i}` } },
              { key: 'modelName', value: { stringValue: 'NVIDIA A100-SXM4-80GB' } },
              { key: 'Hostname', value: { stringValue: 'dcgm-node-1' } },
            ],
          })),
        },
      });
      const body = encodeRequest('metrics', {
        resourceMetrics: [{
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'dcgm-exporter' } }] },
          scopeMetrics: [{
            scope: { name: 'prometheus' },
            metrics: [
              gauge('DCGM_FI_DEV_GPU_UTIL', (i) => 40 + 10 * i), gauge('DCGM_FI_DEV_FB_USED', () => 30000), gauge('DCGM_FI_DEV_FB_FREE', () => 51000),
              gauge('DCGM_FI_DEV_POWER_USAGE', () => 250.5), gauge('DCGM_FI_DEV_GPU_TEMP', () => 60), gauge('DCGM_FI_DEV_SM_CLOCK', () => 1410),
              gauge('DCGM_FI_DEV_MEM_CLOCK', () => 1593), gauge('DCGM_FI_DEV_XID_ERRORS', () => 0), gauge('DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', () => 0),
            ],
          }],
        }],
      });
      await fetch(`${c!.otlpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body }).then((r) => r.arrayBuffer());
    };
    await sendDcgm();
    dcgmTimer = setInterval(() => void sendDcgm().catch(() => {}), 1000);

    load = await runLoad({ url, rps: 8, durationMs: 22_000, models: ['llama-3-8b-instruct', 'mistral-7b-instruct'], concurrency: 32, forceError: 0.08, forceSlow: 0.08 });
    // fusion holds traces for decision_wait; let the last ones through and be scraped
    await new Promise((r) => setTimeout(r, 3000));
    evalTime = Date.now() / 1000;
  });

  after(async () => {
    if (dcgmTimer) clearInterval(dcgmTimer);
    if (svc && svc.exitCode === null) {
      svc.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => {
          svc!.kill('SIGKILL');
          r(undefined);
        }, 5000);
        svc!.once('exit', () => {
          clearTimeout(t);
          r(undefined);
        });
      });
    }
    await prom?.close();
    await c?.shutdown();
  });

  test('the load went through the example service', () => {
    assert.ok(load);
    assert.ok(load.ok > 50, `ok responses: ${JSON.stringify(load.byStatus)}`);
    assert.ok(load.failed > 0, `some requests fail: ${JSON.stringify(load.byStatus)}`);
  });

  test('Prometheus scrapes the collector and the exporter', async () => {
    const targets = await prom!.targets();
    assert.equal(targets.length, 2);
    for (const t of targets) assert.equal(t.health, 'up', `${t.labels['job']}: ${t.lastError}`);
  });

  for (const [file, d] of dashboards()) {
    test(`${file}: every panel query returns data`, async () => {
      const failures: string[] = [];
      let n = 0;
      for (const p of allPanels(d)) {
        for (const t of p.targets ?? []) {
          const ds = t.datasource ?? p.datasource;
          if (ds?.type !== 'prometheus') continue;
          assert.ok(t.expr, `${p.title} ${t.refId}: no expr`);
          const expr = substitute(t.expr);
          n++;
          const r = await prom!.query(expr, evalTime);
          const values = (r.result as { value?: [number, string] }[]).map((s) => Number(s.value?.[1]));
          if (values.length === 0) failures.push(`"${p.title}" ${t.refId}: no series for ${expr}`);
          else if (!values.some((v) => Number.isFinite(v))) failures.push(`"${p.title}" ${t.refId}: only NaN/Inf for ${expr}`);
        }
      }
      assert.ok(n > 5, `${file}: ${n} PromQL targets`);
      assert.deepEqual(failures, []);
    });

    test(`${file}: every template variable query returns values`, async () => {
      for (const v of d.templating.list.filter((x) => x.type === 'query')) {
        const expr = substitute(variablePromQL(v));
        const r = await prom!.query(expr, evalTime);
        assert.ok(r.result.length > 0, `variable ${v.name}: no values for ${expr}`);
      }
    });
  }

  test('the GPU fleet dashboard sees both the NVML node and the dcgm-exporter node', async () => {
    const d = dashboards().find(([f]) => f === 'gpu-fleet.json')![1];
    const node = d.templating.list.find((v) => v.name === 'node')!;
    const r = await prom!.query(substitute(variablePromQL(node)), evalTime);
    const hosts = (r.result as { metric: Record<string, string> }[]).map((s) => s.metric['host_name']).sort();
    assert.equal(hosts.length, 2, JSON.stringify(hosts));
    assert.ok(hosts.includes('dcgm-node-1'));
    const gpu = await prom!.query(`hw_gpu_utilization_ratio{gpu_uuid="${GPU_UUID}"}`, evalTime);
    assert.equal(Number((gpu.result[0] as { value: [number, string] }).value[1]), 0.87);
  });

  test('latency buckets carry trace-id exemplars (the link to Tempo)', async () => {
    const ex = await prom!.queryExemplars('traces_span_metrics_duration_milliseconds_bucket{span_kind="SPAN_KIND_SERVER"}', evalTime - 120, evalTime);
    const all = ex.flatMap((s) => s.exemplars);
    assert.ok(all.length > 0, 'no exemplars');
    for (const e of all) assert.match(e.labels['trace_id'] ?? '', /^[0-9a-f]{32}$/);
  });

  test('requests are fused with the GPU they ran on', async () => {
    const r = await prom!.query('sum(traces_span_metrics_gpu_utilization_percent_count{span_kind="SPAN_KIND_SERVER"})', evalTime);
    assert.ok(Number((r.result[0] as { value: [number, string] } | undefined)?.value[1] ?? 0) > 0);
  });
});

describe('grafana dashboards and provisioning are well-formed', () => {
  const files = dashboards();
  test('three dashboards with stable uids', () => {
    assert.deepEqual(files.map(([, d]) => d.uid).sort(), ['atc-collector', 'atc-gpu-fleet', 'atc-inference']);
  });
  for (const [file, d] of files) {
    test(`${file}: templated datasource, unique panel ids, every panel bound to a variable datasource`, () => {
      const vars = d.templating.list;
      const dsVar = vars.find((v) => v.type === 'datasource' && (v as { query?: unknown }).query === 'prometheus');
      assert.ok(dsVar, 'a prometheus datasource variable');
      const ids = allPanels(d).map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, 'unique panel ids');
      for (const p of allPanels(d)) {
        if (p.type === 'row') continue;
        assert.match(p.datasource?.uid ?? '', /^\$\{(datasource|tempo)\}$/, `${p.title}: datasource`);
        assert.ok((p.targets ?? []).length > 0, `${p.title}: targets`);
        for (const t of p.targets ?? []) assert.match(t.datasource?.uid ?? '', /^\$\{(datasource|tempo)\}$/);
      }
      const names = vars.map((v) => v.name);
      if (d.uid === 'atc-gpu-fleet') assert.deepEqual(names, ['datasource', 'node', 'gpu']);
      if (d.uid === 'atc-collector') assert.deepEqual(names, ['datasource', 'job', 'instance']);
      if (d.uid === 'atc-inference') assert.deepEqual(names, ['datasource', 'tempo', 'service', 'model']);
    });
  }
  test('the inference dashboard links slow requests to Tempo', () => {
    const d = files.find(([, x]) => x.uid === 'atc-inference')![1];
    const tempo = allPanels(d).flatMap((p) => p.targets ?? []).filter((t) => t.datasource?.type === 'tempo');
    assert.ok(tempo.some((t) => /duration > /.test(t.query ?? '')), 'a TraceQL query for slow requests');
    assert.ok(allPanels(d).flatMap((p) => p.targets ?? []).some((t) => (t as { exemplar?: boolean }).exemplar === true), 'exemplars shown');
  });
  test('provisioning: Prometheus and Tempo datasources with exemplar links, a dashboard provider', () => {
    const ds = parseYaml(readFileSync(join(ROOT, 'grafana', 'provisioning', 'datasources', 'datasources.yaml'), 'utf8')) as { datasources: { uid: string; type: string; jsonData?: { exemplarTraceIdDestinations?: { name: string; datasourceUid: string }[] } }[] };
    const byType = new Map(ds.datasources.map((x) => [x.type, x]));
    assert.equal(byType.get('prometheus')?.uid, 'prometheus');
    assert.equal(byType.get('tempo')?.uid, 'tempo');
    assert.deepEqual(byType.get('prometheus')?.jsonData?.exemplarTraceIdDestinations, [{ name: 'trace_id', datasourceUid: 'tempo' }]);
    const dp = parseYaml(readFileSync(join(ROOT, 'grafana', 'provisioning', 'dashboards', 'dashboards.yaml'), 'utf8')) as { providers: { type: string; options: { path: string } }[] };
    assert.equal(dp.providers[0]?.type, 'file');
    assert.ok(dp.providers[0]?.options.path);
  });
});
