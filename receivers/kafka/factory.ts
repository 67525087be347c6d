import type { ReceiverFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, KAFKA_RECEIVER_FIELDS, type KafkaReceiverConfig } from './config.js';
import { LazyReceiver } from '../../src/lazy/lazy-component.js';

export const kafkaReceiverFactory: ReceiverFactory<KafkaReceiverConfig> = {
  type: 'kafka',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: KAFKA_RECEIVER_FIELDS,
  // kafkajs loads when the receiver starts, not with the registry
  create: (config, next, ctx) => new LazyReceiver(async () => new (await import('./kafka-receiver.js')).KafkaReceiver(config, next, ctx)),
};
