import type { ExporterFactory } from '../../src/component.js';
import { RetryingExporter } from '../../src/exporterhelper/retrying-exporter.js';
import { createDefaultConfig, parseConfig, type KafkaExporterConfig } from './config.js';
import { KafkaExporter } from './kafka-exporter.js';

export const kafkaExporterFactory: ExporterFactory<KafkaExporterConfig> = {
  type: 'kafka',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  create: (config, ctx) => new RetryingExporter(new KafkaExporter(config, ctx), config.retry, ctx),
};
