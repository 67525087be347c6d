import type { ReceiverFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, PROFILER_FIELDS, type ProfilerReceiverConfig } from './config.js';
import { ProfilerReceiver } from './profiler.js';

export const profilerReceiverFactory: ReceiverFactory<ProfilerReceiverConfig> = {
  type: 'profiler',
  signals: ['traces', 'metrics', 'logs'],
  createDefaultConfig,
  parseConfig,
  configFields: PROFILER_FIELDS,
  create: (config, next, ctx) => new ProfilerReceiver(config, next, ctx),
};
