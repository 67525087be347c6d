export { prometheusExporterFactory } from './factory.js';
export { PrometheusExporter } from './prometheus-exporter.js';
export type { PrometheusExporterConfig } from './config.js';
