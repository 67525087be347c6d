export { fileExporterFactory } from './factory.js';
export { FileExporter } from './file-exporter.js';
export type { FileExporterConfig } from './config.js';
