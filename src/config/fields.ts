// Typed readers for one config object, checked against its field table: `get` validates one
// key as its table says, records a problem with its full key path, and falls back to the
// default so that all problems are found.
import { didYouMean } from './did-you-mean.js';
import { type ConfigErrors, keyPath } from './errors.js';
import type { FieldSpec, FieldTable, FieldValue, SubTable } from './field-table.js';
import { formatDuration, parseBytes, parseDuration } from './units.js';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class Fields<T extends FieldTable = FieldTable> {
  readonly obj: Record<string, unknown>;

  constructor(
    raw: unknown,
    readonly path: string,
    readonly errors: ConfigErrors,
    readonly table: T,
  ) {
    const known = Object.keys(table);
    if (raw === undefined || raw === null) {
      this.obj = {};
    } else if (!isPlainObject(raw)) {
      errors.add(path || '(root)', `expected a mapping, got ${describe(raw)}`);
      this.obj = {};
    } else {
      this.obj = raw;
      for (const k of Object.keys(raw)) {
        if (!known.includes(k)) {
          const hint = didYouMean(k, known);
          errors.add(keyPath(path, k), `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}`);
        }
      }
    }
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  at(key: string): string {
    return keyPath(this.path, key);
  }

  fail(key: string, message: string): void {
    this.errors.add(this.at(key), message);
  }

  private spec(key: string): FieldSpec {
    const s = this.table[key];
    // A programming error, not a config problem: every key read must be in the table.
    if (s === undefined) throw new Error(`config key ${this.at(key)} is read but not in its field table`);
    return s;
  }

  /** The key's value, validated and defaulted as its table entry says. */
  get<K extends keyof T & string>(key: K): FieldValue<T[K]> {
    const s = this.spec(key);
    const present = this.has(key);
    if (s.required && !present) this.fail(key, 'is required');
    const v = present || s.default !== undefined || ['strings', 'map', 'bool'].includes(s.type) ? this.read(key, s) : undefined;
    if (present && v !== undefined && s.check) {
      const problem = s.check(v as never);
      if (problem !== undefined) this.fail(key, problem);
    }
    return v as FieldValue<T[K]>;
  }

  private read(key: string, s: FieldSpec): unknown {
    const range = { ...(s.min !== undefined ? { min: s.min } : {}), ...(s.max !== undefined ? { max: s.max } : {}) };
    switch (s.type) {
      case 'string':
        return this.string(key, (s.default as string | undefined) ?? '', { nonEmpty: s.nonEmpty ?? false });
      case 'bool':
        return this.bool(key, (s.default as boolean | undefined) ?? false);
      case 'number':
      case 'integer':
        return this.number(key, s.default as number, { ...range, integer: s.type === 'integer' });
      case 'bytes':
        return this.bytes(key, s.default as number, range);
      case 'duration':
        return this.duration(key, s.default as number, range);
      case 'endpoint':
        return this.endpoint(key, (s.default as string | undefined) ?? '');
      case 'enum':
        return this.enum(key, s.values ?? [], s.default as string);
      case 'strings':
        return this.stringList(key, (s.default as string[] | undefined) ?? [], { nonEmpty: s.nonEmpty ?? false });
      case 'map':
        return this.stringMap(key);
      default:
        return this.obj[key] ?? s.default;
    }
  }

  /**
   * A nested mapping, checked against its entry's table. Shared readers (TLS, retry…) pass the
   * table they read with, which must be the one the parent's entry names.
   */
  sub<K extends keyof T & string>(key: K): Fields<SubTable<T[K]>>;
  sub<U extends FieldTable>(key: keyof T & string, table: U): Fields<U>;
  sub(key: string, table?: FieldTable): Fields {
    const s = this.spec(key);
    if (table !== undefined && s.fields !== table) throw new Error(`config key ${this.at(key)}: its table entry names another field table`);
    if (s.required && !this.has(key)) this.fail(key, 'is required');
    return new Fields(this.obj[key], this.at(key), this.errors, s.fields ?? {});
  }

  /** A list of mappings (`sections`), each checked against the entry's table. */
  items<K extends keyof T & string>(key: K): Fields<SubTable<T[K]>>[] {
    const s = this.spec(key);
    const v = this.obj[key];
    if (v === undefined || v === null) {
      if (s.required || s.nonEmpty) this.fail(key, 'must not be empty');
      return [];
    }
    if (!Array.isArray(v)) {
      this.fail(key, `expected a list, got ${describe(v)}`);
      return [];
    }
    if (s.nonEmpty && v.length === 0) this.fail(key, 'must not be empty');
    return v.map((item, i) => new Fields(item, keyPath(this.at(key), i), this.errors, (s.fields ?? {}) as SubTable<T[K]>));
  }

  string(key: string, def: string, opts: { nonEmpty?: boolean } = {}): string {
    const v = this.obj[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string' && typeof v !== 'number') {
      this.fail(key, `expected a string, got ${describe(v)}`);
      return def;
    }
    const s = String(v);
    if (opts.nonEmpty && s === '') {
      this.fail(key, 'must not be empty');
      return def;
    }
    return s;
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key, '') : undefined;
  }

  enum<T extends string>(key: string, allowed: readonly T[], def: T): T {
    const v = this.obj[key];
    if (v === undefined || v === null) return def;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    const hint = typeof v === 'string' ? didYouMean(v, allowed) : undefined;
    this.fail(key, `must be one of ${allowed.join(', ')}, got ${describe(v)}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    return def;
  }

  bool(key: string, def: boolean): boolean {
    const v = this.obj[key];
    if (v === undefined || v === null) return def;
    if (typeof v === 'boolean') return v;
    if (v === 'true') return true;
    if (v === 'false') return false;
    this.fail(key, `expected true or false, got ${describe(v)}`);
    return def;
  }

  number(key: string, def: number, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
    const v = this.obj[key];
    if (v === undefined || v === null) return def;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) {
      this.fail(key, `expected a number, got ${describe(v)}`);
      return def;
    }
    if (opts.integer && !Number.isInteger(n)) {
      this.fail(key, `expected an integer, got ${n}`);
      return def;
    }
    if (opts.min !== undefined && n < opts.min) {
      this.fail(key, `must be at least ${opts.min}, got ${n}`);
      return def;
    }
    if (opts.max !== undefined && n > opts.max) {
      this.fail(key, `must be at most ${opts.max}, got ${n}`);
      return def;
    }
    return n;
  }

  /** Durations as `50ms`, `5s`, `1m`, `2h` or a number of milliseconds; returns ms. */
  duration(key: string, defMs: number, opts: { min?: number; max?: number } = {}): number {
    const v = this.obj[key];
    if (v === undefined || v === null) return defMs;
    const ms = parseDuration(v);
    if (ms === undefined) {
      this.fail(key, `expected a duration such as 50ms, 5s or 1m, got ${describe(v)}`);
      return defMs;
    }
    if (opts.min !== undefined && ms < opts.min) {
      this.fail(key, `must be at least ${formatDuration(opts.min)}, got ${formatDuration(ms)}`);
      return defMs;
    }
    if (opts.max !== undefined && ms > opts.max) {
      this.fail(key, `must be at most ${formatDuration(opts.max)}, got ${formatDuration(ms)}`);
      return defMs;
    }
    return ms;
  }

  /** Sizes as `4MiB`, `64MB`, `512KiB` or a number of bytes; returns bytes. */
  bytes(key: string, def: number, opts: { min?: number; max?: number } = {}): number {
    const v = this.obj[key];
    if (v === undefined || v === null) return def;
    const n = parseBytes(v);
    if (n === undefined) {
      this.fail(key, `expected a size such as 4MiB or 1048576, got ${describe(v)}`);
      return def;
    }
    if (opts.min !== undefined && n < opts.min) {
      this.fail(key, `must be at least ${opts.min} bytes, got ${n}`);
      return def;
    }
    if (opts.max !== undefined && n > opts.max) {
      this.fail(key, `must be at most ${opts.max} bytes, got ${n}`);
      return def;
    }
    return n;
  }

  /** `host:port` (port 0 allowed: pick a free one). */
  endpoint(key: string, def: string): string {
    const s = this.string(key, def);
    if (parseEndpoint(s) === undefined) {
      this.fail(key, `not a host:port, got "${s}"`);
      return def;
    }
    return s;
  }

  stringList(key: string, def: readonly string[], opts: { nonEmpty?: boolean } = {}): string[] {
    const v = this.obj[key];
    if (v === undefined || v === null) {
      // An absent required list is reported like an empty one.
      if (opts.nonEmpty && def.length === 0) this.fail(key, 'must not be empty');
      return [...def];
    }
    const arr = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : v;
    if (!Array.isArray(arr)) {
      this.fail(key, `expected a list of strings, got ${describe(v)}`);
      return [...def];
    }
    const out: string[] = [];
    arr.forEach((item, i) => {
      if (typeof item !== 'string') this.errors.add(keyPath(this.at(key), i), `expected a string, got ${describe(item)}`);
      else out.push(item);
    });
    if (opts.nonEmpty && out.length === 0) this.fail(key, 'must not be empty');
    return out;
  }

  /** A mapping of string to string (headers, attributes). */
  stringMap(key: string): Record<string, string> {
    const v = this.obj[key];
    if (v === undefined || v === null) return {};
    if (!isPlainObject(v)) {
      this.fail(key, `expected a mapping, got ${describe(v)}`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
      else this.errors.add(keyPath(this.at(key), k), `expected a string, got ${describe(val)}`);
    }
    return out;
  }
}

export function parseEndpoint(s: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]*):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  let host = m[1]!;
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { host: host === '' ? '0.0.0.0' : host, port };
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `"${v.length > 60 ? v.slice(0, 57) + '...' : v}"`;
  return String(v);
}
