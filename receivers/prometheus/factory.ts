import type { ReceiverFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, type PrometheusConfig } from './config.js';
import { PrometheusReceiver } from './prometheus-receiver.js';

export const prometheusReceiverFactory: ReceiverFactory<PrometheusConfig> = {
  type: 'prometheus',
  signals: ['metrics'],
  createDefaultConfig,
  parseConfig,
  create: (config, next, ctx) => new PrometheusReceiver(config, next, ctx),
};
