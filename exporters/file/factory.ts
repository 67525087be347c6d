import type { ExporterFactory } from '../../src/component.js';
import { RetryingExporter } from '../../src/exporterhelper/retrying-exporter.js';
import { createDefaultConfig, parseConfig, FILE_FIELDS, type FileExporterConfig } from './config.js';
import { FileExporter } from './file-exporter.js';

export const fileExporterFactory: ExporterFactory<FileExporterConfig> = {
  type: 'file',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: FILE_FIELDS,
  create: (config, ctx) => new RetryingExporter(new FileExporter(config, ctx), config.retry, ctx),
};
