// exporters.kafka config: defaults, every key, and one testdata file per bad case. Each bad
// file names the errors it must produce in `# error:` comments, exactly as reported.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ConfigErrors } from '../../../src/config/errors.js';
import { createDefaultConfig, parseConfig } from '../../../exporters/kafka/config.js';
import { kafkaExporterFactory } from '../../../exporters/kafka/index.js';
import { exporterFactories } from '../../../components.js';

// Tests run from dist/; the testdata stays in the source tree.
const TESTDATA = new URL('../../../../test/exporters/kafka/testdata/', import.meta.url);

function load(name: string): { raw: unknown; expected: string[] } {
  const text = readFileSync(new URL(name, TESTDATA), 'utf8');
  const expected = [...text.matchAll(/^# error: (.*)$/gm)].map((m) => m[1]!);
  return { raw: parse(text) as unknown, expected };
}

test('defaults match the Collector kafkaexporter where it has the setting', () => {
  const d = createDefaultConfig();
  assert.deepEqual(d.brokers, ['localhost:9092']);
  assert.deepEqual(d.traces, { topic: 'otlp_spans', encoding: 'otlp_proto' });
  assert.deepEqual(d.logs, { topic: 'otlp_logs', encoding: 'otlp_proto' });
  assert.deepEqual(d.metrics, { topic: 'otlp_metrics', encoding: 'otlp_proto' });
  assert.equal(d.maxMessageBytes, 1_000_000);
  assert.equal(d.compression, 'zstd');
  assert.equal(d.requiredAcks, -1);
  assert.equal(d.partitionTracesById, false);
  assert.equal(d.tls, undefined);
  assert.equal(d.sasl, undefined);
  const errors = new ConfigErrors();
  assert.deepEqual(parseConfig(undefined, 'exporters.kafka', errors), d);
  assert.ok(errors.empty);
});

test('the factory is registered as `kafka`', () => {
  assert.equal(exporterFactories.get('kafka'), kafkaExporterFactory);
  assert.deepEqual(kafkaExporterFactory.signals, ['traces', 'logs', 'metrics']);
});

test('good-full.yaml: every key parsed', () => {
  const errors = new ConfigErrors();
  const cfg = parseConfig(load('good-full.yaml').raw, 'exporters.kafka', errors);
  assert.equal(errors.toString(), '');
  assert.deepEqual(cfg.brokers, ['kafka-0.kafka:9092', 'kafka-1.kafka:9092']);
  assert.equal(cfg.clientId, 'gpu-node-collector');
  assert.deepEqual(cfg.logs, { topic: 'otlp_logs', encoding: 'otlp_json' });
  assert.deepEqual(cfg.metrics, { topic: 'otlp_metrics', encoding: 'otlp_proto' });
  assert.equal(cfg.partitionTracesById, true);
  assert.equal(cfg.partitionLogsByTraceId, true);
  assert.equal(cfg.maxMessageBytes, 1024 * 1024);
  assert.equal(cfg.requiredAcks, -1);
  assert.equal(cfg.timeoutMs, 10_000);
  assert.equal(cfg.retry.initialIntervalMs, 1000);
  assert.equal(cfg.retry.maxElapsedMs, 600_000);
  assert.deepEqual(cfg.tls, { caFile: '', certFile: '', keyFile: '', insecureSkipVerify: false, serverNameOverride: '' });
  assert.deepEqual(cfg.sasl, { mechanism: 'scram-sha-512', username: 'collector', password: 'secret' });
});

test('required_acks takes the Collector numbers and `all`', () => {
  for (const [v, want] of [['all', -1], [-1, -1], ['-1', -1], [1, 1], ['1', 1], [0, 0]] as const) {
    const errors = new ConfigErrors();
    assert.equal(parseConfig({ required_acks: v }, 'exporters.kafka', errors).requiredAcks, want);
    assert.ok(errors.empty, errors.toString());
  }
});

test('tls: insecure turns it off, `tls: {}` turns it on', () => {
  const errors = new ConfigErrors();
  assert.equal(parseConfig({ tls: { insecure: true } }, 'exporters.kafka', errors).tls, undefined);
  assert.ok(parseConfig({ tls: {} }, 'exporters.kafka', errors).tls);
  assert.ok(errors.empty, errors.toString());
});

const badFiles = readdirSync(TESTDATA).filter((f) => f.startsWith('bad-')).sort();

test('there are bad-case files', () => {
  assert.ok(badFiles.length >= 10);
});

for (const file of badFiles) {
  test(`${file}: reports exactly its errors`, () => {
    const { raw, expected } = load(file);
    assert.ok(expected.length > 0, `${file} names no expected error`);
    const errors = new ConfigErrors();
    parseConfig(raw, 'exporters.kafka', errors);
    assert.deepEqual(errors.list.map((e) => `${e.path}: ${e.message}`), expected);
  });
}
