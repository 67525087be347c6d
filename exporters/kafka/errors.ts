// Sorts kafkajs errors into what the exporter tells its caller: worth retrying (the broker is
// away, busy or electing a leader) or not (the message or the configuration is wrong).

export type ErrorKind = 'retryable' | 'permanent';

/** Protocol errors that no retry can fix: the data or the configuration must change. */
const PERMANENT_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_REQUIRED_ACKS',
  'UNSUPPORTED_COMPRESSION_TYPE',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
  'POLICY_VIOLATION',
]);

/** Idempotent-producer state the broker no longer accepts: a fresh producer id fixes it. */
const PRODUCER_STATE_TYPES = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'PRODUCER_FENCED',
]);

/** Errors of kafkajs itself that are about reaching the cluster, not about the data. */
const RETRYABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
  'KafkaJSNumberOfRetriesExceeded',
]);

interface KafkaJsErrorShape {
  name?: string;
  type?: string;
  retriable?: boolean;
  cause?: unknown;
  originalError?: unknown;
}

/** The innermost error kafkajs wrapped (retry exhaustion wraps the last attempt's error). */
function innermost(e: unknown): KafkaJsErrorShape {
  let err = (e ?? {}) as KafkaJsErrorShape;
  for (let depth = 0; depth < 5; depth++) {
    const inner = (err.originalError ?? err.cause) as KafkaJsErrorShape | undefined;
    if (!inner || typeof inner !== 'object' || inner === err) break;
    err = inner;
  }
  return err;
}

export interface Classified {
  kind: ErrorKind;
  /** the protocol error type, or the error's name */
  reason: string;
  /** the producer's idempotence state is stale: recreate it before the next send */
  resetProducer: boolean;
}

export function classifyKafkaError(e: unknown): Classified {
  const outer = (e ?? {}) as KafkaJsErrorShape;
  const inner = innermost(e);
  const type = inner.type ?? outer.type;
  if (type !== undefined) {
    if (PERMANENT_TYPES.has(type)) return { kind: 'permanent', reason: type, resetProducer: false };
    if (PRODUCER_STATE_TYPES.has(type)) return { kind: 'retryable', reason: type, resetProducer: true };
    // Every other broker error (leader election, not enough replicas, coordinator loading…) passes.
    return { kind: 'retryable', reason: type, resetProducer: false };
  }
  const name = inner.name ?? outer.name ?? 'Error';
  if (name === 'KafkaJSSASLAuthenticationError') return { kind: 'permanent', reason: name, resetProducer: false };
  if (RETRYABLE_NAMES.has(name) || RETRYABLE_NAMES.has(outer.name ?? '')) return { kind: 'retryable', reason: name, resetProducer: false };
  if (name.startsWith('KafkaJS')) return { kind: inner.retriable === false ? 'permanent' : 'retryable', reason: name, resetProducer: false };
  // Not from kafkajs: a bug or bad input on our side; retrying would repeat it.
  return { kind: 'permanent', reason: name, resetProducer: false };
}
