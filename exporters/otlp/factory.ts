import type { ExporterFactory } from '../../src/component.js';
import { RetryingExporter } from '../../src/exporterhelper/retrying-exporter.js';
import { defaultsFor, otlpFields, parseOtlpConfig, type OtlpExporterConfig } from './config.js';
import { OtlpExporter } from './otlp-exporter.js';

/** `otlp`: OTLP/gRPC by default (as the Collector's otlp exporter); `protocol: http/protobuf` switches. */
export const otlpExporterFactory: ExporterFactory<OtlpExporterConfig> = {
  type: 'otlp',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig: () => defaultsFor('grpc'),
  parseConfig: parseOtlpConfig('grpc'),
  configFields: otlpFields('grpc'),
  create: (config, ctx) => new RetryingExporter(new OtlpExporter(config, ctx), config.retry, ctx),
};

/** `otlphttp`: OTLP/HTTP protobuf by default (as the Collector's otlphttp exporter). */
export const otlpHttpExporterFactory: ExporterFactory<OtlpExporterConfig> = {
  type: 'otlphttp',
  signals: ['traces', 'logs', 'metrics'],
  createDefaultConfig: () => defaultsFor('http/protobuf'),
  parseConfig: parseOtlpConfig('http/protobuf'),
  configFields: otlpFields('http/protobuf'),
  create: (config, ctx) => new RetryingExporter(new OtlpExporter(config, ctx), config.retry, ctx),
};
