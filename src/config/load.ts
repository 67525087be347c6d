// Reads a config file: YAML, then `--set` overrides, then `${env:…}` substitution.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigErrors } from './errors.js';
import { isPlainObject } from './fields.js';
import { applySet } from './overrides.js';
import { substituteEnv } from './env-substitution.js';

export interface RawConfigResult {
  raw: Record<string, unknown>;
  errors: ConfigErrors;
}

export function loadRawConfig(file: string, sets: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): RawConfigResult {
  const errors = new ConfigErrors();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    errors.add('(file)', `cannot read ${file}: ${(e as Error).message}`);
    return { raw: {}, errors };
  }
  return parseRawConfig(text, sets, env, errors);
}

export function parseRawConfig(text: string, sets: readonly string[] = [], env: NodeJS.ProcessEnv = process.env, errors = new ConfigErrors()): RawConfigResult {
  const doc = parseDocument(text, { uniqueKeys: true });
  for (const e of doc.errors) {
    const line = e.linePos?.[0];
    errors.add(line ? `(line ${line.line}, column ${line.col})` : '(yaml)', e.message.split('\n')[0]!);
  }
  if (doc.errors.length > 0) return { raw: {}, errors };
  const parsed: unknown = doc.toJS() ?? {};
  if (!isPlainObject(parsed)) {
    errors.add('(root)', 'expected a mapping at the top level');
    return { raw: {}, errors };
  }
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
