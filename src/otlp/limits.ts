// Limits shared by the protobuf scanner and the OTLP/JSON encoder, so a request is refused at
// the same depth whichever encoding it came in.

/**
 * Messages (and protobuf groups) nested deeper than this are refused; the request message is
 * depth 0. C++ and Python (upb) protobuf stop at 100 by default, Go's protobuf at 10 000: with
 * 100 every accepted body decodes with all of them, and ~30 nested kvlists still fit (each
 * kvlist level is three messages deep).
 */
export const MAX_DEPTH = 100;

/** Oneof groups of the OTLP messages, by message: OTLP/JSON must set at most one member. */
export const ONEOFS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  AnyValue: [['string_value', 'bool_value', 'int_value', 'double_value', 'array_value', 'kvlist_value', 'bytes_value']],
  Metric: [['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary']],
  NumberDataPoint: [['as_double', 'as_int']],
  Exemplar: [['as_double', 'as_int']],
};
