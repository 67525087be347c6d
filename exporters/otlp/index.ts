export { otlpExporterFactory, otlpHttpExporterFactory } from './factory.js';
export { OtlpExporter, GRPC_METHOD } from './otlp-exporter.js';
export type { OtlpExporterConfig } from './config.js';
