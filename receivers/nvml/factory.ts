import type { ReceiverFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, type NvmlReceiverConfig } from './config.js';
import { NvmlReceiver } from './nvml.js';

export const nvmlReceiverFactory: ReceiverFactory<NvmlReceiverConfig> = {
  type: 'nvml',
  signals: ['metrics', 'logs'],
  createDefaultConfig,
  parseConfig,
  create: (config, next, ctx) => new NvmlReceiver(config, next, ctx),
};
