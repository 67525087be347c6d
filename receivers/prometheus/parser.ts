// A hand-written parser for the Prometheus text exposition format (0.0.4) and OpenMetrics
// 1.0: one pass over the string, no regular expressions per sample, labels kept as flat
// [name, value, …] arrays. Errors carry the line number and stop the scrape (as Prometheus
// does); duplicate series are dropped and counted.

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'untyped' | 'unknown' | 'info' | 'stateset';

export interface Sample {
  /** the sample's own name (family name plus a suffix such as _bucket) */
  name: string;
  /** flat [name, value, name, value, …] */
  labels: string[];
  /** the raw `{…}` text, for identity checks */
  rawLabels: string;
  value: number;
  /** ms since the epoch, when the exposition gave one */
  ts: number | undefined;
}

export interface Family {
  name: string;
  type: FamilyType;
  help: string;
  unit: string;
  samples: Sample[];
  /** samples the in-place scrape path recorded for this family (it leaves `samples` empty) */
  points?: number;
}

export interface ParseResult {
  families: Family[];
  samples: number;
  duplicates: number;
  openMetrics: boolean;
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

export interface ParseLimits {
  /** most labels on one sample (0: no limit) */
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  /** most samples in one scrape (0: no limit) */
  sampleLimit: number;
}

const NO_LIMITS: ParseLimits = { labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0, sampleLimit: 0 };

const SUFFIXES: Record<FamilyType, readonly string[]> = {
  counter: ['_total', '_created'],
  gauge: [],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['_sum', '_count', '_created'],
  untyped: [],
  unknown: [],
  info: ['_info'],
  stateset: [],
};
const TYPES = new Set(Object.keys(SUFFIXES));

export function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}
export function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

export function parseValue(s: string): number {
  switch (s) {
    case 'NaN':
    case 'nan':
      return NaN;
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
  }
  if (s === '' || s.startsWith('0x') || s.startsWith('0X')) return NaN - 1; // marker handled by caller
  return Number(s);
}

export function parseExposition(text: string, openMetrics: boolean, limits: ParseLimits = NO_LIMITS): ParseResult {
  const families: Family[] = [];
  const byName = new Map<string, Family>();
  let cur: Family | undefined;
  let samples = 0;
  let duplicates = 0;
  let seen: Set<string> | undefined = new Set<string>();
  let sawEof = false;
  const n = text.length;
  let pos = 0;
  let line = 0;

  while (pos < n) {
    line++;
    let eol = text.indexOf('\n', pos);
    if (eol < 0) {
      if (openMetrics) throw new ExpositionError(line, 'body ends without "# EOF" (truncated?)');
      eol = n;
    }
    if (sawEof) throw new ExpositionError(line, 'data after "# EOF"');
    const start = pos;
    pos = eol + 1;
    let end = eol;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (start === end) {
      if (openMetrics) throw new ExpositionError(line, 'empty line');
      continue;
    }
    const c0 = text.charCodeAt(start);
    if (c0 === 35 /* # */) {
      const l = text.slice(start, end);
      if (l === '# EOF') {
        if (!openMetrics) throw new ExpositionError(line, '"# EOF" in the text format');
        sawEof = true;
        continue;
      }
      const f = metadataLine(l, line, openMetrics, families, byName);
      if (f) cur = f;
      continue;
    }
    if (c0 === 32 || c0 === 9) {
      // text format allows leading blanks
      if (openMetrics) throw new ExpositionError(line, 'leading whitespace');
      if (text.slice(start, end).trim() === '') continue;
    }
    // sample: name [{labels}] value [timestamp] [# exemplar]
    let p = start;
    while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    const ns = p;
    if (!isNameStart(text.charCodeAt(p))) throw new ExpositionError(line, `expected a metric name, got "${text.slice(p, Math.min(end, p + 20))}"`);
    p++;
    while (p < end && isNameChar(text.charCodeAt(p))) p++;
    const name = text.slice(ns, p);
    const labels: string[] = [];
    let rawLabels = '';
    if (p < end && text.charCodeAt(p) === 123 /* { */) {
      const ls = p;
      p = parseLabels(text, p + 1, end, labels, line, limits);
      rawLabels = text.slice(ls, p);
    }
    if (p >= end || (text.charCodeAt(p) !== 32 && text.charCodeAt(p) !== 9)) throw new ExpositionError(line, `expected a value after ${name}${rawLabels}`);
    while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    const vs = p;
    while (p < end && text.charCodeAt(p) !== 32 && text.charCodeAt(p) !== 9) p++;
    const vtext = text.slice(vs, p);
    const value = parseValue(vtext);
    if (Number.isNaN(value) && vtext !== 'NaN' && vtext !== 'nan') throw new ExpositionError(line, `invalid value "${vtext}" for ${name}`);
    while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    let ts: number | undefined;
    if (p < end && text.charCodeAt(p) !== 35 /* # exemplar */) {
      const tsStart = p;
      while (p < end && text.charCodeAt(p) !== 32 && text.charCodeAt(p) !== 9) p++;
      const t = Number(text.slice(tsStart, p));
      if (!Number.isFinite(t) || text.slice(tsStart, p) === '') throw new ExpositionError(line, `invalid timestamp "${text.slice(tsStart, p)}"`);
      ts = openMetrics ? Math.round(t * 1000) : Math.trunc(t);
      while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    }
    if (p < end && text.charCodeAt(p) !== 35) throw new ExpositionError(line, `unexpected "${text.slice(p, Math.min(end, p + 20))}" after the value`);
    if (p < end && !openMetrics) throw new ExpositionError(line, 'exemplars are only allowed in OpenMetrics');

    const f = familyOf(name, cur, openMetrics, families, byName);
    cur = f;
    samples++;
    if (limits.sampleLimit > 0 && samples > limits.sampleLimit) throw new ExpositionError(line, `more than sample_limit (${limits.sampleLimit}) samples`);
    if (seen) {
      const key = name + rawLabels;
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      if (seen.size > 2_000_000) seen = undefined;
    }
    f.samples.push({ name, labels, rawLabels, value, ts });
  }
  if (openMetrics && !sawEof) throw new ExpositionError(line, 'body ends without "# EOF" (truncated?)');
  return { families, samples, duplicates, openMetrics };
}

/** A new, untyped family named `name`, appended to the scrape's families. */
function addFamily(name: string, openMetrics: boolean, families: Family[], byName: Map<string, Family>): Family {
  const f: Family = { name, type: openMetrics ? 'unknown' : 'untyped', help: '', unit: '', samples: [] };
  byName.set(name, f);
  families.push(f);
  return f;
}

/**
 * A `# HELP`, `# TYPE` or `# UNIT` line (other comments: undefined): the family it describes,
 * with the metadata applied. Shared by both scrape paths.
 */
export function metadataLine(l: string, line: number, openMetrics: boolean, families: Family[], byName: Map<string, Family>): Family | undefined {
  const m = /^#\s+(HELP|TYPE|UNIT)\s+(\S+)(?:\s(.*))?$/.exec(l);
  if (!m) return undefined; // other comments
  const [, kw, name, rest = ''] = m;
  if (!isValidName(name!)) throw new ExpositionError(line, `invalid metric name "${name}" in ${kw}`);
  let f = byName.get(name!);
  // metadata for a name whose family already has samples starts a second family of that
  // name: client_golang's OpenMetrics output does this for a counter `x_total` (family
  // `x`) next to a gauge `x`. Prometheus parses families as a stream and accepts it.
  if (!f || f.samples.length > 0 || (f.points ?? 0) > 0) f = addFamily(name!, openMetrics, families, byName);
  if (kw === 'TYPE') {
    const t = rest.trim();
    if (!TYPES.has(t)) throw new ExpositionError(line, `unknown metric type "${t}"`);
    f.type = t as FamilyType;
  } else if (kw === 'HELP') f.help = openMetrics ? unescapeHelp(rest, line) : rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
  else f.unit = rest.trim();
  return f;
}

/** The family a sample named `name` belongs to: the current one when the name (or name + suffix) fits, else by name. */
export function familyOf(name: string, cur: Family | undefined, openMetrics: boolean, families: Family[], byName: Map<string, Family>): Family {
  if (cur && (name === cur.name || (name.length > cur.name.length && name.startsWith(cur.name) && SUFFIXES[cur.type].includes(name.slice(cur.name.length))))) return cur;
  const f = byName.get(name);
  if (f) return f;
  for (const suf of ALL_SUFFIXES) {
    if (name.endsWith(suf)) {
      const g = byName.get(name.slice(0, -suf.length));
      if (g && SUFFIXES[g.type].includes(suf)) return g;
    }
  }
  return addFamily(name, openMetrics, families, byName);
}

const ALL_SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created', '_info', '_gsum', '_gcount'];

function isValidName(s: string): boolean {
  if (s.length === 0 || !isNameStart(s.charCodeAt(0))) return false;
  for (let i = 1; i < s.length; i++) if (!isNameChar(s.charCodeAt(i))) return false;
  return true;
}

function unescapeHelp(s: string, line: number): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const nx = s[++i];
    if (nx === 'n') out += '\n';
    else if (nx === '\\') out += '\\';
    else if (nx === '"') out += '"';
    else throw new ExpositionError(line, `invalid escape "\\${nx ?? ''}" in HELP`);
  }
  return out;
}

/** Parses `name="value",…}` from `p` (just after `{`); returns the index after `}`. */
export function parseLabels(text: string, p: number, end: number, out: string[], line: number, limits: ParseLimits): number {
  for (;;) {
    while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    if (p >= end) throw new ExpositionError(line, 'unterminated label set (truncated?)');
    if (text.charCodeAt(p) === 125 /* } */) return p + 1;
    const ns = p;
    if (!isNameStart(text.charCodeAt(p)) || text.charCodeAt(p) === 58) throw new ExpositionError(line, `invalid label name at "${text.slice(p, Math.min(end, p + 20))}"`);
    p++;
    while (p < end && (isNameChar(text.charCodeAt(p)) && text.charCodeAt(p) !== 58)) p++;
    const lname = text.slice(ns, p);
    while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    if (text.charCodeAt(p) !== 61 /* = */) throw new ExpositionError(line, `expected "=" after label name ${lname}`);
    p++;
    while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    if (text.charCodeAt(p) !== 34 /* " */) throw new ExpositionError(line, `expected a quoted value for label ${lname}`);
    p++;
    const vs = p;
    let value: string | undefined;
    let buf = '';
    let escaped = false;
    for (;;) {
      if (p >= end) throw new ExpositionError(line, `unterminated value for label ${lname} (truncated?)`);
      const c = text.charCodeAt(p);
      if (c === 34) {
        value = escaped ? buf : text.slice(vs, p);
        break;
      }
      if (c === 92 /* \ */) {
        if (!escaped) {
          escaped = true;
          buf = text.slice(vs, p);
        }
        const nx = text.charCodeAt(p + 1);
        if (nx === 110) buf += '\n';
        else if (nx === 92) buf += '\\';
        else if (nx === 34) buf += '"';
        else throw new ExpositionError(line, `invalid escape "\\${text[p + 1] ?? ''}" in the value of label ${lname}`);
        p += 2;
        continue;
      }
      if (escaped) buf += text[p];
      p++;
    }
    p++;
    if (limits.labelNameLengthLimit > 0 && lname.length > limits.labelNameLengthLimit) throw new ExpositionError(line, `label name ${lname.slice(0, 40)}… longer than label_name_length_limit (${limits.labelNameLengthLimit})`);
    if (limits.labelValueLengthLimit > 0 && value.length > limits.labelValueLengthLimit) throw new ExpositionError(line, `value of label ${lname} longer than label_value_length_limit (${limits.labelValueLengthLimit})`);
    for (let i = 0; i < out.length; i += 2) if (out[i] === lname) throw new ExpositionError(line, `label ${lname} given twice`);
    out.push(lname, value);
    if (limits.labelLimit > 0 && out.length / 2 > limits.labelLimit) throw new ExpositionError(line, `more than label_limit (${limits.labelLimit}) labels`);
    while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    const c = text.charCodeAt(p);
    if (c === 44 /* , */) {
      p++;
      continue;
    }
    if (c === 125) return p + 1;
    throw new ExpositionError(line, `expected "," or "}" after label ${lname}`);
  }
}
