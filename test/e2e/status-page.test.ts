// The status page in a real headless browser (Debian's chromium through puppeteer-core),
// against a collector started as a real process: OTLP spans, logs and GPU metrics, an XID
// event and a Kineto profiler trace go in; the page, polling the telemetry port behind a
// bearer token, shows live per-second rates, the components, the recent warnings, and a
// waterfall of the fused trace with its log events, GPU summary, XID and kernels.
// ATC_WRITE_SCREENSHOTS=1 also writes docs/img/status-page.png and docs/img/fused-trace.png.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import { launchChromium } from '../harness/chromium.js';
import { spawnCollector, type RunningCollector } from '../harness/cli-process.js';
import { tempDir } from '../harness/collector.js';
import { STUB_SOURCE } from '../harness/nvml-stub/build.js';

const KINETO = join(STUB_SOURCE, '..', '..', '..', 'fixtures', 'kineto', 'train_step.pt.trace.json');
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'; // the ids the Kineto fixture's otel: annotation names
const DECODE = '00f067aa0ba902b7';
const ROOT = 'a1a2a3a4a5a6a7a8';
const PREFILL = 'b1b2b3b4b5b6b7b8';
const GPU = 'GPU-5e2c1a8e-9f3b-4c1d-8a7e-0b1c2d3e4f50';
const TOKEN = 'status-page-token-7f3a';

let collector: RunningCollector | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close().catch(() => {});
  collector?.child.kill('SIGTERM');
  await collector?.exited;
});

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

async function post(c: RunningCollector, signal: 'traces' | 'logs' | 'metrics', body: unknown): Promise<Response> {
  return fetch(`${c.otlpUrl}/v1/${signal}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

test('the status page shows live rates, components, warnings and a fused trace waterfall', { timeout: 240_000 }, async () => {
  const dir = tempDir('atc-status-page-');
  const profDir = join(dir, 'profiles');
  mkdirSync(profDir);
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } }
  profiler: { traces: { directories: ["${profDir}"], poll_interval: 100ms, settle_time: 200ms } }
connectors:
  fusion: { decision_wait: 3s, root_wait: 2s }
exporters:
  file: { directory: ${dir}/data, fsync: false }
spill: { directory: ${dir}/spill }
service:
  telemetry:
    metrics: { endpoint: 127.0.0.1:0, auth: { bearer_token_env: ATC_TEST_STATUS_TOKEN } }
    logs: { level: info }
  pipelines:
    traces: { receivers: [otlp, profiler], exporters: [fusion] }
    traces/fused: { receivers: [fusion], exporters: [file] }
    logs: { receivers: [otlp], exporters: [fusion, file] }
    metrics: { receivers: [otlp], exporters: [fusion, file] }
`,
  );
  collector = await spawnCollector(['--config', config], { ATC_TEST_STATUS_TOKEN: TOKEN });
  const c = collector;
  const tel = c.telemetryUrl;

  // the data endpoints are behind the token, like /metrics; the page shell holds no data
  assert.equal((await fetch(`${tel}/status/traces`)).status, 401);
  assert.equal((await fetch(`${tel}/status/logs`)).status, 401);
  const shell = await fetch(`${tel}/`);
  assert.equal(shell.status, 200);
  assert.match(String(shell.headers.get('content-security-policy')), /default-src 'none'/);
  const html = await shell.text();
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'no external assets');

  // one request: root, prefill, decode; GPU samples over it, an XID during decode, two log lines
  const t0 = BigInt(Date.now() - 2000) * 1_000_000n;
  const at = (ms: number): string => String(t0 + BigInt(ms) * 1_000_000n);
  const gauge = (name: string, unit: string, points: [number, number][]) => ({
    name, unit, gauge: { dataPoints: points.map(([ms, v]) => ({ timeUnixNano: at(ms), asDouble: v, attributes: [str('gpu.uuid', GPU)] })) },
  });
  const sent = [
    await post(c, 'metrics', { resourceMetrics: [{ resource: { attributes: [str('host.name', 'gpu-node-17')] }, scopeMetrics: [{ metrics: [
      gauge('hw.gpu.utilization', '1', [[100, 0.45], [500, 0.93], [900, 0.88]]),
      gauge('hw.gpu.memory.usage', 'By', [[100, 41e9], [500, 78e9]]),
      gauge('hw.power', 'W', [[100, 410], [500, 655]]),
      gauge('nvml.gpu.temperature', 'Cel', [[100, 64], [500, 79]]),
      // training metrics: a NaN loss is an anomaly, logged as a warning by the flush worker
      { name: 'training.loss', gauge: { dataPoints: [{ timeUnixNano: at(950), asDouble: 'NaN' }] } },
    ] }] }] }),
    await post(c, 'logs', { resourceLogs: [{ resource: { attributes: [str('service.name', 'llm-server')] }, scopeLogs: [{ logRecords: [
      { timeUnixNano: at(700), severityNumber: 17, eventName: 'gpu.xid', body: { stringValue: 'GPU 0 XID 79' }, attributes: [{ key: 'gpu.xid', value: { intValue: '79' } }, str('gpu.uuid', GPU)] },
      { timeUnixNano: at(60), severityNumber: 9, severityText: 'INFO', body: { stringValue: 'tokenized 812 tokens' }, traceId: TRACE, spanId: PREFILL },
      { timeUnixNano: at(640), severityNumber: 13, severityText: 'WARN', body: { stringValue: 'kv cache 95% full' }, traceId: TRACE, spanId: DECODE },
    ] }] }] }),
  ];
  // the profiler trace of the decode step: its otel: annotation starts 50 ms into decode
  const base = (t0 + 350n * 1_000_000n - 121_000n * 1000n).toString();
  writeFileSync(join(profDir, 'w0.pt.trace.json.tmp'), readFileSync(KINETO, 'utf8').replace('"baseTimeNanoseconds": 1795000000000000000', `"baseTimeNanoseconds": ${base}`));
  renameSync(join(profDir, 'w0.pt.trace.json.tmp'), join(profDir, 'w0.pt.trace.json'));
  await new Promise((r) => setTimeout(r, 800));
  const spans = (list: unknown[]) => ({ resourceSpans: [{ resource: { attributes: [str('service.name', 'llm-server'), str('gpu.uuid', GPU)] }, scopeSpans: [{ scope: { name: 'llm' }, spans: list }] }] });
  sent.push(
    await post(c, 'traces', spans([
      { traceId: TRACE, spanId: PREFILL, parentSpanId: ROOT, name: 'prefill', startTimeUnixNano: at(0), endTimeUnixNano: at(300) },
      { traceId: TRACE, spanId: DECODE, parentSpanId: ROOT, name: 'decode', startTimeUnixNano: at(300), endTimeUnixNano: at(1000) },
      { traceId: TRACE, spanId: ROOT, name: 'POST /v1/completions', startTimeUnixNano: at(0), endTimeUnixNano: at(1000), kind: 2 },
    ])),
  );
  for (const r of sent) assert.equal(r.status, 200, await r.text());
  // a refused request, so that a refusal reason shows
  assert.equal((await fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body: 'not protobuf', headers: { 'content-type': 'application/x-protobuf' } })).status, 400);

  // keep data flowing while the page watches: a small trace every 100 ms
  let n = 0;
  let feeding = true;
  const feeder = (async () => {
    while (feeding) {
      const id = (0x5000 + n++).toString(16).padStart(32, '0');
      const now = BigInt(Date.now()) * 1_000_000n;
      await post(c, 'traces', spans([{ traceId: id, spanId: '0000000000000001', name: 'GET /healthz', startTimeUnixNano: String(now - 3_000_000n), endTimeUnixNano: String(now) }]));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  try {
    await watchThePage(c);
  } finally {
    feeding = false;
    await feeder;
  }
});

async function watchThePage(c: RunningCollector): Promise<void> {
  const tel = c.telemetryUrl;
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${tel}/`, { waitUntil: 'load' });
  // no token yet: the page asks for one
  await page.waitForSelector('#token-input', { visible: true, timeout: 20_000 });
  await page.type('#token-input', TOKEN);
  await page.click('#token-save');

  // live rates: the otlp receiver of the traces pipeline accepts spans right now
  // (expressions as strings: they run in the page, and this project compiles without DOM types)
  await page.waitForFunction(
    `(() => {
      const box = document.querySelector('[data-pipeline="traces"] .comp[data-kind="receiver"][data-id="otlp"]');
      const m = /accepted spans ([0-9.]+k?)\\/s/.exec(box ? box.textContent : '');
      return m !== null && parseFloat(m[1]) > 0;
    })()`,
    { timeout: 30_000 },
  );
  const pipelines = await page.$eval('#pipelines', (e) => e.textContent ?? '');
  assert.match(pipelines, /refused \(\w+\) [\d.]+\/s/, 'a refusal reason is listed');
  assert.match(pipelines, /sent spans [\d.]+k?\/s/);
  assert.match(pipelines, /file/);
  assert.match(await page.$eval('#buffers', (e) => e.textContent ?? ''), /ring fill.*MiB.*%/s);
  assert.match(await page.$eval('#components', (e) => e.textContent ?? ''), /otlp/);

  // the training anomaly warning, logged in the flush worker, is among the recent warnings
  await page.waitForFunction(`/training anomaly/.test(document.querySelector('#logs').textContent)`, { timeout: 30_000 });

  // the fused trace: listed, then drawn with its spans, logs, GPU summary, XID and kernels
  await page.waitForSelector(`tr[data-trace="${TRACE}"]`, { timeout: 60_000 });
  await page.click(`tr[data-trace="${TRACE}"]`);
  await page.waitForFunction(`document.querySelector('#waterfall').textContent.includes('${TRACE}')`, { timeout: 20_000 });
  const wf = await page.$eval('#waterfall', (e) => e.textContent ?? '');
  for (const s of ['POST /v1/completions', 'prefill', 'decode', 'tokenized 812 tokens', 'kv cache 95% full', 'XID 79', 'GPU has fallen off the bus', 'util avg', 'cunn_SoftMaxForward', 'Memcpy DtoH']) assert.ok(wf.includes(s), `waterfall shows "${s}":\n${wf}`);
  const rows = await page.$$eval('#waterfall .wf-row', (rs) => rs.map((r) => r.getAttribute('data-span')));
  assert.ok(rows.includes(ROOT) && rows.includes(DECODE) && rows.includes(PREFILL));
  assert.equal((await page.$$('#waterfall .wf-bar.kernel')).length, 2, 'the kernel and the memcpy of the annotated step are drawn');
  assert.ok((await page.$$('#waterfall .wf-mark.xid')).length >= 1, 'the XID is marked on its span');
  assert.deepEqual(errors, [], 'no script errors');

  const shots = tempDir('atc-status-shots-');
  await page.screenshot({ path: join(shots, 'status-page.png'), fullPage: true });
  const wfBox = await page.$('#waterfall');
  await (await wfBox!.evaluateHandle((e) => e.parentElement!)).asElement()!.screenshot({ path: join(shots, 'fused-trace.png') });
  if (process.env['ATC_WRITE_SCREENSHOTS'] === '1') {
    const img = join(process.cwd(), 'docs', 'img');
    mkdirSync(img, { recursive: true });
    for (const f of ['status-page.png', 'fused-trace.png']) copyFileSync(join(shots, f), join(img, f));
  }
}
