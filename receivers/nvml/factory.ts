import type { ReceiverFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, NVML_FIELDS, type NvmlReceiverConfig } from './config.js';
import { NvmlReceiver } from './nvml.js';

export const nvmlReceiverFactory: ReceiverFactory<NvmlReceiverConfig> = {
  type: 'nvml',
  signals: ['metrics', 'logs'],
  createDefaultConfig,
  parseConfig,
  configFields: NVML_FIELDS,
  create: (config, next, ctx) => new NvmlReceiver(config, next, ctx),
};
