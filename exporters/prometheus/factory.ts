import type { ExporterFactory } from '../../src/component.js';
import { createDefaultConfig, parseConfig, PROMETHEUS_EXPORTER_FIELDS, type PrometheusExporterConfig } from './config.js';
import { PrometheusExporter } from './prometheus-exporter.js';

export const prometheusExporterFactory: ExporterFactory<PrometheusExporterConfig> = {
  type: 'prometheus',
  signals: ['metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: PROMETHEUS_EXPORTER_FIELDS,
  create: (config, ctx) => new PrometheusExporter(config, ctx),
};
