// exporters.s3 config: defaults, a full valid config, and one testdata file per bad case,
// each naming the errors it must produce (`# expect: <key path>: <text>`).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ConfigErrors } from '../../../src/config/errors.js';
import { createDefaultConfig, parseConfig } from '../../../exporters/s3/config.js';
import { s3ExporterFactory } from '../../../exporters/s3/factory.js';
import { exporterFactories } from '../../../components.js';

// Tests run from dist/test/…; the YAML files stay in the source tree.
const TESTDATA = fileURLToPath(new URL('../../../../test/exporters/s3/testdata/', import.meta.url));

function parseFile(name: string): { errors: ConfigErrors; expect: string[]; cfg: ReturnType<typeof parseConfig> } {
  const text = readFileSync(TESTDATA + name, 'utf8');
  const expect = [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => m[1]!);
  const errors = new ConfigErrors();
  const cfg = parseConfig(parse(text) as unknown, 'exporters.s3', errors);
  return { errors, expect, cfg };
}

describe('exporters.s3 config', () => {
  test('is registered as "s3"', () => {
    assert.equal(exporterFactories.get('s3'), s3ExporterFactory);
  });

  test('defaults follow the awss3exporter layout with zstd and otlp_proto', () => {
    const d = createDefaultConfig();
    assert.equal(d.partitionFormat, 'year=%Y/month=%m/day=%d/hour=%H/minute=%M');
    assert.equal(d.marshaler, 'otlp_proto');
    assert.equal(d.compression, 'zstd');
    assert.equal(d.compressionLevel, 3);
    assert.equal(d.forcePathStyle, false);
    assert.equal(d.multipartThreshold, 16 * 1024 * 1024);
    const errors = new ConfigErrors();
    const cfg = parseConfig({ bucket: 'traces' }, 'exporters.s3', errors);
    assert.ok(errors.empty, errors.toString());
    assert.deepEqual(cfg, { ...d, bucket: 'traces' });
  });

  test('a config with every key parses to those values', () => {
    const { errors, cfg } = parseFile('good-full.yaml');
    assert.ok(errors.empty, errors.toString());
    assert.deepEqual(
      { ...cfg, retry: { ...cfg.retry } },
      {
        bucket: 'otel-lake.prod',
        region: 'eu-west-1',
        endpoint: 'https://s3.eu-west-1.amazonaws.com',
        forcePathStyle: true,
        prefix: 'otel/gpu-cluster-a',
        partitionFormat: '%Y/%m/%d/%H',
        filePrefix: 'node17-',
        marshaler: 'otlp_json',
        compression: 'gzip',
        compressionLevel: 9,
        storageClass: 'STANDARD_IA',
        timeoutMs: 45_000,
        multipartThreshold: 64 * 1024 * 1024,
        retry: { enabled: true, initialIntervalMs: 1000, maxIntervalMs: 20_000, maxElapsedMs: 600_000, multiplier: 1.5, randomizationFactor: 0.5 },
      },
    );
  });

  const bad = readdirSync(TESTDATA).filter((f) => f.endsWith('.yaml') && !f.startsWith('good-')).sort();
  test('there is a testdata file per bad case', () => assert.ok(bad.length >= 20, `${bad.length} files`));
  for (const file of bad) {
    test(`rejects ${file}`, () => {
      const { errors, expect } = parseFile(file);
      assert.ok(expect.length > 0, `${file} names no expected error`);
      const got = errors.list.map((e) => `${e.path}: ${e.message}`);
      for (const want of expect) {
        const [path, ...rest] = want.split(': ');
        const text = rest.join(': ');
        assert.ok(
          errors.list.some((e) => e.path === path && e.message.includes(text)),
          `${file}: wanted "${want}", got:\n  ${got.join('\n  ')}`,
        );
      }
      assert.equal(errors.list.length, expect.length, `${file}: unexpected extra errors:\n  ${got.join('\n  ')}`);
    });
  }
});

test('storage_class accepts exactly the AWS SDK\'s StorageClass values (the list is spelled out so parsing does not load the SDK)', async () => {
  const { STORAGE_CLASSES } = await import('../../../exporters/s3/config.js');
  const { StorageClass } = await import('@aws-sdk/client-s3');
  assert.deepEqual([...STORAGE_CLASSES].sort(), (Object.values(StorageClass) as string[]).sort());
});
