// prometheus exporter config, in the shape of the Collector's prometheusexporter where it
// overlaps (endpoint, namespace, const_labels, metric_expiration,
// resource_to_telemetry_conversion), plus max_series. Span RED metrics come from the spanmetrics
// connector.
import type { ConfigErrors } from '../../src/config/errors.js';
import { Fields } from '../../src/config/fields.js';

export interface PrometheusExporterConfig {
  endpoint: string;
  /** prefix of every served metric name */
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
}

export const DEFAULT_RESOURCE_ATTRIBUTES = ['service.name', 'service.namespace', 'service.instance.id', 'host.name', 'k8s.node.name', 'k8s.namespace.name', 'k8s.pod.name'];

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
  };
}

const KEYS = ['endpoint', 'namespace', 'const_labels', 'metric_expiration', 'max_series', 'resource_attributes', 'resource_to_telemetry_conversion', 'add_metric_suffixes'];
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
  return {
    endpoint: f.endpoint('endpoint', d.endpoint),
    namespace,
    constLabels,
    metricExpirationMs: f.duration('metric_expiration', d.metricExpirationMs, { min: 1000 }),
    maxSeries: f.number('max_series', d.maxSeries, { min: 1, integer: true }),
    resourceAttributes: f.stringList('resource_attributes', d.resourceAttributes),
    resourceToTelemetry: rt.bool('enabled', d.resourceToTelemetry),
    addMetricSuffixes: f.bool('add_metric_suffixes', d.addMetricSuffixes),
  };
}
