import type { ConnectorFactory } from '../../src/component.js';
import { createDefaultConfig, FUSION_FIELDS, parseConfig, type FusionConfig } from './config.js';
import { FusionConnector } from './fusion-connector.js';

export const fusionConnectorFactory: ConnectorFactory<FusionConfig> = {
  type: 'fusion',
  signals: ['traces', 'logs', 'metrics'],
  emits: ['traces', 'logs'],
  createDefaultConfig,
  parseConfig,
  configFields: FUSION_FIELDS,
  create: (config, ctx) => new FusionConnector(config, ctx),
};
