import type { ExporterFactory } from '../../src/component.js';
import { RetryingExporter } from '../../src/exporterhelper/retrying-exporter.js';
import { createDefaultConfig, parseConfig, KAFKA_FIELDS, type KafkaExporterConfig } from './config.js';
import { LazyExporter } from '../../src/lazy/lazy-component.js';

export const kafkaExporterFactory: ExporterFactory<KafkaExporterConfig> = {
  type: 'kafka',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: KAFKA_FIELDS,
  // kafkajs loads when the exporter starts, not with the registry
  create: (config, ctx) => new RetryingExporter(new LazyExporter(async () => new (await import('./kafka-exporter.js')).KafkaExporter(config, ctx)), config.retry, ctx),
};
