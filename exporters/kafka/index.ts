export { kafkaExporterFactory } from './factory.js';
export type { KafkaExporterConfig } from './config.js';
