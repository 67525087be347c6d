// Env substitution, --set overrides, units and the embedded default config.
import '../../../components.js'; // registers the component factories
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCollectorConfig, parseCollectorConfig } from '../../../src/config/collector-config.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { loadRawConfig, parseRawConfig } from '../../../src/config/load.js';
import { parseBytes, parseDuration } from '../../../src/config/units.js';
import type { FileExporterConfig } from '../../../exporters/file/config.js';
import type { OtlpReceiverConfig } from '../../../receivers/otlp/config.js';

test('the embedded default config is valid and has the documented defaults', () => {
  const { raw, errors } = loadRawConfig('config/default.yaml', [], {});
  assert.ok(errors.empty, errors.toString());
  const cfg = parseCollectorConfig(raw);
  assert.equal((cfg.receivers.get('otlp')!.config as OtlpReceiverConfig).http!.endpoint, '127.0.0.1:4318');
  assert.equal((cfg.exporters.get('file')!.config as FileExporterConfig).directory, './data');
  assert.equal((cfg.exporters.get('file')!.config as FileExporterConfig).compression, 'zstd');
  assert.equal((cfg.exporters.get('file')!.config as FileExporterConfig).compressionLevel, 1);
  assert.equal(cfg.buffer.sizeBytes, 64 * 1024 * 1024);
  assert.equal(cfg.buffer.whenFull, 'block');
  assert.equal(cfg.buffer.flushIntervalMs, 50);
  assert.equal(cfg.buffer.maxBatchBytes, 4 * 1024 * 1024);
  assert.equal(cfg.telemetry.metricsEndpoint, '127.0.0.1:8888');
  assert.deepEqual(cfg.pipelines.map((p) => p.id), ['traces', 'logs', 'metrics']);
});

test('${env:NAME} and ${env:NAME:-default}, typed when the whole value is a reference', () => {
  const text = `
receivers: { otlp: { protocols: { http: { endpoint: "\${env:EP:-127.0.0.1:4318}", max_request_body_size: "\${env:MAX}" } } } }
exporters: { file: { directory: "/data/\${env:NODE}/x", fsync: "\${env:SYNC}", file_prefix: "$$\{env:LITERAL}" } }
service: { pipelines: { traces: { receivers: [otlp], exporters: [file] } } }
`;
  const { raw, errors } = parseRawConfig(text, [], { NODE: 'gpu-7', SYNC: 'false', MAX: '1048576' });
  assert.ok(errors.empty, errors.toString());
  const cfg = parseCollectorConfig(raw);
  const file = cfg.exporters.get('file')!.config as FileExporterConfig;
  assert.equal(file.directory, '/data/gpu-7/x');
  assert.equal(file.fsync, false);
  assert.equal(file.filePrefix, '${env:LITERAL}');
  const otlp = cfg.receivers.get('otlp')!.config as OtlpReceiverConfig;
  assert.equal(otlp.http!.endpoint, '127.0.0.1:4318');
  assert.equal(otlp.http!.maxRequestBodySize, 1048576);
});

test('--set overrides values, creates missing keys and indexes lists', () => {
  const { raw, errors } = loadRawConfig('config/default.yaml', ['exporters.file.directory=/tmp/x', 'buffer.when_full=drop_newest', 'service.pipelines.traces.exporters[0]=file', 'exporters.file.retry.enabled=false'], {});
  assert.ok(errors.empty, errors.toString());
  const cfg = parseCollectorConfig(raw);
  assert.equal((cfg.exporters.get('file')!.config as FileExporterConfig).directory, '/tmp/x');
  assert.equal((cfg.exporters.get('file')!.config as FileExporterConfig).retry.enabled, false);
  assert.equal(cfg.buffer.whenFull, 'drop_newest');
  const bad = loadRawConfig('config/default.yaml', ['nokeyvalue'], {});
  assert.match(bad.errors.toString(), /--set: --set expects key.path=value/);
});

test('every problem is reported at once', () => {
  const { raw } = parseRawConfig('receivers: { otlp: { protocols: { http: { endpoint: x } } }, bogus: {} }\nexporters: { file: { compression: nope } }\nservice: { pipelines: { traces: { receivers: [otlp], exporters: [file] } } }\n', [], {});
  const errors = new ConfigErrors();
  checkCollectorConfig(raw, errors);
  assert.equal(errors.list.length, 3, errors.toString());
});

test('durations and sizes', () => {
  assert.equal(parseDuration('50ms'), 50);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration(200), 200);
  assert.equal(parseDuration('5 s'), undefined);
  assert.equal(parseBytes('4MiB'), 4 * 1024 * 1024);
  assert.equal(parseBytes('64MB'), 64_000_000);
  assert.equal(parseBytes('512Ki'), 512 * 1024);
  assert.equal(parseBytes('1.5x'), undefined);
});

test('${NAME} shorthand as ${env:NAME}; unset without default, other providers and unterminated references are problems', () => {
  const text = `
receivers: { otlp: { protocols: { http: { endpoint: "\${EP}", max_request_body_size: "\${MAX:-2048}" } } } }
exporters: { file: { directory: "/d/\${NODE}/\${env:MISSING}", file_prefix: "\${file:/etc/x}", partition_format: "\${env:OPEN" } }
service: { pipelines: { traces: { receivers: [otlp], exporters: [file] } } }
`;
  const { raw, errors } = parseRawConfig(text, [], { EP: '127.0.0.1:9999', NODE: 'n1' });
  assert.deepEqual(errors.list.map((e) => `${e.path}: ${e.message}`), [
    'exporters.file.directory: environment variable MISSING is not set (write ${env:MISSING:-default} for a default)',
    'exporters.file.file_prefix: unsupported reference ${file:/etc/x} (use ${env:NAME}, ${NAME} or $$ for a literal $)',
    'exporters.file.partition_format: unterminated reference ${env:OPEN',
  ]);
  const http = ((raw['receivers'] as Record<string, { protocols: { http: Record<string, unknown> } }>)['otlp']!).protocols.http;
  assert.equal(http['endpoint'], '127.0.0.1:9999');
  assert.equal(http['max_request_body_size'], 2048);
});
