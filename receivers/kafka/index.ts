export { kafkaReceiverFactory } from './factory.js';
export { KafkaReceiver, decodeMessage, BadMessage } from './kafka-receiver.js';
export type { KafkaReceiverConfig } from './config.js';
