export { s3ExporterFactory, createS3Exporter } from './factory.js';
export type { S3ExporterOptions } from './s3-exporter.js';
export type { S3ExporterConfig } from './config.js';
