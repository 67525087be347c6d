import type { ExporterFactory } from '../../src/component.js';
import { RetryingExporter } from '../../src/exporterhelper/retrying-exporter.js';
import { defaultsFor, otlpFields, parseOtlpConfig, type OtlpExporterConfig } from './config.js';
import { LazyExporter } from '../../src/lazy/lazy-component.js';
import type { CreateContext, Exporter } from '../../src/component.js';

// @grpc/grpc-js loads when the exporter starts, not with the registry
function transport(config: OtlpExporterConfig, ctx: CreateContext): Exporter {
  return new LazyExporter(async () => new (await import('./otlp-exporter.js')).OtlpExporter(config, ctx));
}

/** `otlp`: OTLP/gRPC by default (as the Collector's otlp exporter); `protocol: http/protobuf` switches. */
export const otlpExporterFactory: ExporterFactory<OtlpExporterConfig> = {
  type: 'otlp',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig: () => defaultsFor('grpc'),
  parseConfig: parseOtlpConfig('grpc'),
  configFields: otlpFields('grpc'),
  create: (config, ctx) => new RetryingExporter(transport(config, ctx), config.retry, ctx),
};

/** `otlphttp`: OTLP/HTTP protobuf by default (as the Collector's otlphttp exporter). */
export const otlpHttpExporterFactory: ExporterFactory<OtlpExporterConfig> = {
  type: 'otlphttp',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig: () => defaultsFor('http/protobuf'),
  parseConfig: parseOtlpConfig('http/protobuf'),
  configFields: otlpFields('http/protobuf'),
  create: (config, ctx) => new RetryingExporter(transport(config, ctx), config.retry, ctx),
};
