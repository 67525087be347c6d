// The component registry is imported by every thread; the large SDKs must load only when a
// component that needs them starts. Checked in a fresh process: which SDK modules are in
// node's module cache (CommonJS) after importing the registry and parsing a config, and
// after starting a Kafka exporter.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../../../', import.meta.url));
const SDKS = ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'kafkajs', '@grpc/grpc-js'];

function loadedAfter(script: string): string[] {
  const probe = `
    import { createRequire } from 'node:module';
    ${script}
    const req = createRequire(import.meta.url);
    const loaded = Object.keys(req.cache).map((p) => p.replace(/\\\\/g, '/'));
    console.log(JSON.stringify(${JSON.stringify(SDKS)}.filter((s) => loaded.some((p) => p.includes('/node_modules/' + s + '/')))));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: DIST, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as string[];
}

test('importing the registry and the CLI commands, and parsing a config with every exporter, loads no SDK', () => {
  const loaded = loadedAfter(`
    await import('./components.js');
    for (const cmd of ['cat', 'run', 'validate', 'args']) await import('./src/cli/' + cmd + '.js');
    const { parseCollectorConfig } = await import('./src/config/collector-config.js');
    parseCollectorConfig({
      receivers: { otlp: { protocols: { http: {} } }, kafka: { brokers: ['127.0.0.1:1'] } },
      exporters: { s3: { region: 'us-east-1', bucket: 'traces-bucket' }, kafka: { brokers: ['127.0.0.1:1'] }, otlp: { endpoint: '127.0.0.1:1' } },
      service: { pipelines: { traces: { receivers: ['otlp', 'kafka'], exporters: ['s3', 'kafka', 'otlp'] } } },
    });
  `);
  assert.deepEqual(loaded, []);
});

test('starting a Kafka exporter loads kafkajs, and only it', () => {
  const loaded = loadedAfter(`
    const { exporterFactories } = await import('./components.js');
    const { default: pino } = await import('pino');
    const f = exporterFactories.get('kafka');
    const cfg = f.createDefaultConfig();
    const e = f.create({ ...cfg, brokers: ['127.0.0.1:1'] }, { id: 'kafka', logger: pino({ level: 'silent' }), metrics: { inc() {}, set() {}, observe() {} }, health: { setReady() {} } });
    await Promise.race([e.start().catch(() => {}), new Promise((r) => setTimeout(r, 300))]);
    await e.shutdown().catch(() => {});
  `);
  assert.deepEqual(loaded, ['kafkajs']);
});
