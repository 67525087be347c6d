// `${env:NAME}`, the Collector's shorthand `${NAME}`, and either with `:-default`, in string
// values: a value that is only a reference takes the variable's YAML type; `$$` is a literal
// `$`. An unset variable without a default is a problem naming it, at the key's path.
import { parse as parseYaml } from 'yaml';
import type { ConfigErrors } from './errors.js';
import { keyPath } from './errors.js';

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
/** `$$`, or `${[env:]NAME[:-default]}`, or any other `${…}` (reported). */
const REF = new RegExp(`\\$\\$|\\$\\{(?:env:)?(${NAME})(?::-([^}]*))?\\}|\\$\\{[^}]*\\}?`, 'g');
const WHOLE = new RegExp(`^\\$\\{(?:env:)?(${NAME})(?::-([^}]*))?\\}$`);

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

function lookup(name: string, def: string | undefined, env: NodeJS.ProcessEnv, errors: ConfigErrors, path: string): string {
  const v = env[name] ?? def;
  if (v === undefined) {
    errors.add(path || '(root)', `environment variable ${name} is not set (write \${env:${name}:-default} for a default)`);
    return '';
  }
  return v;
}

function substituteString(s: string, env: NodeJS.ProcessEnv, errors: ConfigErrors, path: string): unknown {
  if (!s.includes('$')) return s;
  const whole = WHOLE.exec(s);
  if (whole) {
    const v = lookup(whole[1]!, whole[2], env, errors, path);
    try {
      const parsed: unknown = parseYaml(v);
      return parsed === null || typeof parsed === 'object' ? v : parsed;
    } catch {
      return v;
    }
  }
  return s.replace(REF, (m, name: string | undefined, def: string | undefined) => {
    if (m === '$$') return '$';
    if (name !== undefined) return lookup(name, def, env, errors, path);
    const problem = m.endsWith('}') ? `unsupported reference ${m} (use \${env:NAME}, \${NAME} or $$ for a literal $)` : `unterminated reference ${m}`;
    errors.add(path || '(root)', problem);
    return m;
  });
}
