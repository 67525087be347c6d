// `${env:NAME}` and `${env:NAME:-default}` in string values, as the Collector does:
// a value that is only a reference takes the variable's YAML type; `$$` is a literal `$`.
import { parse as parseYaml } from 'yaml';
import type { ConfigErrors } from './errors.js';
import { keyPath } from './errors.js';

const REF = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, errors: ConfigErrors, path = ''): unknown {
  if (typeof value === 'string') return substituteString(value, env, errors, path);
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, errors, keyPath(path, i)));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, errors, keyPath(path, k));
    return out;
  }
  return value;
}

function substituteString(s: string, env: NodeJS.ProcessEnv, errors: ConfigErrors, path: string): unknown {
  if (!s.includes('$')) return s;
  const whole = WHOLE.exec(s);
  if (whole) {
    const v = env[whole[1]!] ?? whole[2];
    if (v === undefined) return '';
    try {
      const parsed: unknown = parseYaml(v);
      return parsed === null || typeof parsed === 'object' ? v : parsed;
    } catch {
      return v;
    }
  }
  const out = s.replace(REF, (m, name: string | undefined, def: string | undefined) => {
    if (m === '$$') return '$';
    return env[name!] ?? def ?? '';
  });
  if (/\$\{env:[^}]*$/.test(s)) errors.add(path || '(root)', 'unterminated ${env:...} reference');
  return out;
}
