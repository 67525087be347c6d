// Every component type the collector knows, by config type name: the one place that names
// them all (src/ names none). Importing this module registers them (src/component-registry.ts).
import { fileExporterFactory } from './exporters/file/index.js';
import { kafkaExporterFactory } from './exporters/kafka/index.js';
import { otlpExporterFactory, otlpHttpExporterFactory } from './exporters/otlp/index.js';
import { s3ExporterFactory } from './exporters/s3/index.js';
import { prometheusExporterFactory } from './exporters/prometheus/index.js';
import { kafkaReceiverFactory } from './receivers/kafka/index.js';
import { nvmlReceiverFactory } from './receivers/nvml/index.js';
import { otlpReceiverFactory } from './receivers/otlp/index.js';
import { profilerReceiverFactory } from './receivers/profiler/index.js';
import { filelogReceiverFactory } from './receivers/filelog/index.js';
import { prometheusReceiverFactory } from './receivers/prometheus/index.js';
import { fusionConnectorFactory } from './connectors/fusion/index.js';
import { spanMetricsConnectorFactory } from './connectors/spanmetrics/index.js';
import type { ConnectorFactory, ExporterFactory, ProcessorFactory, ReceiverFactory } from './src/component.js';
import { registerComponents, type ComponentFactories } from './src/component-registry.js';

export const receiverFactories: ReadonlyMap<string, ReceiverFactory> = new Map<string, ReceiverFactory>([
  ['otlp', otlpReceiverFactory as ReceiverFactory],
  ['filelog', filelogReceiverFactory as ReceiverFactory],
  ['prometheus', prometheusReceiverFactory as ReceiverFactory],
  ['nvml', nvmlReceiverFactory as ReceiverFactory],
  ['profiler', profilerReceiverFactory as ReceiverFactory],
  ['kafka', kafkaReceiverFactory as ReceiverFactory],
]);

export const processorFactories: ReadonlyMap<string, ProcessorFactory> = new Map<string, ProcessorFactory>();

export const connectorFactories: ReadonlyMap<string, ConnectorFactory> = new Map<string, ConnectorFactory>([
  ['fusion', fusionConnectorFactory as ConnectorFactory],
  ['spanmetrics', spanMetricsConnectorFactory as ConnectorFactory],
]);

export const exporterFactories: ReadonlyMap<string, ExporterFactory> = new Map<string, ExporterFactory>([
  ['file', fileExporterFactory as ExporterFactory],
  ['kafka', kafkaExporterFactory as ExporterFactory],
  ['otlp', otlpExporterFactory as ExporterFactory],
  ['otlphttp', otlpHttpExporterFactory as ExporterFactory],
  ['s3', s3ExporterFactory as ExporterFactory],
  ['prometheus', prometheusExporterFactory as ExporterFactory],
]);

export const components: ComponentFactories = {
  receivers: receiverFactories,
  processors: processorFactories,
  connectors: connectorFactories,
  exporters: exporterFactories,
  moduleUrl: import.meta.url,
};

registerComponents(components);
