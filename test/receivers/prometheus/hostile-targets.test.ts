/* eslint-disable @typescript-eslint/no-explicit-any -- the test walks decoded OTLP/JSON of known shape */
// Issue 15, item 1: a scrape target serving a histogram bucket or count of NaN, +Inf or 1e400
// (or a summary count of NaN) used to reach BigInt() and exit the process. Against the real
// process: it keeps running, the bad points are skipped and counted, the good points of the
// same target and of a neighbour target arrive intact.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnCollector, type RunningCollector } from '../../harness/cli-process.js';
import { readStored, tempDir } from '../../harness/collector.js';

// the smallest input from the issue, verbatim
const ISSUE_INPUT = '# TYPE h histogram\nh_bucket{le="1"} NaN\nh_bucket{le="+Inf"} 5\nh_sum 1\nh_count 5\n';
const OTHERS = [
  '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} +Inf\nh_sum 1\nh_count +Inf\n',
  '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1e400\nh_sum 1\nh_count 1e400\n',
  '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count NaN\nh_count{x="neg"} -1\nh_bucket{x="neg",le="+Inf"} -1\n',
  '# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 1\ns_count NaN\n',
];
// a good histogram next to the bad one on the same target: 3 in (-inf,1], 4 in (1,2], 1 above
const GOOD = '# TYPE ok histogram\nok_bucket{le="1"} 3\nok_bucket{le="2"} 7\nok_bucket{le="+Inf"} 8\nok_sum 9.5\nok_count 8\n';

const servers: Server[] = [];
let collector: RunningCollector | undefined;
after(async () => {
  collector?.child.kill('SIGKILL');
  for (const s of servers) s.close();
});

async function serve(body: string): Promise<number> {
  const s = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

test('NaN/±Inf/1e400 histogram and summary counts: process stays up, points skipped and counted', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const ports = [await serve(ISSUE_INPUT + GOOD), ...(await Promise.all(OTHERS.map((b) => serve(b))))];
  const cfg = join(dir, 'config.yaml');
  writeFileSync(
    cfg,
    `receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: hostile
          scrape_interval: 300ms
          scrape_timeout: 300ms
          static_configs: [{ targets: [${ports.map((p) => `"127.0.0.1:${p}"`).join(', ')}] }]
exporters:
  file: { directory: ${dir}/data, fsync: false }
buffer: { flush_interval: 50ms }
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: info } }
  pipelines:
    metrics: { receivers: [prometheus], exporters: [file] }
`,
  );
  collector = await spawnCollector(['--config', cfg]);
  let exitCode: number | null | undefined;
  void collector.exited.then((c) => (exitCode = c));
  // several scrapes of every target
  let refused = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < 20_000) {
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(exitCode, undefined, `collector exited:\n${collector.logs()}`);
    const text = await (await fetch(`${collector.telemetryUrl}/metrics`)).text();
    const m = /atc_receiver_refused_metric_points_total\{[^}]*reason="invalid_count"[^}]*\} (\d+)/.exec(text);
    refused = m ? Number(m[1]) : 0;
    // each scrape round skips 1 + 1 + 1 + 2 + 1 points; wait for at least three rounds
    if (refused >= 18) break;
  }
  assert.ok(refused >= 18, `invalid_count refusals: ${refused}\n${collector.logs()}`);
  collector.child.kill('SIGTERM');
  assert.equal(await collector.exited, 0, collector.logs());
  // logged when a target's problem changes, not once per scrape: with no failed scrape between
  // two skips the second is silent
  const lines = collector.logs().split('\n');
  const skips = lines.filter((l) => l.includes('points skipped')).length;
  const failures = lines.filter((l) => l.includes('"scrape failed"')).length;
  assert.ok(skips >= ports.length && skips <= ports.length + failures, `skip warnings ${skips}, failed scrapes ${failures}`);

  const hist: any[] = [];
  const ups: number[] = [];
  for (const s of readStored(join(dir, 'data')))
    for (const rm of (s.json['resourceMetrics'] as any[]) ?? [])
      for (const sm of rm.scopeMetrics ?? [])
        for (const m of sm.metrics ?? []) {
          if (m.histogram) hist.push({ name: m.name, points: m.histogram.dataPoints ?? [] });
          if (m.summary) assert.deepEqual(m.summary.dataPoints ?? [], [], 'the NaN-count summary point is skipped');
          if (m.name === 'up') ups.push(m.gauge.dataPoints[0].asDouble as number);
        }
  assert.ok(ups.length >= ports.length * 3, `up points: ${ups.length}`);
  // a bad point is not a failed scrape (a loaded machine may time out the odd scrape)
  assert.ok(ups.filter((u) => u === 1).length >= ports.length * 2, `up values: ${ups.join(',')}`);
  for (const h of hist.filter((x) => x.name === 'h')) assert.deepEqual(h.points, [], 'bad histogram points are skipped');
  const ok = hist.filter((x) => x.name === 'ok');
  assert.ok(ok.length >= 3);
  for (const h of ok) {
    assert.equal(h.points.length, 1);
    const p = h.points[0];
    assert.equal(String(p.count), '8');
    assert.deepEqual(p.bucketCounts.map(String), ['3', '4', '1']);
    assert.deepEqual(p.explicitBounds, [1, 2]);
    assert.equal(p.sum, 9.5);
  }
});

test('scrape_memory_budget: slow, large targets together cannot hold more than the budget', { timeout: 60_000 }, async () => {
  const { startCollector } = await import('../../harness/collector.js');
  const chunk = `# ${'x'.repeat(1000)}\n`.repeat(600); // ~600 KB of comments
  const slow = async (): Promise<number> => {
    const s = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.write(chunk);
      setTimeout(() => res.end('up_metric 1\n'), 1500); // holds its bytes in the collector 1.5 s
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as AddressInfo).port;
  };
  const ports = [await slow(), await slow(), await slow()];
  const c = await startCollector({
    yaml: (dataDir) => `
receivers:
  prometheus:
    scrape_memory_budget: 1MiB
    config:
      scrape_configs:
        - job_name: big
          scrape_interval: 2s
          scrape_timeout: 2s
          static_configs: [{ targets: [${ports.map((p) => `"127.0.0.1:${p}"`).join(', ')}] }]
exporters:
  file: { directory: ${dataDir}, fsync: false }
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines: { metrics: { receivers: [prometheus], exporters: [file] } }
`,
  });
  try {
    const r = c.service.receivers.get('prometheus') as unknown as { scrapeMemoryInUse(): number; targets(): { lastError: string }[] };
    let peak = 0;
    let refused = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 15_000 && refused === 0) {
      peak = Math.max(peak, r.scrapeMemoryInUse());
      const text = await (await fetch(`${c.telemetryUrl}/metrics`)).text();
      refused = Number(/atc_receiver_refused_sources_total\{[^}]*reason="memory_budget"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
      await new Promise((res) => setTimeout(res, 20));
    }
    // three targets holding ~600 KB each for 1.5 s of every 2 s overlap: one must be refused
    assert.ok(refused > 0, `no scrape refused; peak ${peak} bytes`);
    assert.ok(peak <= 1024 * 1024, `peak ${peak} bytes above the budget`);
  } finally {
    await c.shutdown();
  }
  const r = c.service.receivers.get('prometheus') as unknown as { scrapeMemoryInUse(): number };
  assert.equal(r.scrapeMemoryInUse(), 0, 'every reservation is released');
});
