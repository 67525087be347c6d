// OpenTelemetry setup for the example service: traces over OTLP/HTTP to the collector
// (OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4318), HTTP server spans and the
// http.server.request.duration metric from instrumentation-http, and trace context in pino lines from instrumentation-pino. Optionally
// (LOG_OTLP=true) pino records are also sent as OTLP logs.
//
// Instrumentations patch modules loaded with require() after start(): the service loads
// `http` and `pino` through createRequire once this has run.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { hostname } from 'node:os';

export interface Telemetry {
  shutdown(): Promise<void>;
}

export function startTelemetry(opts: { serviceName: string; logsOverOtlp: boolean }): Telemetry {
  // stable HTTP semantic conventions: http.server.request.duration in seconds
  process.env['OTEL_SEMCONV_STABILITY_OPT_IN'] ??= 'http';
  const base = (process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? 'http://localhost:4318').replace(/\/$/, '');
  const tracesUrl = process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? `${base}/v1/traces`;
  const logsUrl = process.env['OTEL_EXPORTER_OTLP_LOGS_ENDPOINT'] ?? `${base}/v1/logs`;
  const metricsUrl = process.env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'] ?? `${base}/v1/metrics`;
  const delay = Number(process.env['OTEL_BSP_SCHEDULE_DELAY'] ?? 500);
  const metricInterval = Number(process.env['OTEL_METRIC_EXPORT_INTERVAL'] ?? 10_000);
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      'service.name': process.env['OTEL_SERVICE_NAME'] ?? opts.serviceName,
      'service.version': '0.1.0',
      'host.name': process.env['HOST_NAME'] ?? hostname(),
      'process.pid': process.pid,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl }), { scheduledDelayMillis: delay })],
    logRecordProcessors: opts.logsOverOtlp ? [new BatchLogRecordProcessor(new OTLPLogExporter({ url: logsUrl }), { scheduledDelayMillis: delay })] : [],
    // http.server.request.duration from instrumentation-http, as OTLP metrics
    metricReaders: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: metricsUrl }), exportIntervalMillis: metricInterval, exportTimeoutMillis: Math.min(metricInterval, 30_000) })],
    instrumentations: [
      new HttpInstrumentation({
        // the load generator's client spans and health checks are not the service's work
        ignoreIncomingRequestHook: (req) => req.url === '/healthz',
        ignoreOutgoingRequestHook: () => true,
      }),
      new PinoInstrumentation({ disableLogSending: !opts.logsOverOtlp }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
