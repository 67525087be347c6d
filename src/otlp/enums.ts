// Names of the OTLP enum values. OTLP/JSON senders must write enums as integers, but the
// proto3 JSON mapping (and the OpenTelemetry Collector) also read the names, so we read both.

const names = (prefix: string, list: readonly string[]): ReadonlyMap<string, number> => new Map(list.map((n, i) => [`${prefix}${n}`, i]));

const SEVERITIES = ['UNSPECIFIED', ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((s) => [s, `${s}2`, `${s}3`, `${s}4`])];

/** enum type (schema `enum` option) → value name → number */
export const ENUM_VALUES: Readonly<Record<string, ReadonlyMap<string, number>>> = {
  SpanKind: names('SPAN_KIND_', ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']),
  StatusCode: names('STATUS_CODE_', ['UNSET', 'OK', 'ERROR']),
  SeverityNumber: names('SEVERITY_NUMBER_', SEVERITIES),
  AggregationTemporality: names('AGGREGATION_TEMPORALITY_', ['UNSPECIFIED', 'DELTA', 'CUMULATIVE']),
};
