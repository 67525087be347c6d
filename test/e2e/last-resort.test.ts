// Issue 15, isolation: the process-wide uncaughtException/unhandledRejection handler is a last
// resort that logs and exits cleanly (exit 70 after an orderly shutdown that still delivers
// what was accepted), and no receiver relies on it: hostile items sent to every receiver at
// once (OTLP/HTTP, OTLP/gRPC, a Prometheus target, log files) are refused or skipped one by
// one while the process stays up and the last resort never fires.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { encodeRequest } from '../../src/otlp/index.js';
import { spawnCollector } from '../harness/cli-process.js';
import { readStored, storedSpans, tempDir } from '../harness/collector.js';
import { exportRaw, rawClient } from '../receivers/otlp/grpc-helpers.js';

const LAST_RESORT = 'uncaught error reached the last resort';
const spans = (name: string, n: number): Uint8Array =>
  encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: n }, (_, i) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: `${name}-${i}` })) }] }] });

function otlpConfig(dir: string, extraReceivers = '', extraPipelines = ''): string {
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" }, grpc: { endpoint: "127.0.0.1:0" } } }
${extraReceivers}
exporters:
  file: { directory: ${dir}/out, fsync: false }
buffer: { flush_interval: 50ms }
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: info } }
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
${extraPipelines}
`,
  );
  return file;
}

const servers: Server[] = [];
const children: { kill(sig: NodeJS.Signals): boolean }[] = [];
after(() => {
  for (const s of servers) s.close();
  for (const c of children) c.kill('SIGKILL');
});

test('the last resort logs the error with its stack, delivers what was accepted and exits 70', { timeout: 60_000 }, async () => {
  const dir = tempDir('atc-last-resort-');
  // a failure nothing catches, thrown on demand from a signal handler
  const inject = join(dir, 'inject.mjs');
  writeFileSync(inject, "process.on('SIGUSR2', () => { throw new Error('injected failure for the last-resort test'); });\n");
  const c = await spawnCollector(['--config', otlpConfig(dir)], { NODE_OPTIONS: `--import=${inject}` });
  const r = await fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body: spans('before-crash', 10), headers: { 'content-type': 'application/x-protobuf' } });
  assert.equal(r.status, 200);
  c.child.kill('SIGUSR2');
  assert.equal(await c.exited, 70, c.logs());
  const fatal = c.logs().split('\n').filter((l) => l.includes(LAST_RESORT));
  assert.equal(fatal.length, 1, c.logs());
  assert.match(fatal[0]!, /injected failure for the last-resort test/);
  assert.match(fatal[0]!, /"stack":"Error: injected failure/);
  const names = storedSpans(readStored(join(dir, 'out'))).map((s) => s.span['name']);
  assert.equal(names.length, 10, 'the orderly shutdown delivered the accepted spans');
});

test('no receiver relies on the last resort: hostile items everywhere, the process stays up', { timeout: 90_000 }, async () => {
  const dir = tempDir('atc-isolation-');
  const target = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE h histogram\nh_bucket{le="1"} NaN\nh_bucket{le="+Inf"} 5\nh_sum 1\nh_count 5\n'));
  servers.push(target);
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  writeFileSync(join(logs, 'app.log'), '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) + '\n{"msg":"fine"}\n');
  symlinkSync(join(logs, 'loop.log'), join(logs, 'loop.log'));
  const cfg = otlpConfig(
    dir,
    `  prometheus: { config: { scrape_configs: [{ job_name: t, scrape_interval: 200ms, static_configs: [{ targets: ["127.0.0.1:${(target.address() as AddressInfo).port}"] }] }] } }
  filelog: { include: ["${logs}/*.log"], start_at: beginning, format: raw, poll_interval: 50ms }`,
    `    metrics: { receivers: [prometheus], exporters: [file] }
    logs: { receivers: [filelog, otlp], exporters: [file] }`,
  );
  const c = await spawnCollector(['--config', cfg]);
  children.push(c.child);
  let exitCode: number | null | undefined;
  void c.exited.then((code) => (exitCode = code));
  const good = spans('honest', 5);
  const hostileProto = [
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 11-byte varint tag
    Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // length past the end
    Buffer.from(good).subarray(0, good.length - 3), // truncated
    Buffer.from([0x80, 0x80, 0x80, 0x80, 0x10, 0x00]), // field number 2^29 (varint), one above the protobuf limit
    Buffer.from([0x0b, 0x0c]), // an empty group where a message must be
  ];
  const hostileJson = ['{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x","startTimeUnixNano":1e400}]}]}]}', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x","attributes":[{"key":"k","value":{"doubleValue":1e400}}]}]}]}]}', '['.repeat(200_000) + ']'.repeat(200_000), '{"resourceSpans":' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) + '}', '{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"stringValue":"a","intValue":"1"}}]}}]}'];
  const grpc = rawClient('traces', c.grpcPort!);
  for (let round = 0; round < 3; round++) {
    for (const body of hostileProto) {
      const r = await fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
      await r.arrayBuffer();
      assert.ok(r.status >= 400 && r.status < 500, `hostile protobuf answered ${r.status}`);
    }
    for (const body of hostileJson) {
      const r = await fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      await r.arrayBuffer();
      assert.notEqual(r.status, 200, `hostile JSON answered 200: ${body.slice(0, 80)}`);
    }
    for (const body of hostileProto) {
      const g = await exportRaw(grpc, body);
      assert.equal(g.err?.code, Status.INVALID_ARGUMENT, `hostile protobuf over gRPC: ${g.err?.message ?? 'OK'}`);
    }
    const r = await fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body: spans(`honest-${round}`, 5), headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(r.status, 200);
  }
  grpc.close();
  await new Promise((r) => setTimeout(r, 1000)); // a few scrapes and polls
  assert.equal(exitCode, undefined, `the collector exited:\n${c.logs()}`);
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.logs());
  assert.ok(!c.logs().includes(LAST_RESORT), c.logs());
  const names = new Set(storedSpans(readStored(join(dir, 'out'))).map((s) => s.span['name']));
  for (let round = 0; round < 3; round++) for (let i = 0; i < 5; i++) assert.ok(names.has(`honest-${round}-${i}`));
});
