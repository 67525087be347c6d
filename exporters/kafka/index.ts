export { kafkaExporterFactory } from './factory.js';
export { KafkaExporter } from './kafka-exporter.js';
export { registerKafkaCodecs } from './codecs.js';
export type { KafkaExporterConfig } from './config.js';
