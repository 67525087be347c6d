// The layering rule: components (receivers/*, processors/*, connectors/*, exporters/*) import
// only src/ and their own folder; src/ imports no component. components.ts and main.ts, at the
// top, are the only modules that name every component.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { tsFiles } from '../harness/source-files.js';

const ROOT = process.cwd();
const COMPONENT_KINDS = ['receivers', 'processors', 'connectors', 'exporters'];
/** Components housed in src/ (none: fusion moved to connectors/fusion with issue 16). */
const COMPONENTS_IN_SRC: string[] = [];

/** `from → to folder` imports allowed while another change removes them; name the issue. */
const ALLOWED: Record<string, string> = {};


/** Relative module specifiers a file imports (static, re-exports, side-effect and dynamic). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s)?'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push((m[1] ?? m[2])!);
  return out;
}

/** The component folder a repository path belongs to ('' when none). */
function componentOf(rel: string): string {
  const parts = rel.split('/');
  if (COMPONENT_KINDS.includes(parts[0]!) && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return COMPONENTS_IN_SRC.find((c) => rel.startsWith(`${c}/`)) ?? '';
}

/** Why `from` may not import `to` (both repository paths), or undefined when it may. */
export function violation(from: string, to: string): string | undefined {
  const own = componentOf(from);
  const target = componentOf(to);
  if (from === 'main.ts') return undefined;
  if (to === 'components.ts' || to === 'main.ts') return 'only the entry point imports the component registry';
  if (own !== '') {
    if (target === own) return undefined;
    if (target !== '') return `a component imports another component (${target})`;
    if (to.startsWith('src/')) return undefined;
    return 'a component imports something outside src/ and its own folder';
  }
  if (from.startsWith('src/')) {
    if (target !== '') return `src/ imports a component (${target})`;
    if (!to.startsWith('src/')) return 'src/ imports something outside src/';
  }
  return undefined;
}

test('the rule itself', () => {
  assert.deepEqual(importsOf("import { a } from './x.js';\nimport type { B } from '../y.js';\nexport { c } from './z.js';\nimport './side.js';\nawait import('./dyn.js');\nimport { pino } from 'pino';"), ['./x.js', '../y.js', './z.js', './side.js', './dyn.js']);
  assert.equal(violation('receivers/kafka/config.ts', 'exporters/kafka/config.ts'), 'a component imports another component (exporters/kafka)');
  assert.equal(violation('receivers/kafka/config.ts', 'receivers/kafka/x.ts'), undefined);
  assert.equal(violation('receivers/kafka/config.ts', 'src/kafka/config.ts'), undefined);
  assert.equal(violation('src/pipeline/service.ts', 'receivers/otlp/index.ts'), 'src/ imports a component (receivers/otlp)');
  assert.equal(violation('src/config/collector-config.ts', 'components.ts'), 'only the entry point imports the component registry');
  assert.equal(violation('exporters/prometheus/x.ts', 'connectors/fusion/model.ts'), 'a component imports another component (connectors/fusion)');
  assert.equal(violation('components.ts', 'receivers/otlp/index.ts'), undefined);
});

test('components import only src/ and their own folder; src/ imports no component', () => {
  const found: string[] = [];
  const used = new Set<string>();
  const sources = ['src', ...COMPONENT_KINDS, 'components.ts', 'main.ts'].flatMap((p) => tsFiles(join(ROOT, p)));
  assert.ok(sources.length > 50, 'the sources were found');
  for (const f of sources) {
    const from = relative(ROOT, f).split('\\').join('/');
    for (const spec of importsOf(readFileSync(f, 'utf8'))) {
      const to = normalize(join(dirname(from), spec)).split('\\').join('/').replace(/\.js$/, '.ts');
      const why = violation(from, to);
      if (why === undefined) continue;
      const target = componentOf(to) || to;
      const key = `${from} -> ${target}`;
      if (key in ALLOWED) used.add(key);
      else found.push(`${from} imports ${spec}: ${why}`);
    }
  }
  assert.deepEqual(found, []);
  assert.deepEqual(Object.keys(ALLOWED).filter((k) => !used.has(k)), [], 'allow-list entries with nothing left to allow: remove them');
});
