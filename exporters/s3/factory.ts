import type { CreateContext, ExporterFactory } from '../../src/component.js';
import { RetryingExporter } from '../../src/exporterhelper/retrying-exporter.js';
import { createDefaultConfig, parseConfig, S3_FIELDS, type S3ExporterConfig } from './config.js';
import { S3Exporter, type S3ExporterOptions } from './s3-exporter.js';

/** The exporter with its retry policy around it; `opts` lets tests inject a clock or credentials. */
export function createS3Exporter(config: S3ExporterConfig, ctx: CreateContext, opts?: S3ExporterOptions): RetryingExporter {
  return new RetryingExporter(new S3Exporter(config, ctx, opts), config.retry, ctx);
}

export const s3ExporterFactory: ExporterFactory<S3ExporterConfig> = {
  type: 's3',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: S3_FIELDS,
  create: (config, ctx) => createS3Exporter(config, ctx),
};
