export { otlpExporterFactory, otlpHttpExporterFactory } from './factory.js';
export type { OtlpExporterConfig } from './config.js';
