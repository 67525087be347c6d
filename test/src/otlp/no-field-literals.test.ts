// No protobuf field number outside src/otlp: components write OTLP through the named builders
// and read it through the views (src/otlp/README.md), so a field number lives only in
// src/otlp/schema.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { tsFiles } from '../../harness/source-files.js';

const ROOT = process.cwd();
const SCANNED = ['src', 'receivers', 'processors', 'connectors', 'exporters', 'components.ts', 'components'];

/**
 * Code being rewritten by another change right now; each entry goes when that change lands.
 * Keep it short and name the issue.
 */
const ALLOWED: Record<string, string> = {};

const RULES: [RegExp, string][] = [
  [/\.tag\(/, 'writes or reads a protobuf tag by hand'],
  [/\.field\s*[!=]==?\s*\d/, 'compares a field number'],
  [/\b\d+\s*[!=]==?\s*\w+\.field\b/, 'compares a field number'],
  [/switch\s*\(\s*[\w.]+\.field\s*\)/, 'switches on field numbers'],
  [/Uint8Array\.from\(\[\s*0x/, 'writes protobuf bytes as numbers'],
  [/\.key\(\s*\d/, 'writes a field key as a number'],
  [/lenHeader\(\s*\d/, 'writes a field header by number'],
];


/** Violations in one file's text, as `path:line: why`. */
export function violations(path: string, text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '');
    for (const [re, why] of RULES) if (re.test(code)) out.push(`${path}:${i + 1}: ${why}: ${line.trim()}`);
  });
  return out;
}

test('the rules catch what they are for', () => {
  assert.equal(violations('x.ts', 'w.tag(3, 2);').length, 1);
  assert.equal(violations('x.ts', 'if (r.field === 9 && r.wt === 2) {').length, 1);
  assert.equal(violations('x.ts', 'switch (r.field) {').length, 1);
  assert.equal(violations('x.ts', 'const H = Uint8Array.from([0x4a, 0x15]);').length, 1);
  assert.equal(violations('x.ts', 'if (r.field === NO.Span.name) w.key(KEY.Span.name);').length, 0);
  assert.equal(violations('x.ts', '// w.tag(1, 2) in a comment').length, 0);
});

test('no field number outside src/otlp (allow-list aside)', () => {
  const found: string[] = [];
  const usedAllowances = new Set<string>();
  for (const top of SCANNED) {
    for (const f of tsFiles(join(ROOT, top))) {
      const rel = relative(ROOT, f).split('\\').join('/');
      if (rel.startsWith('src/otlp/')) continue;
      const v = violations(rel, readFileSync(f, 'utf8'));
      if (v.length === 0) continue;
      const allowed = Object.keys(ALLOWED).find((a) => rel.startsWith(a));
      if (allowed) usedAllowances.add(allowed);
      else found.push(...v);
    }
  }
  assert.deepEqual(found, [], 'use the builders and views of src/otlp (see src/otlp/README.md)');
  const stale = Object.keys(ALLOWED).filter((a) => !usedAllowances.has(a));
  assert.deepEqual(stale, [], 'allow-list entries with nothing left to allow: remove them');
});
