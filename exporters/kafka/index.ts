export { kafkaExporterFactory } from './factory.js';
export { KafkaExporter } from './kafka-exporter.js';
export type { KafkaExporterConfig } from './config.js';
