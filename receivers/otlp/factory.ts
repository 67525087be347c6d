import type { ReceiverFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, type OtlpReceiverConfig } from './config.js';
import { OtlpReceiver } from './otlp-receiver.js';

export const otlpReceiverFactory: ReceiverFactory<OtlpReceiverConfig> = {
  type: 'otlp',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  create: (config, next, ctx) => new OtlpReceiver(config, next, ctx),
};
