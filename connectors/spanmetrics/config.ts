// `connectors.spanmetrics`: RED metrics from spans, in the shape of the Collector contrib
// spanmetricsconnector (same keys where they overlap, same metric and attribute names).
import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
import { describe, Fields, isPlainObject } from '../../src/config/fields.js';
import { keyPath } from '../../src/config/errors.js';
import { parseDuration } from '../../src/config/units.js';

export interface Dimension {
  /** span (or resource) attribute */
  name: string;
  /** value when the span has no such attribute; absent: the dimension is left out */
  default: string | undefined;
}

export interface SpanMetricsConfig {
  /** metric name prefix: <namespace>.calls, <namespace>.duration */
  namespace: string;
  dimensions: Dimension[];
  histogram: { unit: 'ms' | 's'; bucketsMs: number[] };
  metricsFlushIntervalMs: number;
  /** series kept at most; spans of further new series are counted and left out */
  cardinalityLimit: number;
}

/** contrib's default duration buckets */
export const DEFAULT_BUCKETS_MS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000];

export function createDefaultConfig(): SpanMetricsConfig {
  return {
    namespace: 'traces.span.metrics',
    dimensions: [],
    histogram: { unit: 'ms', bucketsMs: [...DEFAULT_BUCKETS_MS] },
    metricsFlushIntervalMs: 15_000,
    cardinalityLimit: 10_000,
  };
}

const d = createDefaultConfig();

export const SPANMETRICS_FIELDS = fieldTable({
  namespace: { type: 'string', default: d.namespace, doc: 'Metric name prefix: <namespace>.calls, <namespace>.duration (contrib spanmetricsconnector\'s default).' },
  dimensions: { type: 'custom', typeText: 'list of names or { name, default }', defaultText: 'none', doc: 'Span (else resource) attributes added to service.name, span.name, span.kind and status.code.' },
  histogram: {
    type: 'section',
    doc: 'The duration histogram.',
    fields: {
      unit: { type: 'enum', values: ['ms', 's'], default: d.histogram.unit, doc: 'Unit of the duration histogram.' },
      explicit: {
        type: 'section',
        doc: 'Explicit bucket bounds.',
        fields: { buckets: { type: 'custom', typeText: 'list of durations', defaultText: DEFAULT_BUCKETS_MS.map((b) => `${b}ms`).join(', '), doc: 'Bucket bounds, strictly increasing.' } },
      },
    },
  },
  metrics_flush_interval: { type: 'duration', default: d.metricsFlushIntervalMs, min: 100, doc: 'How often the cumulative series are emitted.' },
  aggregation_cardinality_limit: { type: 'integer', default: d.cardinalityLimit, min: 1, doc: 'Series kept at most; spans of further new series are counted and left out.' },
});

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): SpanMetricsConfig {
  const f = new Fields(raw, path, errors, SPANMETRICS_FIELDS);
  const h = f.sub('histogram');
  const ex = h.sub('explicit');
  const dims: Dimension[] = [];
  const rawDims = f.get('dimensions');
  if (rawDims !== undefined && rawDims !== null) {
    if (!Array.isArray(rawDims)) f.fail('dimensions', `expected a list, got ${describe(rawDims)}`);
    else rawDims.forEach((x, i) => {
      const at = keyPath(f.at('dimensions'), i);
      if (typeof x === 'string' && x !== '') dims.push({ name: x, default: undefined });
      else if (isPlainObject(x) && typeof x['name'] === 'string' && x['name'] !== '') {
        for (const k of Object.keys(x)) if (k !== 'name' && k !== 'default') errors.add(`${at}.${k}`, 'unknown key');
        dims.push({ name: x['name'], default: x['default'] === undefined || x['default'] === null ? undefined : String(x['default']) });
      } else errors.add(at, 'expected an attribute name or { name, default }');
    });
  }
  let bucketsMs = d.histogram.bucketsMs;
  const rawBuckets = ex.get('buckets');
  if (rawBuckets !== undefined && rawBuckets !== null) {
    const parsed = Array.isArray(rawBuckets) ? rawBuckets.map((b) => parseDuration(b)) : [];
    if (!Array.isArray(rawBuckets) || parsed.length === 0 || parsed.some((b) => b === undefined)) ex.fail('buckets', 'expected a non-empty list of durations such as 100ms or 2s');
    else if (!parsed.every((b, i) => i === 0 || b! > parsed[i - 1]!)) ex.fail('buckets', 'must be strictly increasing');
    else bucketsMs = parsed as number[];
  }
  return {
    namespace: f.get('namespace'),
    dimensions: dims,
    histogram: { unit: h.get('unit'), bucketsMs },
    metricsFlushIntervalMs: f.get('metrics_flush_interval'),
    cardinalityLimit: f.get('aggregation_cardinality_limit'),
  };
}
