// `--set key.path=value` overrides: the value is read as a YAML scalar; `name[0]` indexes lists.
import { parse as parseYaml } from 'yaml';
import { isPlainObject } from './fields.js';

/** Keys that would reach object prototypes; refused in config files and in --set paths. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function applySet(root: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new Error(`--set expects key.path=value, got "${assignment}"`);
  const path = assignment.slice(0, eq);
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = parseYaml(raw);
  } catch {
    value = raw;
  }
  const steps: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`bad key path "${path}"`);
    if (FORBIDDEN_KEYS.has(m[1]!)) throw new Error(`"${m[1]}" is not allowed as a key in "${path}"`);
    steps.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) steps.push(Number(idx[1]));
  }
  let node: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < steps.length; i++) {
    const k = steps[i]!;
    // An index may replace an item or append one, never leave holes (a huge index would
    // otherwise allocate or spin).
    if (typeof k === 'number' && (!Array.isArray(node) || k > node.length)) {
      throw new Error(`index ${k} in "${path}" is beyond the end of the list (${Array.isArray(node) ? node.length : 0} items)`);
    }
    if (i === steps.length - 1) break;
    const nextIsIndex = typeof steps[i + 1] === 'number';
    const cur = (node as Record<string | number, unknown>)[k];
    if (nextIsIndex ? Array.isArray(cur) : isPlainObject(cur)) {
      node = cur as Record<string, unknown> | unknown[];
    } else {
      const fresh: Record<string, unknown> | unknown[] = nextIsIndex ? [] : {};
      (node as Record<string | number, unknown>)[k] = fresh;
      node = fresh;
    }
  }
  (node as Record<string | number, unknown>)[steps[steps.length - 1]!] = value;
}
