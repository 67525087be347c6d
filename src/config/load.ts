// Reads a config file: YAML, then `--set` overrides, then `${env:…}` substitution. Hostile or
// broken input (huge files, /dev/zero, alias bombs, prototype keys) ends as problems in the
// usual list, never as a stack trace or unbounded memory.
import { closeSync, openSync, readSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigErrors, keyPath } from './errors.js';
import { isPlainObject } from './fields.js';
import { applySet, FORBIDDEN_KEYS } from './overrides.js';
import { substituteEnv } from './env-substitution.js';
import { formatBytes } from './units.js';

/** Largest config file read; a real one is a few KiB. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** Aliases resolved at most while building the config (yaml's guard against alias bombs). */
export const MAX_ALIAS_COUNT = 100;

export interface RawConfigResult {
  raw: Record<string, unknown>;
  errors: ConfigErrors;
}

export function loadRawConfig(file: string, sets: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): RawConfigResult {
  const errors = new ConfigErrors();
  let text: string;
  try {
    text = readBounded(file, MAX_CONFIG_BYTES);
  } catch (e) {
    errors.add('(file)', `cannot read ${file}: ${(e as Error).message.split('\n')[0]}`);
    return { raw: {}, errors };
  }
  return parseRawConfig(text, sets, env, errors);
}

/** Reads at most `limit` bytes, without trusting stat (a FIFO, /dev/zero, a growing file). */
function readBounded(file: string, limit: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(limit + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > limit) throw new Error(`larger than ${formatBytes(limit)}, the limit for config files`);
    }
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

export function parseRawConfig(text: string, sets: readonly string[] = [], env: NodeJS.ProcessEnv = process.env, errors = new ConfigErrors()): RawConfigResult {
  let parsed: unknown;
  try {
    const doc = parseDocument(text, { uniqueKeys: true });
    for (const e of doc.errors) {
      const line = e.linePos?.[0];
      errors.add(line ? `(line ${line.line}, column ${line.col})` : '(yaml)', e.message.split('\n')[0]!);
    }
    if (doc.errors.length > 0) return { raw: {}, errors };
    parsed = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (e) {
    // yaml throws for alias bombs ("Excessive alias count…") and too deep nesting.
    errors.add('(yaml)', (e as Error).message.split('\n')[0]!);
    return { raw: {}, errors };
  }
  if (!isPlainObject(parsed)) {
    errors.add('(root)', 'expected a mapping at the top level');
    return { raw: {}, errors };
  }
  if (!checkKeys(parsed, '', errors)) return { raw: {}, errors };
  for (const s of sets) {
    try {
      applySet(parsed, s);
    } catch (e) {
      errors.add('--set', (e as Error).message);
    }
  }
  const raw = substituteEnv(parsed, env, errors) as Record<string, unknown>;
  return { raw, errors };
}

/**
 * `__proto__`, `constructor` and `prototype` as keys could reach object prototypes through
 * code that copies mappings; no config key has these names, so they are refused outright.
 */
function checkKeys(value: unknown, path: string, errors: ConfigErrors): boolean {
  // Iterative: a deeply nested document must not overflow the stack here.
  const stack: { v: unknown; path: string }[] = [{ v: value, path }];
  let ok = true;
  while (stack.length > 0) {
    const { v, path: p } = stack.pop()!;
    if (Array.isArray(v)) v.forEach((item, i) => stack.push({ v: item, path: keyPath(p, i) }));
    else if (typeof v === 'object' && v !== null) {
      for (const k of Object.keys(v)) {
        if (FORBIDDEN_KEYS.has(k)) {
          errors.add(keyPath(p, k), `"${k}" is not allowed as a key`);
          ok = false;
        } else stack.push({ v: (v as Record<string, unknown>)[k], path: keyPath(p, k) });
      }
    }
  }
  return ok;
}
