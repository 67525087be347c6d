// prometheus exporter config, in the shape of the Collector's prometheusexporter where it
// overlaps (endpoint, namespace, const_labels, metric_expiration,
// resource_to_telemetry_conversion), plus max_series and span-derived RED metrics.
import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
import { Fields } from '../../src/config/fields.js';

export interface SpanMetricsConfig {
  enabled: boolean;
  /** metric name prefix: <namespace>_calls_total, _errors_total, _duration_seconds, _tokens_total, _gpu_utilization_percent */
  namespace: string;
  /** span attributes that become labels (dots become underscores) when a span has them */
  dimensions: string[];
  /** duration histogram bounds, in seconds */
  buckets: number[];
  /** attach the trace id of a recent span to each duration bucket (served in OpenMetrics only) */
  exemplars: boolean;
}

export interface PrometheusExporterConfig {
  endpoint: string;
  /** prefix of every served OTLP metric name (not of span metrics, which have their own) */
  namespace: string;
  constLabels: Record<string, string>;
  /** series not updated for this long disappear */
  metricExpirationMs: number;
  /** series served at most; points of further new series are counted and left out */
  maxSeries: number;
  /** resource attributes copied onto every series of that resource as labels */
  resourceAttributes: string[];
  /** all resource attributes become labels (the Collector's resource_to_telemetry_conversion) */
  resourceToTelemetry: boolean;
  /** unit and _total suffixes, as the Collector's add_metric_suffixes */
  addMetricSuffixes: boolean;
  spanMetrics: SpanMetricsConfig;
}

export const DEFAULT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60];
export const DEFAULT_RESOURCE_ATTRIBUTES = ['service.name', 'service.namespace', 'service.instance.id', 'host.name', 'k8s.node.name', 'k8s.namespace.name', 'k8s.pod.name'];
export const DEFAULT_DIMENSIONS = ['http.route', 'gen_ai.request.model', 'gen_ai.operation.name'];

export function createDefaultConfig(): PrometheusExporterConfig {
  return {
    endpoint: '127.0.0.1:8889',
    namespace: '',
    constLabels: {},
    metricExpirationMs: 5 * 60_000,
    maxSeries: 10_000,
    resourceAttributes: [...DEFAULT_RESOURCE_ATTRIBUTES],
    resourceToTelemetry: false,
    addMetricSuffixes: true,
    spanMetrics: { enabled: true, namespace: 'traces_span_metrics', dimensions: [...DEFAULT_DIMENSIONS], buckets: [...DEFAULT_DURATION_BUCKETS], exemplars: true },
  };
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const d = createDefaultConfig();
const metricPrefix = (s: string): string | undefined => (s !== '' && !NAME_RE.test(s) ? `not a valid Prometheus metric name prefix: "${s}"` : undefined);

export const SPAN_METRICS_FIELDS = fieldTable({
  enabled: { type: 'bool', default: d.spanMetrics.enabled, doc: 'Serve RED metrics (calls, errors, duration, tokens, GPU utilisation) derived from the spans of traces pipelines.' },
  namespace: { type: 'string', default: d.spanMetrics.namespace, nonEmpty: true, check: metricPrefix, doc: 'Metric name prefix: <namespace>_calls_total, _errors_total, _duration_seconds…' },
  dimensions: { type: 'strings', default: d.spanMetrics.dimensions, doc: 'Span attributes that become labels (dots become underscores) when a span has them.' },
  buckets: { type: 'custom', typeText: 'list of numbers', defaultText: DEFAULT_DURATION_BUCKETS.join(', '), doc: 'Duration histogram bounds in seconds, strictly increasing.' },
  exemplars: { type: 'bool', default: d.spanMetrics.exemplars, doc: 'Attach the trace id of a recent span to each duration bucket (served in OpenMetrics only).' },
});

export const PROMETHEUS_EXPORTER_FIELDS = fieldTable({
  endpoint: { type: 'endpoint', default: d.endpoint, doc: 'host:port /metrics is served on.' },
  namespace: { type: 'string', default: d.namespace, check: metricPrefix, doc: 'Prefix of every served OTLP metric name (not of span metrics).' },
  const_labels: { type: 'map', doc: 'Labels added to every series.' },
  metric_expiration: { type: 'duration', default: d.metricExpirationMs, min: 1000, doc: 'Series not updated for this long disappear.' },
  max_series: { type: 'integer', default: d.maxSeries, min: 1, doc: 'Series served at most; points of further new series are counted and left out.' },
  resource_attributes: { type: 'strings', default: d.resourceAttributes, doc: 'Resource attributes copied onto every series of that resource as labels.' },
  resource_to_telemetry_conversion: {
    type: 'section',
    doc: 'The Collector\'s switch for turning every resource attribute into a label.',
    fields: { enabled: { type: 'bool', default: d.resourceToTelemetry, doc: 'All resource attributes become labels.' } },
  },
  add_metric_suffixes: { type: 'bool', default: d.addMetricSuffixes, doc: 'Unit and _total suffixes on metric names, as the Collector\'s add_metric_suffixes.' },
  span_metrics: { type: 'section', fields: SPAN_METRICS_FIELDS, doc: 'Metrics derived from spans.' },
});

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): PrometheusExporterConfig {
  const f = new Fields(raw, path, errors, PROMETHEUS_EXPORTER_FIELDS);
  const constLabels = f.get('const_labels');
  for (const k of Object.keys(constLabels)) {
    if (!LABEL_RE.test(k) || k.startsWith('__')) errors.add(`${f.at('const_labels')}.${k}`, 'not a valid Prometheus label name');
  }
  const rt = f.sub('resource_to_telemetry_conversion');
  const sm = f.sub('span_metrics');
  let buckets = d.spanMetrics.buckets;
  const rawBuckets = sm.get('buckets');
  if (rawBuckets !== undefined && rawBuckets !== null) {
    if (!Array.isArray(rawBuckets) || rawBuckets.length === 0 || !rawBuckets.every((b) => typeof b === 'number' && Number.isFinite(b))) {
      sm.fail('buckets', 'expected a non-empty list of numbers (seconds)');
    } else if (!rawBuckets.every((b, i) => i === 0 || (b as number) > (rawBuckets[i - 1] as number))) {
      sm.fail('buckets', 'must be strictly increasing');
    } else buckets = rawBuckets as number[];
  }
  return {
    endpoint: f.get('endpoint'),
    namespace: f.get('namespace'),
    constLabels,
    metricExpirationMs: f.get('metric_expiration'),
    maxSeries: f.get('max_series'),
    resourceAttributes: f.get('resource_attributes'),
    resourceToTelemetry: rt.get('enabled'),
    addMetricSuffixes: f.get('add_metric_suffixes'),
    spanMetrics: {
      enabled: sm.get('enabled'),
      namespace: sm.get('namespace'),
      dimensions: sm.get('dimensions'),
      buckets,
      exemplars: sm.get('exemplars'),
    },
  };
}
