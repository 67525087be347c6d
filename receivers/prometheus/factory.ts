import type { ReceiverFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, PROMETHEUS_RECEIVER_FIELDS, type PrometheusConfig } from './config.js';
import { PrometheusReceiver } from './prometheus-receiver.js';

export const prometheusReceiverFactory: ReceiverFactory<PrometheusConfig> = {
  type: 'prometheus',
  signals: ['metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: PROMETHEUS_RECEIVER_FIELDS,
  create: (config, next, ctx) => new PrometheusReceiver(config, next, ctx),
};
