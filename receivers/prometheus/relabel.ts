// Prometheus relabel_configs: replace (default), keep, drop, keepequal, dropequal, hashmod,
// labelmap, labeldrop, labelkeep, lowercase, uppercase. Regexes are fully anchored, as in
// Prometheus; `$1` / `${1}` / `${name}` in replacements.
import { createHash } from 'node:crypto';
import { fieldTable } from '../../src/config/field-table.js';
import type { Fields } from '../../src/config/fields.js';

export type RelabelAction = 'replace' | 'keep' | 'drop' | 'keepequal' | 'dropequal' | 'hashmod' | 'labelmap' | 'labeldrop' | 'labelkeep' | 'lowercase' | 'uppercase';
const ACTIONS: readonly RelabelAction[] = ['replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase'];

export interface RelabelRule {
  action: RelabelAction;
  sourceLabels: string[];
  separator: string;
  regex: RegExp;
  targetLabel: string;
  replacement: string;
  modulus: number;
}

export type Labels = Map<string, string>;

export const RELABEL_FIELDS = fieldTable({
  source_labels: { type: 'strings', doc: 'Labels whose values, joined with separator, are matched against regex.' },
  separator: { type: 'string', default: ';', doc: 'Joins the source label values.' },
  regex: { type: 'string', default: '(.*)', doc: 'RE2-style regular expression, fully anchored; (?P<name>…) groups are accepted.' },
  target_label: { type: 'string', default: '', doc: 'Label written by replace, hashmod, lowercase, uppercase; compared by keepequal/dropequal.' },
  replacement: { type: 'string', default: '$1', doc: 'Value written by replace ($1, ${1}, ${name} expand groups).' },
  modulus: { type: 'integer', default: 0, min: 0, doc: 'Modulus of hashmod (required > 0 there).' },
  action: { type: 'enum', values: ACTIONS, default: 'replace', doc: 'What the rule does.' },
});

export function parseRelabel<K extends string>(parent: Fields<Record<K, { type: 'sections'; fields: typeof RELABEL_FIELDS; doc: string }>>, key: K): RelabelRule[] {
  return parent.items(key).map((f) => {
    const action = f.get('action');
    const src = f.get('regex');
    let regex = /^(?:(.*))$/s;
    try {
      regex = new RegExp(`^(?:${src.replace(/\(\?P</g, '(?<')})$`, 's');
    } catch (e) {
      f.fail('regex', `invalid regular expression: ${(e as Error).message}`);
    }
    const rule: RelabelRule = {
      action,
      sourceLabels: f.get('source_labels'),
      separator: f.get('separator'),
      regex,
      targetLabel: f.get('target_label'),
      replacement: f.get('replacement'),
      modulus: f.get('modulus'),
    };
    if (['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action) && rule.targetLabel === '') f.fail('target_label', `required for action ${action}`);
    if (action === 'hashmod' && rule.modulus === 0) f.fail('modulus', 'required (> 0) for action hashmod');
    return rule;
  });
}

function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(?:\{(\w+)\}|(\d+)|(\$))/g, (_, braced: string | undefined, num: string | undefined, dollar: string | undefined) => {
    if (dollar) return '$';
    const k = braced ?? num!;
    const v = /^\d+$/.test(k) ? m[Number(k)] : m.groups?.[k];
    return v ?? '';
  });
}

/** Applies the rules; returns undefined when the target (or series) is dropped. */
export function relabel(labels: Labels, rules: readonly RelabelRule[]): Labels | undefined {
  for (const r of rules) {
    const value = r.sourceLabels.map((l) => labels.get(l) ?? '').join(r.separator);
    switch (r.action) {
      case 'keep':
        if (!r.regex.test(value)) return undefined;
        break;
      case 'drop':
        if (r.regex.test(value)) return undefined;
        break;
      case 'keepequal':
        if (value !== (labels.get(r.targetLabel) ?? '')) return undefined;
        break;
      case 'dropequal':
        if (value === (labels.get(r.targetLabel) ?? '')) return undefined;
        break;
      case 'replace': {
        const m = r.regex.exec(value);
        if (!m) break;
        const target = expand(r.targetLabel, m);
        const v = expand(r.replacement, m);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(target)) break;
        if (v === '') labels.delete(target);
        else labels.set(target, v);
        break;
      }
      case 'lowercase':
        labels.set(r.targetLabel, value.toLowerCase());
        break;
      case 'uppercase':
        labels.set(r.targetLabel, value.toUpperCase());
        break;
      case 'hashmod': {
        const h = createHash('md5').update(value).digest();
        labels.set(r.targetLabel, String(h.readBigUInt64BE(8) % BigInt(r.modulus)));
        break;
      }
      case 'labelmap':
        for (const [k, v] of [...labels]) {
          const m = r.regex.exec(k);
          if (m) labels.set(expand(r.replacement, m), v);
        }
        break;
      case 'labeldrop':
        for (const k of [...labels.keys()]) if (r.regex.test(k)) labels.delete(k);
        break;
      case 'labelkeep':
        for (const k of [...labels.keys()]) if (!r.regex.test(k)) labels.delete(k);
        break;
    }
  }
  return labels;
}
