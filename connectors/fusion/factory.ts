import type { ConnectorFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, type FusionConfig } from './config.js';
import { FusionConnector } from './fusion-connector.js';

export const fusionConnectorFactory: ConnectorFactory<FusionConfig> = {
  type: 'fusion',
  signals: ['traces', 'logs', 'metrics'],
  emits: ['traces', 'logs'],
  createDefaultConfig,
  parseConfig,
  create: (config, ctx) => new FusionConnector(config, ctx),
};
