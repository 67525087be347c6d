// Renders field tables as the Markdown config reference (docs/configuration.md): one table
// per section, nested keys as dotted paths, list items as `key[].`, named entries as `key.<id>.`.
import type { FieldSpec, FieldTable } from './field-table.js';
import { formatBytes, formatDuration } from './units.js';

export interface ReferenceSection {
  /** heading, e.g. `receivers: otlp` */
  readonly title: string;
  /** one paragraph under the heading */
  readonly intro?: string;
  readonly table: FieldTable;
}

export interface Row {
  readonly key: string;
  readonly spec: FieldSpec;
}

/** Every key of a table, depth first, with its dotted path. */
export function flatten(table: FieldTable, prefix = ''): Row[] {
  const out: Row[] = [];
  for (const [k, spec] of Object.entries(table)) {
    const key = prefix + k;
    out.push({ key, spec });
    if (spec.fields === undefined) continue;
    const sep = spec.type === 'sections' ? '[].' : spec.type === 'named' ? '.<id>.' : '.';
    out.push(...flatten(spec.fields, key + sep));
  }
  return out;
}

export function renderReference(header: string, sections: readonly ReferenceSection[]): string {
  const parts = [header.trimEnd(), ''];
  for (const s of sections) {
    parts.push(`## ${s.title}`, '');
    if (s.intro) parts.push(s.intro, '');
    parts.push('| key | type | default | description |', '| --- | --- | --- | --- |');
    for (const { key, spec } of flatten(s.table)) {
      parts.push(`| \`${key}\` | ${cell(typeText(spec))} | ${cell(defaultText(spec))} | ${cell(description(spec))} |`);
    }
    parts.push('');
  }
  return parts.join('\n');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function typeText(s: FieldSpec): string {
  switch (s.type) {
    case 'bytes':
      return 'size';
    case 'endpoint':
      return 'host:port';
    case 'enum':
      return (s.values ?? []).map((v) => `\`${v}\``).join(' | ');
    case 'strings':
      return 'list of strings';
    case 'map':
      return 'map of strings';
    case 'section':
      return 'mapping';
    case 'sections':
      return 'list of mappings';
    case 'named':
      return 'mapping of ids';
    case 'custom':
      return s.typeText ?? 'see description';
    default:
      return s.type;
  }
}

function defaultText(s: FieldSpec): string {
  if (s.defaultText !== undefined) return s.defaultText;
  if (s.default === undefined) return s.required ? 'required' : '—';
  return `\`${formatValue(s, s.default)}\``;
}

function formatValue(s: FieldSpec, v: unknown): string {
  if (s.type === 'bytes' && typeof v === 'number') return formatBytes(v);
  if (s.type === 'duration' && typeof v === 'number') return formatDuration(v);
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  return String(v);
}

function description(s: FieldSpec): string {
  const rules: string[] = [];
  if (s.required) rules.push('required');
  if (s.nonEmpty) rules.push('not empty');
  const fmt = (n: number): string => (s.type === 'bytes' ? formatBytes(n) : s.type === 'duration' ? formatDuration(n) : String(n));
  if (s.min !== undefined && s.max !== undefined) rules.push(`${fmt(s.min)} to ${fmt(s.max)}`);
  else if (s.min !== undefined) rules.push(`at least ${fmt(s.min)}`);
  else if (s.max !== undefined) rules.push(`at most ${fmt(s.max)}`);
  return rules.length > 0 ? `${s.doc} *(${rules.join('; ')})*` : s.doc;
}
