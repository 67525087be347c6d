// The shipped configs run as real processes on the inputs they name, with only paths and
// endpoints changed (env vars and --set, as an operator would):
//   agent (deploy/config/agent.yaml): a kubelet-style /var/log/pods tree (CRI lines with pino
//     trace context), the NVML stub as libnvidia-ml, a real scrape target (node-exporter) found
//     by pod annotation through a loopback Kubernetes API with a pod list, and OTLP/HTTP →
//     real Kafka;
//   gateway (deploy/config/gateway.yaml): that Kafka → fusion → real S3 (MinIO) and a trace
//     backend on OTLP/gRPC (a collector standing in for Tempo).
// Data from every input is found at the outputs; the agent on a GPU-less node is ready and,
// restarted on the same state directory, resumes the pod logs from its checkpoints.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from '../../src/kafka/kafkajs.js';
import { decodeObject } from '../../src/cli/cat.js';
import { decodeRequest, type JsonObject } from '../../src/otlp/index.js';
import { signalFromKey } from '../../src/storage/object-key.js';
import { readS3Objects } from '../../src/storage/s3-reader.js';
import { spawnCollector, type RunningCollector } from '../harness/cli-process.js';
import { attrs, readStored, startCollector, storedSpans, tempDir, type StoredRequest, type TestCollector } from '../harness/collector.js';
import { consumeTopics, type ReadMessage } from '../harness/kafka-readers.js';
import { startKafka, type KafkaServer } from '../harness/kafka.js';
import { startMinio, type MinioServer } from '../harness/minio.js';
import { startNodeExporter, type NodeExporter } from '../harness/node-exporter.js';
import { buildNvmlStub, writeScenario, type StubDevice } from '../harness/nvml-stub/build.js';
import { linesWithDuplicateKeys } from './log-lines.js';

const NODE = 'gpu-node-17';
const GPU: StubDevice = { uuid: 'GPU-6b7e4a5c-2f1d-4e3a-9b8c-0d1e2f3a4b5c', name: 'NVIDIA H100 80GB HBM3', utilization: [87, 45], memory: { total: 85_899_345_920, free: 1_073_741_824, used: 84_825_604_096 }, temperature: 64, powerMw: 312_500 };
const TRACE = '5b8efff798038103d269b633813fc60c';
const ROOT = 'eee19b7ec3c1b174';
const POD_DIR = 'inference_llm-server-6f7d9c-abcde_7c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f';
const OWN_DIR = 'observability_ai-trace-collector-agent-x2x9q_0e5f2c1d-aaaa-bbbb-cccc-000000000009';

let kafka: KafkaServer | undefined;
let minio: MinioServer | undefined;
let nodeExporter: NodeExporter | undefined;
let api: Server | undefined;
const processes: RunningCollector[] = [];
let tempo: TestCollector | undefined;

before(async () => {
  [kafka, minio, nodeExporter] = await Promise.all([startKafka({ partitions: 2 }), startMinio(), startNodeExporter()]);
  await minio.createBucket('traces');
  // for reading the bucket back from this process
  process.env['AWS_ACCESS_KEY_ID'] = minio.accessKey;
  process.env['AWS_SECRET_ACCESS_KEY'] = minio.secretKey;
  process.env['AWS_REGION'] = minio.region;
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
  // the topics the agent writes and the gateway reads, as a cluster would have them
  const admin = new Kafka({ clientId: 'atc-test-admin', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: ['otlp_spans', 'otlp_logs', 'otlp_metrics'].map((topic) => ({ topic, numPartitions: 2 })), waitForLeaders: true });
  await admin.disconnect();
}, { timeout: 240_000 });

after(async () => {
  for (const p of processes) {
    p.child.kill('SIGTERM');
    await p.exited;
  }
  await tempo?.shutdown().catch(() => {});
  api?.close();
  await nodeExporter?.stop();
  await kafka?.close();
  await minio?.close();
});

/** A Kubernetes API answering the pod list: node-exporter annotated for scraping on our node. */
async function kubernetesApi(tokenFile: string): Promise<string> {
  writeFileSync(tokenFile, 'agent-sa-token\n');
  const pod = (name: string, node: string, port: number) => ({
    metadata: { name, namespace: 'monitoring', uid: `uid-${name}`, labels: { app: 'node-exporter' }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' } },
    spec: { nodeName: node, containers: [{ name: 'node-exporter', ports: [{ containerPort: 9100 }] }] },
    status: { phase: 'Running', podIP: '127.0.0.1', hostIP: '127.0.0.1' },
  });
  const items = [pod('node-exporter-abcde', NODE, nodeExporter!.port), pod('node-exporter-other', 'gpu-node-03', 1)];
  api = createServer((req, res) => {
    if (req.headers.authorization !== 'Bearer agent-sa-token') return void res.writeHead(401).end();
    const u = new URL(req.url!, 'http://x');
    const node = /^spec\.nodeName=(.+)$/.exec(u.searchParams.get('fieldSelector') ?? '')?.[1];
    if (u.pathname !== '/api/v1/pods' || !node) return void res.writeHead(400).end('the agent must ask for its node only');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items: items.filter((p) => p.spec.nodeName === node) }));
  });
  await new Promise<void>((r) => api!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
}

const cri = (msg: Record<string, unknown>): string => `${new Date().toISOString().replace('Z', '123456Z')} stdout F ${JSON.stringify({ level: 30, time: Date.now(), pid: 7, hostname: 'llm-server-6f7d9c-abcde', ...msg })}\n`;

interface Decoded {
  spans: { resource: JsonObject; span: JsonObject }[];
  logs: { resource: JsonObject; record: JsonObject }[];
  metrics: { resource: JsonObject; metric: JsonObject }[];
}

function decodeTopics(messages: readonly ReadMessage[]): Decoded {
  const out: Decoded = { spans: [], logs: [], metrics: [] };
  type J = JsonObject & Record<string, JsonObject[]>;
  for (const m of messages) {
    if (m.topic === 'otlp_spans') for (const rs of (decodeRequest('traces', m.value)['resourceSpans'] ?? []) as J[]) for (const ss of rs['scopeSpans'] ?? []) for (const s of (ss as J)['spans'] ?? []) out.spans.push({ resource: rs['resource'] as unknown as JsonObject, span: s });
    if (m.topic === 'otlp_logs') for (const rl of (decodeRequest('logs', m.value)['resourceLogs'] ?? []) as J[]) for (const sl of rl['scopeLogs'] ?? []) for (const r of (sl as J)['logRecords'] ?? []) out.logs.push({ resource: rl['resource'] as unknown as JsonObject, record: r });
    if (m.topic === 'otlp_metrics') for (const rm of (decodeRequest('metrics', m.value)['resourceMetrics'] ?? []) as J[]) for (const sm of rm['scopeMetrics'] ?? []) for (const x of (sm as J)['metrics'] ?? []) out.metrics.push({ resource: rm['resource'] as unknown as JsonObject, metric: x });
  }
  return out;
}

const body = (r: JsonObject): string => String((r['body'] as { stringValue?: string } | undefined)?.stringValue ?? '');
const pointsOf = (m: JsonObject): JsonObject[] => ((m['gauge'] ?? m['sum'] ?? { dataPoints: [] }) as { dataPoints: JsonObject[] }).dataPoints;

test('agent and gateway configs, as shipped, carry every input to Kafka, S3 and the trace backend', { timeout: 420_000 }, async () => {
  const dir = tempDir('atc-shipped-');
  const pods = join(dir, 'var-log-pods');
  const state = join(dir, 'state');
  mkdirSync(join(pods, POD_DIR, 'server'), { recursive: true });
  mkdirSync(join(pods, OWN_DIR, 'agent'), { recursive: true });
  const podLog = join(pods, POD_DIR, 'server', '0.log');
  writeFileSync(podLog, cri({ msg: 'written before the agent started' })); // start_at: end skips it
  const scenario = join(dir, 'nvml.txt');
  writeScenario(scenario, { driverVersion: '550.54.15', devices: [GPU] });
  const tokenFile = join(dir, 'token');
  const apiUrl = await kubernetesApi(tokenFile);
  const env = {
    NODE_NAME: NODE,
    ATC_KAFKA_BROKERS: kafka!.brokers[0]!,
    ATC_STATE_DIR: state,
    ATC_POD_LOGS_DIR: pods,
    ATC_OTLP_HTTP_ENDPOINT: '127.0.0.1:0',
    ATC_OTLP_GRPC_ENDPOINT: '127.0.0.1:0',
    ATC_TELEMETRY_ENDPOINT: '127.0.0.1:0',
    ATC_GPU_INTERVAL: '200ms',
    NVML_STUB_SCENARIO: scenario,
  };
  const sd = 'receivers.prometheus.config.scrape_configs[0]';
  const agentSets = ['--set', `${sd}.scrape_interval=500ms`, '--set', `${sd}.kubernetes_sd_configs[0].api_server=${apiUrl}`, '--set', `${sd}.kubernetes_sd_configs[0].bearer_token_file=${tokenFile}`];
  const agent = await spawnCollector(['--config', 'deploy/config/agent.yaml', '--set', `receivers.nvml.library_path=${buildNvmlStub()}`, ...agentSets], env);
  processes.push(agent);
  assert.equal((await fetch(`${agent.telemetryUrl}/readyz`)).status, 200, 'the agent is ready with its GPU');

  // a request: its pod log line (pino with trace context), an XID while it runs, then its span
  const t0 = BigInt(Date.now()) * 1_000_000n;
  appendFileSync(podLog, cri({ msg: 'tokenized 812 tokens', trace_id: TRACE, span_id: ROOT, trace_flags: '01' }));
  appendFileSync(join(pods, OWN_DIR, 'agent', '0.log'), cri({ msg: 'the agent itself' })); // excluded
  writeScenario(scenario, { driverVersion: '550.54.15', devices: [GPU], events: [{ id: 1, device: 0, type: 'xid', data: 79 }] });
  await new Promise((r) => setTimeout(r, 1500));
  const t1 = BigInt(Date.now()) * 1_000_000n;
  const spans = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'llm-server' } }, { key: 'gpu.uuid', value: { stringValue: GPU.uuid } }] }, scopeSpans: [{ spans: [{ traceId: TRACE, spanId: ROOT, name: 'POST /v1/completions', kind: 2, startTimeUnixNano: String(t0), endTimeUnixNano: String(t1) }] }] }] };
  const r = await fetch(`${agent.otlpUrl}/v1/traces`, { method: 'POST', body: JSON.stringify(spans), headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 200, await r.text());

  // the agent's outputs, read back from Kafka
  const has = (d: Decoded): Record<string, boolean> => ({
    otlpSpan: d.spans.some((s) => s.span['name'] === 'POST /v1/completions'),
    podLog: d.logs.some((l) => body(l.record) === 'tokenized 812 tokens'),
    xid: d.logs.some((l) => attrs(l.record['attributes'])['gpu.xid'] !== undefined),
    gpuMetric: d.metrics.some((m) => m.metric['name'] === 'hw.gpu.utilization'),
    scraped: d.metrics.some((m) => String(m.metric['name']).startsWith('node_') && pointsOf(m.metric).some((p) => attrs(p['attributes'])['pod'] === 'node-exporter-abcde')),
  });
  const read = await consumeTopics(kafka!.brokers, ['otlp_spans', 'otlp_logs', 'otlp_metrics'], { timeoutMs: 90_000, until: (ms) => Object.values(has(decodeTopics(ms))).every(Boolean) });
  const d = decodeTopics(read);
  assert.deepEqual(has(d), { otlpSpan: true, podLog: true, xid: true, gpuMetric: true, scraped: true }, agent.logs().slice(-3000));
  const line = d.logs.find((l) => body(l.record) === 'tokenized 812 tokens')!;
  assert.equal(line.record['traceId'], TRACE);
  assert.equal(line.record['spanId'], ROOT);
  assert.equal(attrs(line.resource['attributes'])['k8s.pod.name'], 'llm-server-6f7d9c-abcde');
  assert.equal(attrs(line.resource['attributes'])['k8s.namespace.name'], 'inference');
  assert.ok(!d.logs.some((l) => ['written before the agent started', 'the agent itself'].includes(body(l.record))), 'start_at: end and the exclude hold');
  const gpuPoint = pointsOf(d.metrics.find((m) => m.metric['name'] === 'hw.gpu.utilization')!.metric)[0]!;
  assert.equal(attrs(gpuPoint['attributes'])['gpu.uuid'], GPU.uuid);
  assert.ok(!d.metrics.some((m) => pointsOf(m.metric).some((p) => attrs(p['attributes'])['pod'] === 'node-exporter-other')), 'only this node’s pods are scraped');

  // the gateway: Kafka → fusion → S3 and the trace backend
  tempo = await startCollector({
    yaml: (dataDir) => `
receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:0 } } } }
exporters: { file: { directory: ${dataDir}, fsync: false, compression: none } }
service:
  telemetry: { metrics: { endpoint: 127.0.0.1:0 }, logs: { level: silent } }
  pipelines: { traces: { receivers: [otlp], exporters: [file] } }
`,
  });
  const grpcPort = (tempo.service.receivers.get('otlp') as unknown as { grpcAddress(): AddressInfo }).grpcAddress().port;
  const gateway = await spawnCollector(['--config', 'deploy/config/gateway.yaml'], {
    ATC_KAFKA_BROKERS: kafka!.brokers[0]!,
    ATC_KAFKA_GROUP: 'shipped-config-gateway',
    ATC_S3_ENDPOINT: minio!.endpoint,
    ATC_S3_BUCKET: 'traces',
    ATC_TRACE_BACKEND: `127.0.0.1:${grpcPort}`,
    ATC_STATE_DIR: join(dir, 'gateway-state'),
    ATC_OTLP_HTTP_ENDPOINT: '127.0.0.1:0',
    ATC_TELEMETRY_ENDPOINT: '127.0.0.1:0',
    ATC_PROMETHEUS_ENDPOINT: '127.0.0.1:0',
    AWS_ACCESS_KEY_ID: minio!.accessKey,
    AWS_SECRET_ACCESS_KEY: minio!.secretKey,
    AWS_REGION: minio!.region,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  processes.push(gateway);
  const fusedSpan = (spansIn: { span: JsonObject }[]): JsonObject | undefined => spansIn.map((s) => s.span).find((s) => s['traceId'] === TRACE && s['name'] === 'POST /v1/completions' && ((s['events'] ?? []) as unknown[]).length >= 2);
  let inS3: JsonObject | undefined;
  let inTempo: JsonObject | undefined;
  for (let i = 0; i < 120 && !(inS3 && inTempo); i++) {
    await new Promise((res) => setTimeout(res, 1000));
    const stored: StoredRequest[] = [];
    for await (const o of readS3Objects('s3://traces/otlp/', { endpoint: minio!.endpoint })) {
      const signal = signalFromKey(o.key);
      if (signal === 'traces') stored.push({ file: o.key, signal, json: JSON.parse(decodeObject(o.key, o.body)) as JsonObject });
    }
    inS3 = fusedSpan(storedSpans(stored));
    inTempo = fusedSpan(storedSpans(readStored(tempo.dataDir)));
  }
  assert.ok(inS3, `the fused trace reached S3\n${gateway.logs().slice(-3000)}`);
  assert.ok(inTempo, 'the fused trace reached the trace backend');
  for (const s of [inS3, inTempo]) {
    const events = s['events'] as { name: string; attributes: unknown }[];
    assert.ok(events.some((e) => e.name === 'log' && attrs(e.attributes)['log.body'] === 'tokenized 812 tokens'), 'the pod log line is a span event');
    assert.ok(events.some((e) => e.name === 'gpu.xid' && String(attrs(e.attributes)['gpu.xid']) === '79'), 'the XID is a span event');
    const a = attrs(s['attributes']);
    assert.equal(a['gpu.uuid'], GPU.uuid);
    assert.equal(a['gpu.utilization.max'], 87, 'the NVML samples summarized on the span');
  }
  // metrics and logs are in the bucket too
  const keys: string[] = [];
  for await (const o of readS3Objects('s3://traces/otlp/', { endpoint: minio!.endpoint })) keys.push(o.key);
  assert.ok(keys.some((k) => signalFromKey(k) === 'logs') && keys.some((k) => signalFromKey(k) === 'metrics'), keys.join('\n'));

  // a GPU-less node: the same config runs and is ready; the restarted agent resumes the pod
  // logs from its checkpoints (nothing read twice, the new line read once)
  agent.child.kill('SIGTERM');
  assert.equal(await agent.exited, 0, agent.logs().slice(-2000));
  const noGpu = await spawnCollector(['--config', 'deploy/config/agent.yaml', '--set', `receivers.nvml.library_path=${join(dir, 'no-driver', 'libnvidia-ml.so.1')}`, ...agentSets], env);
  processes.push(noGpu);
  const ready = await fetch(`${noGpu.telemetryUrl}/readyz`);
  const readyBody = (await ready.json()) as { components: Record<string, { ready: boolean; reason?: string }> };
  assert.equal(ready.status, 200, JSON.stringify(readyBody));
  assert.match(String(readyBody.components['receiver/nvml']?.reason), /no-driver/);
  appendFileSync(podLog, cri({ msg: 'after the restart' }));
  await consumeTopics(kafka!.brokers, ['otlp_logs'], { timeoutMs: 60_000, until: (ms) => decodeTopics(ms).logs.some((l) => body(l.record) === 'after the restart') });
  // then every message of the topic, up to its end offsets
  const admin = new Kafka({ clientId: 'atc-test-admin', brokers: kafka!.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets('otlp_logs')).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  await admin.disconnect();
  const again = await consumeTopics(kafka!.brokers, ['otlp_logs'], { timeoutMs: 60_000, until: (ms) => ms.length >= total });
  assert.equal(again.length, total);
  const bodies = decodeTopics(again).logs.map((l) => body(l.record));
  assert.equal(bodies.filter((b) => b === 'after the restart').length, 1);
  assert.equal(bodies.filter((b) => b === 'tokenized 812 tokens').length, 1, 'not read again after the restart');
  noGpu.child.kill('SIGTERM');
  gateway.child.kill('SIGTERM');
  assert.equal(await noGpu.exited, 0);
  assert.equal(await gateway.exited, 0, gateway.logs().slice(-2000));

  // operator polish: no log line of either process repeats a key (pino child bindings + fields)
  const all = agent.logs() + noGpu.logs() + gateway.logs();
  assert.deepEqual(linesWithDuplicateKeys(all), []);
  assert.ok(all.split('\n').some((l) => l.includes('"exporter":')), 'lines with an exporter key were checked');
});

test('the duplicate-key check sees top-level repeats only', async () => {
  const { duplicateTopLevelKeys } = await import('./log-lines.js');
  assert.deepEqual(duplicateTopLevelKeys('{"level":50,"exporter":"s3","err":{"exporter":"x"},"msg":"a\\"exporter\\"","exporter":"s3"}'), ['exporter']);
  assert.deepEqual(duplicateTopLevelKeys('{"level":30,"receiver":"otlp","list":["receiver","receiver"]}'), []);
});
