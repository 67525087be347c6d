// One config file per bad case in src/config/testdata/: each names, in `# expect:` lines,
// every problem `validate` must report (key path and message), and no others.
import '../../../components.js'; // registers the component factories
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkCollectorConfig } from '../../../src/config/collector-config.js';
import { parseRawConfig } from '../../../src/config/load.js';

const dir = 'src/config/testdata';

for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
  test(`testdata/${name}`, () => {
    const text = readFileSync(join(dir, name), 'utf8');
    const expects = [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]!);
    const env: NodeJS.ProcessEnv = {};
    for (const m of text.matchAll(/^# env: ([A-Z_]+)=(.*)$/gm)) env[m[1]!] = m[2]!;
    assert.ok(expects.length > 0, 'a testdata file must say what it expects');
    const { raw, errors } = parseRawConfig(text, [], env);
    if (errors.empty) checkCollectorConfig(raw, errors);
    const got = errors.list.map((e) => `${e.path}: ${e.message}`);
    for (const e of expects) assert.ok(got.some((g) => g.startsWith(e)), `missing "${e}" in:\n${got.join('\n')}`);
    assert.equal(got.length, expects.length, `unexpected extra problems:\n${got.join('\n')}`);
  });
}
