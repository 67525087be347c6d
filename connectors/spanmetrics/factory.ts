import type { ConnectorFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, SPANMETRICS_FIELDS, type SpanMetricsConfig } from './config.js';
import { SpanMetricsConnector } from './spanmetrics-connector.js';

export const spanMetricsConnectorFactory: ConnectorFactory<SpanMetricsConfig> = {
  type: 'spanmetrics',
  signals: ['traces'],
  emits: ['metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: SPANMETRICS_FIELDS,
  create: (config, ctx) => new SpanMetricsConnector(config, ctx),
};
