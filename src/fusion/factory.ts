import type { ProcessorFactory } from '../component.js';
import { createDefaultConfig, parseConfig, FUSION_FIELDS, type FusionConfig } from './config.js';
import { FusionProcessor } from './fusion-processor.js';

export const fusionProcessorFactory: ProcessorFactory<FusionConfig> = {
  type: 'fusion',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: FUSION_FIELDS,
  create: (config, ctx) => new FusionProcessor(config, ctx),
};
