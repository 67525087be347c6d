// OTLP metric and attribute names → Prometheus names, following the Collector's prometheus
// translator with add_metric_suffixes: unit words appended (By → bytes, Cel → celsius, …),
// `_total` for monotonic sums, `_ratio` for gauges of unit "1", annotations ({…}) dropped.

const UNIT_WORDS: Record<string, string> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tebibytes',
  KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes', bit: 'bits',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', mW: 'milliwatts', g: 'grams',
  Cel: 'celsius', Hz: 'hertz', kHz: 'kilohertz', MHz: 'megahertz', GHz: 'gigahertz', '%': 'percent', $: 'dollars',
};

const PER_UNIT_WORDS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

function unitTokens(unit: string): string[] {
  const u = unit.replace(/\{[^}]*\}/g, '').trim();
  if (u === '' || u === '1') return [];
  const [main, per] = u.split('/', 2) as [string, string | undefined];
  const out: string[] = [];
  const m = main === '' || main === '1' ? '' : UNIT_WORDS[main] ?? main;
  out.push(...tokens(m));
  if (per !== undefined && per !== '') {
    out.push('per', ...tokens(PER_UNIT_WORDS[per] ?? UNIT_WORDS[per] ?? per));
  }
  return out;
}

function tokens(s: string): string[] {
  return s.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
}

export type PromKind = 'counter' | 'gauge' | 'histogram' | 'summary';

/**
 * The family name served for an OTLP metric. For counters it is the name without `_total`
 * (the sample name adds it), as OpenMetrics names counter families.
 */
export function familyName(name: string, unit: string, kind: PromKind, otlpGauge: boolean, namespace: string, suffixes: boolean): string {
  let t = tokens(name);
  if (suffixes) {
    if (kind === 'counter' && t[t.length - 1] === 'total') t = t.slice(0, -1);
    for (const w of unitTokens(unit)) if (!t.includes(w)) t.push(w);
    if (otlpGauge && unit === '1' && !t.includes('ratio')) t.push('ratio');
  } else if (kind === 'counter' && t[t.length - 1] === 'total') t = t.slice(0, -1);
  if (namespace !== '') t.unshift(...tokens(namespace));
  let n = t.join('_');
  if (n === '') n = 'unnamed';
  if (/^[0-9]/.test(n)) n = `_${n}`;
  return n;
}

/** An attribute key as a Prometheus label name. */
export function labelName(key: string): string {
  let n = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (n === '') return 'key_';
  if (/^[0-9]/.test(n)) n = `key_${n}`;
  else if (n.startsWith('__')) n = `key${n}`;
  return n;
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
