// docs/configuration.md is generated from the field tables: it must be current, every key in
// it must be described, and every key of the shipped configs must be found in it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { configReference, REFERENCE_FILE } from '../../../src/cli/config-reference.js';
import { exporterFactories, processorFactories, receiverFactories } from '../../../components.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { fieldTable } from '../../../src/config/field-table.js';
import { Fields } from '../../../src/config/fields.js';
import { flatten } from '../../../src/config/reference.js';

const doc = readFileSync(REFERENCE_FILE, 'utf8');

test('docs/configuration.md is what `npm run docs:config` generates', () => {
  assert.ok(doc === configReference(), `${REFERENCE_FILE} is stale: run \`npm run docs:config\` and commit it`);
});

test('every key of every component has a type and a description', () => {
  const factories = [...receiverFactories.values(), ...processorFactories.values(), ...exporterFactories.values()];
  for (const f of factories) {
    const rows = flatten(f.configFields);
    assert.ok(rows.length > 0, `${f.type}: empty field table`);
    for (const { key, spec } of rows) {
      assert.ok(spec.doc.trim().length >= 6, `${f.type}: ${key} is undocumented`);
      if (spec.type === 'enum') assert.ok((spec.values ?? []).length > 0, `${f.type}: ${key} has no values`);
    }
  }
});

/** The reference's sections, read back from the Markdown: section title → key → type cell. */
function readReference(): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of doc.split('\n')) {
    const h = /^## (.+)$/.exec(line);
    if (h) {
      current = new Map();
      out.set(h[1]!, current);
      continue;
    }
    const row = /^\| `([^`]+)` \| (.*?) \| /.exec(line);
    if (row && current) current.set(row[1]!, row[2]!);
  }
  return out;
}

/** Keys of a parsed config as the reference writes them, with the section they belong to. */
function configKeys(raw: Record<string, unknown>): { section: string; key: string }[] {
  const ref = readReference();
  const out: { section: string; key: string }[] = [];
  const walk = (section: string, value: unknown, prefix: string): void => {
    const keys = ref.get(section);
    if (typeof value !== 'object' || value === null) return;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
      for (const [k, v] of Object.entries(item)) {
        const key = prefix + k;
        out.push({ section, key });
        const type = keys?.get(key);
        if (type === 'mapping') walk(section, v, key + '.');
        else if (type === 'list of mappings') walk(section, v, key + '[].');
        else if (type === 'mapping of ids' && typeof v === 'object' && v !== null) for (const named of Object.values(v)) walk(section, named, key + '.<id>.');
      }
    }
  };
  for (const [k, v] of Object.entries(raw)) {
    if (['receivers', 'processors', 'exporters'].includes(k) && typeof v === 'object' && v !== null) {
      out.push({ section: 'Top level', key: k });
      for (const [id, comp] of Object.entries(v)) walk(`${k}: ${id.split('/')[0]}`, comp ?? {}, '');
    } else {
      walk('Top level', { [k]: v }, '');
    }
  }
  return out;
}

test('every key of the shipped configs is in the reference', () => {
  const files = ['config/default.yaml', 'deploy/config/agent.yaml', 'deploy/config/gateway.yaml', 'deploy/config/standalone.yaml', 'test/exporters/kafka/testdata/good-full.yaml'];
  const ref = readReference();
  let checked = 0;
  for (const file of files) {
    let raw = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (file.includes('testdata')) raw = { exporters: { kafka: raw } };
    for (const { section, key } of configKeys(raw)) {
      assert.ok(ref.get(section)?.has(key), `${file}: ${section} ${key} is not in ${REFERENCE_FILE}`);
      checked++;
    }
  }
  assert.ok(checked > 50, `only ${checked} keys checked`);
});

test('a key read but missing from its table is a programming error, not a silent default', () => {
  const table = fieldTable({ a: { type: 'integer', default: 1, doc: 'a number for the test' } });
  const f = new Fields({ a: 2 }, 'x', new ConfigErrors(), table);
  assert.equal(f.get('a'), 2);
  assert.throws(() => (f as unknown as Fields).get('b'), /x\.b is read but not in its field table/);
});

test('get applies the table: default, bounds, enum did-you-mean, check, required', () => {
  const table = fieldTable({
    n: { type: 'integer', default: 5, min: 1, max: 10, doc: 'bounded integer' },
    e: { type: 'enum', values: ['zstd', 'gzip'], default: 'zstd', doc: 'an enum' },
    p: { type: 'string', check: (s: string) => (s.startsWith('/') ? undefined : 'must start with "/"'), doc: 'a path' },
    r: { type: 'string', required: true, doc: 'required string' },
    d: { type: 'duration', default: 1000, max: 60_000, doc: 'a duration' },
  });
  const errors = new ConfigErrors();
  const f = new Fields({ n: 11, e: 'zsdt', p: 'x', d: '2m', unrelated_key: 1 }, 'c', errors, table);
  assert.equal(f.get('n'), 5);
  assert.equal(f.get('e'), 'zstd');
  f.get('p');
  assert.equal(f.get('r'), undefined);
  assert.equal(f.get('d'), 1000);
  assert.deepEqual(errors.list.map((e) => `${e.path}: ${e.message}`), [
    'c.unrelated_key: unknown key',
    'c.n: must be at most 10, got 11',
    'c.e: must be one of zstd, gzip, got "zsdt" (did you mean "zstd"?)',
    'c.p: must start with "/"',
    'c.r: is required',
    'c.d: must be at most 1m, got 2m',
  ]);
});
