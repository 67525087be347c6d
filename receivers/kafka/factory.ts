import type { ReceiverFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, KAFKA_RECEIVER_FIELDS, type KafkaReceiverConfig } from './config.js';
import { KafkaReceiver } from './kafka-receiver.js';

export const kafkaReceiverFactory: ReceiverFactory<KafkaReceiverConfig> = {
  type: 'kafka',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: KAFKA_RECEIVER_FIELDS,
  create: (config, next, ctx) => new KafkaReceiver(config, next, ctx),
};
