/* eslint-disable @typescript-eslint/no-explicit-any -- the test walks decoded OTLP/JSON of known shape */
// Scraping through the real pipeline to the file exporter: a real node-exporter (Debian's),
// a dcgm-exporter-style exposition, malformed and hanging targets next to good ones, basic
// auth, file_sd, and kubernetes_sd_configs role pod against a loopback API server answering
// with a recorded pod list, relabeled by the prometheus.io annotations.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { attrs, readStored, startCollector, storedMetrics, tempDir, type TestCollector } from '../../harness/collector.js';
import { startNodeExporter, type NodeExporter } from '../../harness/node-exporter.js';
import type { PrometheusReceiver } from '../../../receivers/prometheus/index.js';

const DCGM = readFileSync(join(process.cwd(), 'test/fixtures/prometheus/dcgm-exporter.txt'), 'utf8');

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

const yaml = (scrapeConfigs: string) => (dataDir: string): string => `
receivers:
  prometheus:
    config:
      scrape_configs:
${scrapeConfigs}
exporters:
  file: { directory: ${dataDir}, fsync: false }
spill: { directory: ${dataDir}.spill }
buffer: { flush_interval: 20ms }
service:
  telemetry:
    metrics: { endpoint: 127.0.0.1:0 }
    logs:
      level: \${env:ATC_TEST_LOG_LEVEL:-silent}
  pipelines:
    metrics: { receivers: [prometheus], exporters: [file] }
`;

async function waitScrapes(c: TestCollector, n: number, timeoutMs = 10_000): Promise<PrometheusReceiver> {
  const r = c.service.receivers.get('prometheus') as PrometheusReceiver;
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const ts = r.targets();
    if (ts.length >= n && ts.every((t) => t.health !== 'unknown')) return r;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`targets not scraped: ${JSON.stringify(r.targets())}`);
}

const upOf = (metrics: Record<string, unknown>[], instance: string, resources: Map<unknown, Record<string, unknown>>): number[] =>
  metrics.filter((m) => m['name'] === 'up' && resources.get(m)?.['service.instance.id'] === instance).map((m) => ((m['gauge'] as any).dataPoints[0].asDouble as number));

function metricsWithResource(dataDir: string): { metrics: Record<string, unknown>[]; resources: Map<unknown, Record<string, unknown>> } {
  const stored = readStored(dataDir);
  const metrics: Record<string, unknown>[] = [];
  const resources = new Map<unknown, Record<string, unknown>>();
  for (const s of stored.filter((x) => x.signal === 'metrics'))
    for (const rm of (s.json['resourceMetrics'] as any[]) ?? [])
      for (const sm of rm.scopeMetrics ?? [])
        for (const m of sm.metrics ?? []) {
          metrics.push(m);
          resources.set(m, attrs(rm.resource?.attributes));
        }
  return { metrics, resources };
}

describe('prometheus receiver against loopback targets', { timeout: 60_000 }, () => {
  let good: { server: Server; port: number };
  let bad: { server: Server; port: number };
  let hang: { server: Server; port: number };
  let authed: { server: Server; port: number };
  const hanging: ServerResponse[] = [];
  before(async () => {
    good = await serve((req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(DCGM));
    bad = await serve((req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('ok_metric 1\nbroken{gpu="0",msg="bad \\q escape"} 1\n'));
    hang = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial_metric 1\n'); // and never ends
      hanging.push(res);
    });
    authed = await serve((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('scraper:s3cret').toString('base64')}`) return void res.writeHead(401).end();
      res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0' }).end('# TYPE auth_ok gauge\nauth_ok 1\n# EOF\n');
    });
  });
  after(() => {
    for (const r of hanging) r.destroy();
    for (const s of [good, bad, hang, authed]) s?.server.close();
  });

  test('dcgm-style target up with every series; malformed and hanging targets are down with clear errors, cut at scrape_timeout', async () => {
    const pw = join(tempDir('atc-prom-'), 'pw');
    writeFileSync(pw, 's3cret\n');
    const c = await startCollector({
      yaml: yaml(`        - job_name: gpu
          scrape_interval: 500ms
          scrape_timeout: 300ms
          static_configs:
            - targets: ['127.0.0.1:${good.port}', '127.0.0.1:${bad.port}', '127.0.0.1:${hang.port}']
              labels: { cluster: lab }
        - job_name: secured
          scrape_interval: 500ms
          basic_auth: { username: scraper, password_file: ${pw} }
          static_configs: [{ targets: ['127.0.0.1:${authed.port}'] }]
`),
    });
    let r: PrometheusReceiver;
    try {
      r = await waitScrapes(c, 4);
      await new Promise((res) => setTimeout(res, 400));
    } finally {
      await c.shutdown();
    }
    const ts = new Map(r.targets().map((t) => [t.url, t]));
    const g = ts.get(`http://127.0.0.1:${good.port}/metrics`)!;
    assert.equal(g.health, 'up');
    assert.equal(g.lastSamples, 96);
    const b = ts.get(`http://127.0.0.1:${bad.port}/metrics`)!;
    assert.equal(b.health, 'down');
    assert.match(b.lastError, /line 2: invalid escape "\\q" in the value of label msg/);
    const h = ts.get(`http://127.0.0.1:${hang.port}/metrics`)!;
    assert.equal(h.health, 'down');
    assert.match(h.lastError, /timed out after 300ms/);
    assert.ok(h.lastDurationMs >= 290 && h.lastDurationMs < 1000, `cut at the timeout: ${h.lastDurationMs}`);
    assert.equal(ts.get(`http://127.0.0.1:${authed.port}/metrics`)!.health, 'up');

    const { metrics, resources } = metricsWithResource(c.dataDir);
    assert.ok(upOf(metrics, `127.0.0.1:${good.port}`, resources).every((v) => v === 1));
    assert.ok(upOf(metrics, `127.0.0.1:${bad.port}`, resources).every((v) => v === 0));
    assert.ok(upOf(metrics, `127.0.0.1:${hang.port}`, resources).every((v) => v === 0));
    const util = metrics.find((m) => m['name'] === 'DCGM_FI_DEV_GPU_UTIL')!;
    assert.equal(resources.get(util)!['service.name'], 'gpu');
    const pts = (util['gauge'] as any).dataPoints as any[];
    assert.equal(pts.length, 8);
    const a = attrs(pts[5].attributes);
    assert.equal(a['UUID'], 'GPU-8a1c0005-5b2e-4f6a-9c3d-0e1f2a3b4c05');
    assert.equal(a['modelName'], 'NVIDIA H100 80GB HBM3');
    assert.equal(a['cluster'], 'lab');
    const energy = metrics.find((m) => m['name'] === 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION')!;
    assert.equal((energy['sum'] as any).isMonotonic, true);
    assert.ok(metrics.some((m) => m['name'] === 'scrape_duration_seconds'));
    assert.ok(metrics.some((m) => m['name'] === 'auth_ok'));
  });

  test('file_sd_configs: targets from a JSON file, with its labels', async () => {
    const dir = tempDir('atc-prom-sd-');
    writeFileSync(join(dir, 'targets.json'), JSON.stringify([{ targets: [`127.0.0.1:${good.port}`], labels: { rack: 'r7' } }]));
    const c = await startCollector({
      yaml: yaml(`        - job_name: from-file
          scrape_interval: 300ms
          file_sd_configs: [{ files: ['${dir}/*.json'], refresh_interval: 100ms }]
`),
    });
    try {
      const r = await waitScrapes(c, 1);
      assert.deepEqual(r.targets()[0]!.labels, { job: 'from-file', instance: `127.0.0.1:${good.port}`, rack: 'r7' });
      assert.equal(r.targets()[0]!.health, 'up');
    } finally {
      await c.shutdown();
    }
  });
});

describe('kubernetes_sd_configs role pod against a loopback API server with a recorded pod list', { timeout: 30_000 }, () => {
  test('only this node, only annotated pods, port and path from the annotations', async () => {
    const dcgm = await serve((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(DCGM));
    const app = await serve((req, res) => {
      if (req.url === '/custom/metrics') res.writeHead(200, { 'content-type': 'text/plain' }).end('# TYPE llm_requests_total counter\nllm_requests_total{model="llama"} 42\n');
      else res.writeHead(404).end();
    });
    const podList = readFileSync(join(process.cwd(), 'test/fixtures/prometheus/pod-list.json'), 'utf8').replace('__DCGM_PORT__', String(dcgm.port)).replace('__APP_PORT__', String(app.port));
    const seen: string[] = [];
    const api = await serve((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      if (req.headers.authorization !== 'Bearer k8s-token') return void res.writeHead(401).end();
      const u = new URL(req.url!, 'http://x');
      if (u.pathname !== '/api/v1/pods') return void res.writeHead(404).end();
      const list = JSON.parse(podList) as { items: { spec: { nodeName: string } }[] };
      const node = /^spec\.nodeName=(.+)$/.exec(u.searchParams.get('fieldSelector') ?? '')?.[1];
      list.items = list.items.filter((p) => !node || p.spec.nodeName === node);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
    });
    const tokenFile = join(tempDir('atc-k8s-'), 'token');
    writeFileSync(tokenFile, 'k8s-token\n');
    process.env['ATC_TEST_NODE_NAME'] = 'gpu-node-17';
    const c = await startCollector({
      yaml: yaml(`        - job_name: kubernetes-pods
          scrape_interval: 300ms
          kubernetes_sd_configs:
            - role: pod
              api_server: http://127.0.0.1:${api.port}
              bearer_token_file: ${tokenFile}
              selectors: [{ role: pod, field: "spec.nodeName=\${env:ATC_TEST_NODE_NAME}" }]
          relabel_configs:
            - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
              action: keep
              regex: "true"
            - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]
              action: replace
              target_label: __metrics_path__
              regex: (.+)
            - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]
              action: replace
              regex: ([^:]+)(?::\\d+)?;(\\d+)
              replacement: $$1:$$2
              target_label: __address__
            - action: labelmap
              regex: __meta_kubernetes_pod_label_(.+)
            - source_labels: [__meta_kubernetes_namespace]
              target_label: namespace
            - source_labels: [__meta_kubernetes_pod_name]
              target_label: pod
`),
    });
    try {
      const r = await waitScrapes(c, 2);
      const ts = r.targets().sort((a, b) => a.url.localeCompare(b.url));
      const urls = [...new Set(ts.map((t) => t.url))].sort();
      assert.deepEqual(urls, [`http://127.0.0.1:${app.port}/custom/metrics`, `http://127.0.0.1:${dcgm.port}/metrics`].sort());
      assert.ok(ts.every((t) => t.health === 'up'), JSON.stringify(ts));
      const d = ts.find((t) => t.url.includes(String(dcgm.port)))!;
      assert.equal(d.labels['namespace'], 'gpu-operator');
      assert.equal(d.labels['pod'], 'dcgm-exporter-x7k2p');
      assert.equal(d.labels['app'], 'nvidia-dcgm-exporter');
      assert.ok(seen[0]!.includes('fieldSelector=spec.nodeName%3Dgpu-node-17'), seen[0]);
      await c.shutdown();
      const llm = storedMetrics(readStored(c.dataDir)).find((m) => m['name'] === 'llm_requests_total');
      assert.ok(llm, 'app metric stored');
    } finally {
      await c.shutdown();
      for (const s of [dcgm, app, api]) s.server.close();
    }
  });
});

describe('a real node-exporter (Debian prometheus-node-exporter)', { timeout: 60_000 }, () => {
  let ne: NodeExporter;
  before(async () => {
    ne = await startNodeExporter();
  });
  after(async () => {
    await ne?.stop();
  });

  test('scraped for real: node_* gauges, counters and histograms-free families all arrive', async () => {
    const c = await startCollector({
      yaml: yaml(`        - job_name: node
          scrape_interval: 1s
          static_configs: [{ targets: ['127.0.0.1:${ne.port}'] }]
`),
    });
    let r: PrometheusReceiver;
    try {
      r = await waitScrapes(c, 1, 15_000);
    } finally {
      await c.shutdown();
    }
    const t = r.targets()[0]!;
    assert.equal(t.health, 'up', t.lastError);
    assert.ok(t.lastSamples > 200, `samples ${t.lastSamples}`);
    const metrics = storedMetrics(readStored(c.dataDir));
    const names = new Set(metrics.map((m) => m['name']));
    for (const n of ['node_cpu_seconds_total', 'node_memory_MemTotal_bytes', 'node_load1', 'node_exporter_build_info', 'up']) assert.ok(names.has(n), `${n} missing`);
    const cpu = metrics.find((m) => m['name'] === 'node_cpu_seconds_total')!;
    assert.equal((cpu['sum'] as any).isMonotonic, true);
    assert.ok(attrs((cpu['sum'] as any).dataPoints[0].attributes)['mode']);
    assert.ok(metrics.find((m) => m['name'] === 'node_memory_MemTotal_bytes')!['gauge']);
  });
});
