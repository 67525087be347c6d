import type { ExporterFactory } from '../../src/component.js';
import { RetryingExporter } from '../../src/exporterhelper/retrying-exporter.js';
import { createDefaultConfig, parseConfig, KAFKA_FIELDS, type KafkaExporterConfig } from './config.js';
import { KafkaExporter } from './kafka-exporter.js';

export const kafkaExporterFactory: ExporterFactory<KafkaExporterConfig> = {
  type: 'kafka',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: KAFKA_FIELDS,
  create: (config, ctx) => new RetryingExporter(new KafkaExporter(config, ctx), config.retry, ctx),
};
