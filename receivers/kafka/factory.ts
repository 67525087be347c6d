import type { ReceiverFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, type KafkaReceiverConfig } from './config.js';
import { KafkaReceiver } from './kafka-receiver.js';

export const kafkaReceiverFactory: ReceiverFactory<KafkaReceiverConfig> = {
  type: 'kafka',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  create: (config, next, ctx) => new KafkaReceiver(config, next, ctx),
};
