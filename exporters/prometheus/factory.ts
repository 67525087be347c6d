import type { ExporterFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, type PrometheusExporterConfig } from './config.js';
import { PrometheusExporter } from './prometheus-exporter.js';

export const prometheusExporterFactory: ExporterFactory<PrometheusExporterConfig> = {
  type: 'prometheus',
  signals: ['metrics'],
  createDefaultConfig,
  parseConfig,
  create: (config, ctx) => new PrometheusExporter(config, ctx),
};
