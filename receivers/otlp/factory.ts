import type { ReceiverFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, OTLP_RECEIVER_FIELDS, type OtlpReceiverConfig } from './config.js';
import { OtlpReceiver } from './otlp-receiver.js';

export const otlpReceiverFactory: ReceiverFactory<OtlpReceiverConfig> = {
  type: 'otlp',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: OTLP_RECEIVER_FIELDS,
  create: (config, next, ctx) => new OtlpReceiver(config, next, ctx),
};
