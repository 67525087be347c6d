#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// Node 20's `node --test` takes no globs, so the files are listed here. Arguments filter
// by substring: `npm test -- ring otlp`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk('dist/test').filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Real servers first (cached after the first run): a failed install fails the run clearly.
if (filters.length === 0 || process.env.ATC_INSTALL_ALL === '1') {
  const inst = spawnSync(process.execPath, ['dist/test/harness/install-all.js'], { stdio: 'inherit' });
  if (inst.status !== 0) {
    console.error('installing the test servers failed');
    process.exit(inst.status ?? 1);
  }
}
const concurrency = process.env.ATC_TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
