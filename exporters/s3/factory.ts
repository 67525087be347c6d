import type { CreateContext, ExporterFactory } from '../../src/component.js';
import { RetryingExporter } from '../../src/exporterhelper/retrying-exporter.js';
import { createDefaultConfig, parseConfig, S3_FIELDS, type S3ExporterConfig } from './config.js';
import { LazyExporter } from '../../src/lazy/lazy-component.js';
import type { S3ExporterOptions } from './s3-exporter.js';

/** The exporter with its retry policy around it; `opts` lets tests inject a clock or credentials. */
export function createS3Exporter(config: S3ExporterConfig, ctx: CreateContext, opts?: S3ExporterOptions): RetryingExporter {
  // the AWS SDK loads when the exporter starts, not with the registry
  const transport = new LazyExporter(async () => new (await import('./s3-exporter.js')).S3Exporter(config, ctx, opts));
  return new RetryingExporter(transport, config.retry, ctx);
}

export const s3ExporterFactory: ExporterFactory<S3ExporterConfig> = {
  type: 's3',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig,
  parseConfig,
  configFields: S3_FIELDS,
  create: (config, ctx) => createS3Exporter(config, ctx),
};
