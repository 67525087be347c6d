// Agent collector → OTLP/HTTP → gateway collector → file, both real collectors in-process.
// First a steady stream with exact counts; then the gateway goes away mid-stream and comes
// back on the same port: the agent spills while it is away and replays when it returns.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { readStored, startCollector, storedLogRecords, type TestCollector } from '../../harness/collector.js';
import { freePort } from '../../harness/kafka.js';
import { reportDelivery, startLoad } from '../../harness/load.js';

const running = new Set<TestCollector>();
after(async () => {
  for (const c of running) await c.shutdown().catch(() => {});
});

async function start(yaml: (dataDir: string) => string): Promise<TestCollector> {
  const c = await startCollector({ yaml });
  running.add(c);
  return c;
}

async function stop(c: TestCollector): Promise<void> {
  await c.shutdown();
  running.delete(c);
}

const gatewayYaml = (port: number) => (dataDir: string) => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:${port} } } } }
exporters: { file: { directory: ${dataDir}, fsync: false } }
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
    logs: { receivers: [otlp], exporters: [file] }
`;

const agentYaml = (gatewayPort: number, compression: string) => (dataDir: string) => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${gatewayPort}
    compression: ${compression}
    timeout: 2s
    retry: { initial_interval: 200ms, max_interval: 1s, max_elapsed_time: 0 }
spill: { directory: ${dataDir}.spill }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines:
    logs: { receivers: [otlp], exporters: [otlphttp] }
`;

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const bodiesIn = (dirs: string[]): string[] =>
  dirs.flatMap((d) => storedLogRecords(readStored(d)).map((l) => (l.record['body'] as { stringValue: string }).stringValue));

test('agent → OTLP/HTTP (zstd) → gateway → file: exact counts', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const gateway = await start(gatewayYaml(port));
  const agent = await start(agentYaml(port, 'zstd'));
  const load = startLoad(() => agent.otlpUrl, { workers: 2, perRequest: 25, maxRequests: 40 });
  const stats = await load.done;
  assert.equal(stats.acked.size, 2 * 25 * 40);
  await stop(agent); // drains the ring and delivers every batch
  await stop(gateway);
  const { lost, duplicated } = reportDelivery('collector to collector', stats, bodiesIn([gateway.dataDir]));
  assert.equal(lost, 0);
  assert.equal(duplicated, 0);
});

test('gateway away for 5 s mid-stream: the agent spills and replays, nothing lost', { timeout: 90_000 }, async () => {
  const port = await freePort();
  let gateway = await start(gatewayYaml(port));
  const dirs = [gateway.dataDir];
  const agent = await start(agentYaml(port, 'gzip'));
  const load = startLoad(() => agent.otlpUrl, { workers: 2, perRequest: 20, pauseMs: 20 });
  await new Promise((r) => setTimeout(r, 1500));
  await stop(gateway);
  await new Promise((r) => setTimeout(r, 5000));
  const spilled = await agent.service.metrics.value('atc_spill_enqueued_batches_total');
  assert.ok(spilled > 0, 'the agent spilled nothing while the gateway was away');
  gateway = await start(gatewayYaml(port));
  dirs.push(gateway.dataDir);
  await new Promise((r) => setTimeout(r, 1500));
  const stats = await load.stop();
  await waitFor(async () => (await agent.service.metrics.value('atc_spill_queue_batches')) === 0, 30_000, 'the spill queue to drain');
  await stop(agent);
  await stop(gateway);
  console.log(`# gateway outage: ${spilled} batches spilled at the agent`);
  const { lost } = reportDelivery('gateway outage (otlphttp)', stats, bodiesIn(dirs));
  assert.equal(lost, 0);
  assert.deepEqual(Object.keys(stats.statuses), ['200'], `the agent refused clients during the outage: ${JSON.stringify(stats.statuses)}`);
});
