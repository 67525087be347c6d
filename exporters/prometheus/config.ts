// prometheus exporter config, in the shape of the Collector's prometheusexporter where it
// overlaps (endpoint, namespace, const_labels, metric_expiration,
// resource_to_telemetry_conversion), plus max_series and span-derived RED metrics.
import type { ConfigErrors } from '../../src/config/errors.js';
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

const KEYS = ['endpoint', 'namespace', 'const_labels', 'metric_expiration', 'max_series', 'resource_attributes', 'resource_to_telemetry_conversion', 'add_metric_suffixes', 'span_metrics'];
const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): PrometheusExporterConfig {
  const d = createDefaultConfig();
  const f = new Fields(raw, path, errors, KEYS);
  const namespace = f.string('namespace', d.namespace);
  if (namespace !== '' && !NAME_RE.test(namespace)) f.fail('namespace', `not a valid Prometheus metric name prefix: "${namespace}"`);
  const constLabels = f.stringMap('const_labels');
  for (const k of Object.keys(constLabels)) {
    if (!LABEL_RE.test(k) || k.startsWith('__')) errors.add(`${f.at('const_labels')}.${k}`, 'not a valid Prometheus label name');
  }
  const rt = f.sub('resource_to_telemetry_conversion', ['enabled']);
  const sm = f.sub('span_metrics', ['enabled', 'namespace', 'dimensions', 'buckets', 'exemplars']);
  const smNamespace = sm.string('namespace', d.spanMetrics.namespace, { nonEmpty: true });
  if (!NAME_RE.test(smNamespace)) sm.fail('namespace', `not a valid Prometheus metric name prefix: "${smNamespace}"`);
  let buckets = d.spanMetrics.buckets;
  const rawBuckets = sm.obj['buckets'];
  if (rawBuckets !== undefined && rawBuckets !== null) {
    if (!Array.isArray(rawBuckets) || rawBuckets.length === 0 || !rawBuckets.every((b) => typeof b === 'number' && Number.isFinite(b))) {
      sm.fail('buckets', 'expected a non-empty list of numbers (seconds)');
    } else if (!rawBuckets.every((b, i) => i === 0 || (b as number) > (rawBuckets[i - 1] as number))) {
      sm.fail('buckets', 'must be strictly increasing');
    } else buckets = rawBuckets as number[];
  }
  return {
    endpoint: f.endpoint('endpoint', d.endpoint),
    namespace,
    constLabels,
    metricExpirationMs: f.duration('metric_expiration', d.metricExpirationMs, { min: 1000 }),
    maxSeries: f.number('max_series', d.maxSeries, { min: 1, integer: true }),
    resourceAttributes: f.stringList('resource_attributes', d.resourceAttributes),
    resourceToTelemetry: rt.bool('enabled', d.resourceToTelemetry),
    addMetricSuffixes: f.bool('add_metric_suffixes', d.addMetricSuffixes),
    spanMetrics: {
      enabled: sm.bool('enabled', d.spanMetrics.enabled),
      namespace: smNamespace,
      dimensions: sm.stringList('dimensions', d.spanMetrics.dimensions),
      buckets,
      exemplars: sm.bool('exemplars', d.spanMetrics.exemplars),
    },
  };
}
