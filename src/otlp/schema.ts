// The OTLP protobuf schema as data (opentelemetry-proto v1): one table drives the scanner
// (validate + count), the JSON→protobuf writer and the protobuf→JSON reader.
import type { Signal } from '../component.js';

export type FieldType =
  | 'string' | 'bytes' | 'id' | 'bool' | 'enum' | 'int32' | 'uint32' | 'sint32'
  | 'int64' | 'uint64' | 'fixed32' | 'fixed64' | 'sfixed64' | 'double' | 'message';

export interface FieldDef {
  readonly no: number;
  readonly name: string;
  /** lowerCamelCase name used by OTLP/JSON */
  readonly json: string;
  readonly type: FieldType;
  readonly msg?: string;
  readonly repeated?: boolean;
  /** oneof member or `optional`: a zero value is still written */
  readonly presence?: boolean;
  /** for `enum`: the enum type, whose value names OTLP/JSON may use (see enums.ts) */
  readonly enum?: string;
  /** for `id`: required byte length when not empty */
  readonly idLen?: number;
  /** entries of this field are the items a signal counts (spans, log records, points) */
  readonly counts?: boolean;
  /** the nested message's definition, resolved once so scanning needs no lookups */
  readonly msgDef?: MessageDef;
  /** expected wire type, precomputed for the scanner */
  readonly wt: number;
  /** what the scanner checks: see SCAN_* */
  readonly scan: number;
}

export const SCAN_NONE = 0;
export const SCAN_MESSAGE = 1;
export const SCAN_STRING = 2;
export const SCAN_ID = 3;
export const SCAN_BOOL = 4;

export interface MessageDef {
  readonly name: string;
  readonly fields: readonly FieldDef[];
  /** field number → def, for O(1) lookup while scanning */
  readonly byNo: readonly (FieldDef | undefined)[];
  /** json or proto name → def */
  readonly byJson: ReadonlyMap<string, FieldDef>;
}

type Spec = readonly [no: number, name: string, type: FieldType, opts?: Partial<Omit<FieldDef, 'no' | 'name' | 'type' | 'json' | 'wt' | 'scan'>> | string];

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const R = { repeated: true } as const;
const P = { presence: true } as const;

const SPECS = {
  ExportTraceServiceRequest: [[1, 'resource_spans', 'message', { msg: 'ResourceSpans', ...R }]],
  ExportLogsServiceRequest: [[1, 'resource_logs', 'message', { msg: 'ResourceLogs', ...R }]],
  ExportMetricsServiceRequest: [[1, 'resource_metrics', 'message', { msg: 'ResourceMetrics', ...R }]],
  ExportTraceServiceResponse: [[1, 'partial_success', 'message', 'ExportTracePartialSuccess']],
  ExportTracePartialSuccess: [[1, 'rejected_spans', 'int64'], [2, 'error_message', 'string']],
  ExportLogsServiceResponse: [[1, 'partial_success', 'message', 'ExportLogsPartialSuccess']],
  ExportLogsPartialSuccess: [[1, 'rejected_log_records', 'int64'], [2, 'error_message', 'string']],
  ExportMetricsServiceResponse: [[1, 'partial_success', 'message', 'ExportMetricsPartialSuccess']],
  ExportMetricsPartialSuccess: [[1, 'rejected_data_points', 'int64'], [2, 'error_message', 'string']],
  Status_rpc: [[1, 'code', 'int32'], [2, 'message', 'string'], [3, 'details', 'message', { msg: 'Any', ...R }]],
  Any: [[1, 'type_url', 'string'], [2, 'value', 'bytes']],

  Resource: [
    [1, 'attributes', 'message', { msg: 'KeyValue', ...R }],
    [2, 'dropped_attributes_count', 'uint32'],
    [3, 'entity_refs', 'message', { msg: 'EntityRef', ...R }],
  ],
  EntityRef: [
    [1, 'schema_url', 'string'],
    [2, 'type', 'string'],
    [3, 'id_keys', 'string', R],
    [4, 'description_keys', 'string', R],
  ],
  InstrumentationScope: [
    [1, 'name', 'string'],
    [2, 'version', 'string'],
    [3, 'attributes', 'message', { msg: 'KeyValue', ...R }],
    [4, 'dropped_attributes_count', 'uint32'],
  ],
  KeyValue: [[1, 'key', 'string'], [2, 'value', 'message', 'AnyValue']],
  AnyValue: [
    [1, 'string_value', 'string', P],
    [2, 'bool_value', 'bool', P],
    [3, 'int_value', 'int64', P],
    [4, 'double_value', 'double', P],
    [5, 'array_value', 'message', { msg: 'ArrayValue', ...P }],
    [6, 'kvlist_value', 'message', { msg: 'KeyValueList', ...P }],
    [7, 'bytes_value', 'bytes', P],
  ],
  ArrayValue: [[1, 'values', 'message', { msg: 'AnyValue', ...R }]],
  KeyValueList: [[1, 'values', 'message', { msg: 'KeyValue', ...R }]],

  ResourceSpans: [
    [1, 'resource', 'message', 'Resource'],
    [2, 'scope_spans', 'message', { msg: 'ScopeSpans', ...R }],
    [3, 'schema_url', 'string'],
  ],
  ScopeSpans: [
    [1, 'scope', 'message', 'InstrumentationScope'],
    [2, 'spans', 'message', { msg: 'Span', ...R, counts: true }],
    [3, 'schema_url', 'string'],
  ],
  Span: [
    [1, 'trace_id', 'id', { idLen: 16 }],
    [2, 'span_id', 'id', { idLen: 8 }],
    [3, 'trace_state', 'string'],
    [4, 'parent_span_id', 'id', { idLen: 8 }],
    [16, 'flags', 'fixed32'],
    [5, 'name', 'string'],
    [6, 'kind', 'enum', { enum: 'SpanKind' }],
    [7, 'start_time_unix_nano', 'fixed64'],
    [8, 'end_time_unix_nano', 'fixed64'],
    [9, 'attributes', 'message', { msg: 'KeyValue', ...R }],
    [10, 'dropped_attributes_count', 'uint32'],
    [11, 'events', 'message', { msg: 'Span.Event', ...R }],
    [12, 'dropped_events_count', 'uint32'],
    [13, 'links', 'message', { msg: 'Span.Link', ...R }],
    [14, 'dropped_links_count', 'uint32'],
    [15, 'status', 'message', 'Status'],
  ],
  'Span.Event': [
    [1, 'time_unix_nano', 'fixed64'],
    [2, 'name', 'string'],
    [3, 'attributes', 'message', { msg: 'KeyValue', ...R }],
    [4, 'dropped_attributes_count', 'uint32'],
  ],
  'Span.Link': [
    [1, 'trace_id', 'id', { idLen: 16 }],
    [2, 'span_id', 'id', { idLen: 8 }],
    [3, 'trace_state', 'string'],
    [4, 'attributes', 'message', { msg: 'KeyValue', ...R }],
    [5, 'dropped_attributes_count', 'uint32'],
    [6, 'flags', 'fixed32'],
  ],
  Status: [[2, 'message', 'string'], [3, 'code', 'enum', { enum: 'StatusCode' }]],

  ResourceLogs: [
    [1, 'resource', 'message', 'Resource'],
    [2, 'scope_logs', 'message', { msg: 'ScopeLogs', ...R }],
    [3, 'schema_url', 'string'],
  ],
  ScopeLogs: [
    [1, 'scope', 'message', 'InstrumentationScope'],
    [2, 'log_records', 'message', { msg: 'LogRecord', ...R, counts: true }],
    [3, 'schema_url', 'string'],
  ],
  LogRecord: [
    [1, 'time_unix_nano', 'fixed64'],
    [11, 'observed_time_unix_nano', 'fixed64'],
    [2, 'severity_number', 'enum', { enum: 'SeverityNumber' }],
    [3, 'severity_text', 'string'],
    [5, 'body', 'message', 'AnyValue'],
    [6, 'attributes', 'message', { msg: 'KeyValue', ...R }],
    [7, 'dropped_attributes_count', 'uint32'],
    [8, 'flags', 'fixed32'],
    [9, 'trace_id', 'id', { idLen: 16 }],
    [10, 'span_id', 'id', { idLen: 8 }],
    [12, 'event_name', 'string'],
  ],

  ResourceMetrics: [
    [1, 'resource', 'message', 'Resource'],
    [2, 'scope_metrics', 'message', { msg: 'ScopeMetrics', ...R }],
    [3, 'schema_url', 'string'],
  ],
  ScopeMetrics: [
    [1, 'scope', 'message', 'InstrumentationScope'],
    [2, 'metrics', 'message', { msg: 'Metric', ...R }],
    [3, 'schema_url', 'string'],
  ],
  Metric: [
    [1, 'name', 'string'],
    [2, 'description', 'string'],
    [3, 'unit', 'string'],
    [5, 'gauge', 'message', { msg: 'Gauge', ...P }],
    [7, 'sum', 'message', { msg: 'Sum', ...P }],
    [9, 'histogram', 'message', { msg: 'Histogram', ...P }],
    [10, 'exponential_histogram', 'message', { msg: 'ExponentialHistogram', ...P }],
    [11, 'summary', 'message', { msg: 'Summary', ...P }],
    [12, 'metadata', 'message', { msg: 'KeyValue', ...R }],
  ],
  Gauge: [[1, 'data_points', 'message', { msg: 'NumberDataPoint', ...R, counts: true }]],
  Sum: [
    [1, 'data_points', 'message', { msg: 'NumberDataPoint', ...R, counts: true }],
    [2, 'aggregation_temporality', 'enum', { enum: 'AggregationTemporality' }],
    [3, 'is_monotonic', 'bool'],
  ],
  Histogram: [
    [1, 'data_points', 'message', { msg: 'HistogramDataPoint', ...R, counts: true }],
    [2, 'aggregation_temporality', 'enum', { enum: 'AggregationTemporality' }],
  ],
  ExponentialHistogram: [
    [1, 'data_points', 'message', { msg: 'ExponentialHistogramDataPoint', ...R, counts: true }],
    [2, 'aggregation_temporality', 'enum', { enum: 'AggregationTemporality' }],
  ],
  Summary: [[1, 'data_points', 'message', { msg: 'SummaryDataPoint', ...R, counts: true }]],
  NumberDataPoint: [
    [7, 'attributes', 'message', { msg: 'KeyValue', ...R }],
    [2, 'start_time_unix_nano', 'fixed64'],
    [3, 'time_unix_nano', 'fixed64'],
    [4, 'as_double', 'double', P],
    [6, 'as_int', 'sfixed64', P],
    [5, 'exemplars', 'message', { msg: 'Exemplar', ...R }],
    [8, 'flags', 'uint32'],
  ],
  HistogramDataPoint: [
    [9, 'attributes', 'message', { msg: 'KeyValue', ...R }],
    [2, 'start_time_unix_nano', 'fixed64'],
    [3, 'time_unix_nano', 'fixed64'],
    [4, 'count', 'fixed64'],
    [5, 'sum', 'double', P],
    [6, 'bucket_counts', 'fixed64', R],
    [7, 'explicit_bounds', 'double', R],
    [8, 'exemplars', 'message', { msg: 'Exemplar', ...R }],
    [10, 'flags', 'uint32'],
    [11, 'min', 'double', P],
    [12, 'max', 'double', P],
  ],
  ExponentialHistogramDataPoint: [
    [1, 'attributes', 'message', { msg: 'KeyValue', ...R }],
    [2, 'start_time_unix_nano', 'fixed64'],
    [3, 'time_unix_nano', 'fixed64'],
    [4, 'count', 'fixed64'],
    [5, 'sum', 'double', P],
    [6, 'scale', 'sint32'],
    [7, 'zero_count', 'fixed64'],
    [8, 'positive', 'message', 'ExponentialHistogramDataPoint.Buckets'],
    [9, 'negative', 'message', 'ExponentialHistogramDataPoint.Buckets'],
    [10, 'flags', 'uint32'],
    [11, 'exemplars', 'message', { msg: 'Exemplar', ...R }],
    [12, 'min', 'double', P],
    [13, 'max', 'double', P],
    [14, 'zero_threshold', 'double'],
  ],
  'ExponentialHistogramDataPoint.Buckets': [[1, 'offset', 'sint32'], [2, 'bucket_counts', 'uint64', R]],
  SummaryDataPoint: [
    [7, 'attributes', 'message', { msg: 'KeyValue', ...R }],
    [2, 'start_time_unix_nano', 'fixed64'],
    [3, 'time_unix_nano', 'fixed64'],
    [4, 'count', 'fixed64'],
    [5, 'sum', 'double'],
    [6, 'quantile_values', 'message', { msg: 'SummaryDataPoint.ValueAtQuantile', ...R }],
    [8, 'flags', 'uint32'],
  ],
  'SummaryDataPoint.ValueAtQuantile': [[1, 'quantile', 'double'], [2, 'value', 'double']],
  Exemplar: [
    [7, 'filtered_attributes', 'message', { msg: 'KeyValue', ...R }],
    [2, 'time_unix_nano', 'fixed64'],
    [3, 'as_double', 'double', P],
    [6, 'as_int', 'sfixed64', P],
    [4, 'span_id', 'id', { idLen: 8 }],
    [5, 'trace_id', 'id', { idLen: 16 }],
  ],
  // google.rpc.RetryInfo and google.protobuf.Duration: the retry hint inside a gRPC Status detail
  RetryInfo: [[1, 'retry_delay', 'message', 'Duration']],
  Duration: [[1, 'seconds', 'int64'], [2, 'nanos', 'int32']],
} as const satisfies Record<string, readonly Spec[]>;

/** Names of the messages in the table. */
export type MessageName = keyof typeof SPECS;
/** Proto (snake_case) names of the fields of message `M`. */
export type FieldName<M extends MessageName> = (typeof SPECS)[M][number][1];

function build(): Map<string, MessageDef> {
  const out = new Map<string, MessageDef>();
  for (const [name, specs] of Object.entries(SPECS) as [string, readonly Spec[]][]) {
    const fields: FieldDef[] = specs.map(([no, fname, type, opts]) => {
      const o = typeof opts === 'string' ? { msg: opts } : (opts ?? {});
      const scan = type === 'message' ? SCAN_MESSAGE : type === 'string' ? SCAN_STRING : type === 'id' ? SCAN_ID : type === 'bool' ? SCAN_BOOL : SCAN_NONE;
      return { no, name: fname, json: camel(fname), type, wt: wireTypeOf(type), scan, ...o };
    });
    const byNo: (FieldDef | undefined)[] = [];
    const byJson = new Map<string, FieldDef>();
    for (const f of fields) {
      byNo[f.no] = f;
      byJson.set(f.json, f);
      byJson.set(f.name, f);
    }
    out.set(name, { name, fields, byNo, byJson });
  }
  for (const m of out.values()) {
    for (const f of m.fields) {
      if (f.type !== 'message') continue;
      const target = out.get(f.msg!);
      if (!target) throw new Error(`schema: unknown message ${f.msg}`);
      (f as { msgDef?: MessageDef }).msgDef = target;
    }
  }
  return out;
}

export const MESSAGES: ReadonlyMap<string, MessageDef> = build();

export function message(name: string): MessageDef {
  const m = MESSAGES.get(name);
  if (!m) throw new Error(`schema: unknown message ${name}`);
  return m;
}

export const REQUEST_MESSAGE: Record<Signal, string> = {
  traces: 'ExportTraceServiceRequest',
  logs: 'ExportLogsServiceRequest',
  metrics: 'ExportMetricsServiceRequest',
};

export const RESPONSE_MESSAGE: Record<Signal, string> = {
  traces: 'ExportTraceServiceResponse',
  logs: 'ExportLogsServiceResponse',
  metrics: 'ExportMetricsServiceResponse',
};

/** The partial-success field that counts rejected items, per signal. */
export const REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
};

export function wireTypeOf(t: FieldType): number {
  switch (t) {
    case 'fixed64': case 'sfixed64': case 'double': return 1;
    case 'fixed32': return 5;
    case 'string': case 'bytes': case 'id': case 'message': return 2;
    default: return 0;
  }
}

/** Scalar numeric types that proto3 packs when repeated. */
export function isPackable(t: FieldType): boolean {
  return wireTypeOf(t) !== 2;
}
