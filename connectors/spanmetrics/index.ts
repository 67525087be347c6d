export { spanMetricsConnectorFactory } from './factory.js';
export { SpanMetricsConnector } from './spanmetrics-connector.js';
export type { SpanMetricsConfig } from './config.js';
