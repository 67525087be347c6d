import type { ConnectorFactory } from '../../src/component.js';
import { createDefaultConfig, FUSION_FIELDS, parseConfig, type FusionConfig } from './config.js';
import { FusionConnector } from './fusion-connector.js';

export const fusionConnectorFactory: ConnectorFactory<FusionConfig> = {
  type: 'fusion',
  signals: ['traces', 'logs', 'metrics'],
  emits: ['traces', 'logs'],
  // ~2 s of held spans, their traces and the late window's tables: a live heap of ~90 MB at 50k spans/s
  largeLiveHeap: true,
  createDefaultConfig,
  parseConfig,
  configFields: FUSION_FIELDS,
  create: (config, ctx) => new FusionConnector(config, ctx),
};
