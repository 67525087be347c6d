// prometheus exporter config, in the shape of the Collector's prometheusexporter where it
// overlaps (endpoint, namespace, const_labels, metric_expiration,
// resource_to_telemetry_conversion), plus max_series. Span RED metrics come from the spanmetrics
// connector.
import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
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

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const d = createDefaultConfig();
const metricPrefix = (s: string): string | undefined => (s !== '' && !NAME_RE.test(s) ? `not a valid Prometheus metric name prefix: "${s}"` : undefined);

export const PROMETHEUS_EXPORTER_FIELDS = fieldTable({
  endpoint: { type: 'endpoint', default: d.endpoint, doc: 'host:port /metrics is served on.' },
  namespace: { type: 'string', default: d.namespace, check: metricPrefix, doc: 'Prefix of every served metric name.' },
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
});

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): PrometheusExporterConfig {
  const f = new Fields(raw, path, errors, PROMETHEUS_EXPORTER_FIELDS);
  const constLabels = f.get('const_labels');
  for (const k of Object.keys(constLabels)) {
    if (!LABEL_RE.test(k) || k.startsWith('__')) errors.add(`${f.at('const_labels')}.${k}`, 'not a valid Prometheus label name');
  }
  const rt = f.sub('resource_to_telemetry_conversion');
  return {
    endpoint: f.get('endpoint'),
    namespace: f.get('namespace'),
    constLabels,
    metricExpirationMs: f.get('metric_expiration'),
    maxSeries: f.get('max_series'),
    resourceAttributes: f.get('resource_attributes'),
    resourceToTelemetry: rt.get('enabled'),
    addMetricSuffixes: f.get('add_metric_suffixes'),
  };
}
