export { kafkaReceiverFactory } from './factory.js';
export type { KafkaReceiverConfig } from './config.js';
