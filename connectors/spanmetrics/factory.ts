import type { ConnectorFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, type SpanMetricsConfig } from './config.js';
import { SpanMetricsConnector } from './spanmetrics-connector.js';

export const spanMetricsConnectorFactory: ConnectorFactory<SpanMetricsConfig> = {
  type: 'spanmetrics',
  signals: ['traces'],
  emits: ['metrics'],
  createDefaultConfig,
  parseConfig,
  create: (config, ctx) => new SpanMetricsConnector(config, ctx),
};
