// One catalogue of the ways a receiver refuses a request (in the spirit of fastify's
// lib/errors.js): each code fixes the HTTP status, the gRPC status, whether a client should
// retry, and the `reason` label of `atc_receiver_refused_*_total`. The OTLP/HTTP and OTLP/gRPC
// receivers answer from it alone, so the two transports cannot disagree; docs/errors.md
// lists it (a test keeps the page in step).

/** gRPC status codes (google.rpc.Code) used here. */
export const GRPC = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface Refusal {
  /** stable code, in logs and in docs/errors.md */
  readonly code: string;
  readonly http: number;
  readonly grpc: number;
  /**
   * Retryable refusals carry `Retry-After` (HTTP) or a RetryInfo detail (gRPC) so that OTLP
   * clients back off and resend; the others must not be resent as they are.
   */
  readonly retryable: boolean;
  /** the `reason` label of atc_receiver_refused_{spans,log_records,metric_points}_total */
  readonly reason: string;
  /** what it means, for docs/errors.md */
  readonly meaning: string;
}

const def = <K extends string>(table: Record<K, Omit<Refusal, 'code'>>): { readonly [k in K]: Refusal } => {
  const out = {} as Record<K, Refusal>;
  for (const k of Object.keys(table) as K[]) out[k] = Object.freeze({ code: `ATC_${k.toUpperCase()}`, ...table[k] });
  return Object.freeze(out);
};

export const REFUSALS = def({
  bad_request: { http: 400, grpc: GRPC.INVALID_ARGUMENT, retryable: false, reason: 'bad_request', meaning: 'The body is not a valid OTLP request (malformed protobuf or JSON, bad compression).' },
  unsupported_media_type: { http: 415, grpc: GRPC.INVALID_ARGUMENT, retryable: false, reason: 'bad_request', meaning: 'Content-Type is neither application/x-protobuf nor application/json.' },
  body_too_large: { http: 413, grpc: GRPC.RESOURCE_EXHAUSTED, retryable: false, reason: 'too_large', meaning: 'The body, compressed or decompressed, exceeds max_request_body_size (gRPC: max_recv_msg_size).' },
  too_large: { http: 413, grpc: GRPC.RESOURCE_EXHAUSTED, retryable: false, reason: 'too_large', meaning: 'The request is larger than the ring buffer can ever hold (half of buffer.size): resending it cannot help.' },
  unauthenticated: { http: 401, grpc: GRPC.UNAUTHENTICATED, retryable: false, reason: 'unauthenticated', meaning: 'Missing or wrong bearer token.' },
  not_found: { http: 404, grpc: GRPC.NOT_FOUND, retryable: false, reason: 'not_found', meaning: 'No OTLP endpoint at this path.' },
  method_not_allowed: { http: 405, grpc: GRPC.UNIMPLEMENTED, retryable: false, reason: 'not_found', meaning: 'Only POST exports data.' },
  signal_not_served: { http: 404, grpc: GRPC.UNIMPLEMENTED, retryable: false, reason: 'not_found', meaning: 'No pipeline takes this signal from this receiver.' },
  ring_full: { http: 503, grpc: GRPC.RESOURCE_EXHAUSTED, retryable: true, reason: 'overload', meaning: 'The ring buffer stayed full for buffer.block_timeout: back off and resend.' },
  memory_limit: { http: 503, grpc: GRPC.RESOURCE_EXHAUSTED, retryable: true, reason: 'memory_limit', meaning: 'The process is above buffer.memory_limit: back off and resend.' },
  wal_error: { http: 503, grpc: GRPC.UNAVAILABLE, retryable: true, reason: 'wal_error', meaning: 'durability: disk and the write-ahead log could not take the request (disk full, I/O error).' },
  shutting_down: { http: 503, grpc: GRPC.UNAVAILABLE, retryable: true, reason: 'shutting_down', meaning: 'The collector is stopping: send to another instance or retry later.' },
  unknown_method: { http: 404, grpc: GRPC.UNIMPLEMENTED, retryable: false, reason: 'not_found', meaning: 'gRPC: no such method on this port (only the three OTLP Export methods).' },
  unsupported_encoding: { http: 415, grpc: GRPC.UNIMPLEMENTED, retryable: false, reason: 'bad_request', meaning: 'gRPC: a grpc-encoding other than identity or gzip; the answer lists grpc-accept-encoding.' },
  deadline_exceeded: { http: 408, grpc: GRPC.DEADLINE_EXCEEDED, retryable: false, reason: 'timeout', meaning: 'gRPC: the call\'s grpc-timeout passed before it was answered; data that reached the pipeline by then is kept.' },
  request_timeout: { http: 408, grpc: GRPC.DEADLINE_EXCEEDED, retryable: false, reason: 'timeout', meaning: 'The request was not complete by the shutdown deadline (a slow or stalled client) and was cut; the connection is closed. gRPC: also a request message not complete 60 s after the call began (the stream is reset).' },
  internal: { http: 500, grpc: GRPC.INTERNAL, retryable: false, reason: 'internal', meaning: 'A bug: logged with its cause. Nothing of the request was stored.' },
});

export type RefusalCode = keyof typeof REFUSALS;

/** Refusals a pipeline (the ring, the memory guard, the write-ahead log) gives a receiver. */
export type PipelineRefusal = Extract<RefusalCode, 'ring_full' | 'memory_limit' | 'wal_error' | 'too_large' | 'shutting_down' | 'internal'>;

/** The message a client reads for a pipeline's refusal: retryable ones say so. */
export const refusalMessage = (code: RefusalCode, reason: string): string => (REFUSALS[code].retryable ? `${reason}; retry later` : reason);

/** Seconds for a Retry-After header: at least 1 (0 would invite a tight loop). */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
