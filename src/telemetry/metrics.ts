// Every self-metric the collector exposes, in one place. Components refer to these names;
// the main thread registers them with prom-client and workers forward updates to it.

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDef {
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SIZE_BUCKETS = [1024, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

export const METRICS = {
  // receivers: items are spans, log records or metric data points
  atc_receiver_accepted_spans_total: { type: 'counter', help: 'Spans accepted into the ring.', labels: ['receiver', 'transport'] },
  atc_receiver_refused_spans_total: { type: 'counter', help: 'Spans refused (bad input, overload).', labels: ['receiver', 'transport', 'reason'] },
  atc_receiver_accepted_log_records_total: { type: 'counter', help: 'Log records accepted into the ring.', labels: ['receiver', 'transport'] },
  atc_receiver_refused_log_records_total: { type: 'counter', help: 'Log records refused (bad input, overload).', labels: ['receiver', 'transport', 'reason'] },
  atc_receiver_accepted_metric_points_total: { type: 'counter', help: 'Metric data points accepted into the ring.', labels: ['receiver', 'transport'] },
  atc_receiver_refused_metric_points_total: { type: 'counter', help: 'Metric data points refused (bad input, overload).', labels: ['receiver', 'transport', 'reason'] },
  atc_receiver_refused_sources_total: { type: 'counter', help: 'Sources a receiver skipped after failing on them (a scrape, a file, an unreadable path such as a symlink loop), by kind and reason; other sources and the process carry on.', labels: ['receiver', 'source', 'reason'] },
  atc_receiver_requests_total: { type: 'counter', help: 'Requests handled, by response status.', labels: ['receiver', 'transport', 'signal', 'status'] },
  atc_receiver_http_thread_requests_total: { type: 'counter', help: 'OTLP/HTTP requests by the thread that served them (main, worker-N), counted only with worker_threads > 0.', labels: ['receiver', 'thread'] },
  atc_receiver_http_worker_deaths_total: { type: 'counter', help: 'OTLP/HTTP worker threads that died (each is restarted and logged; /readyz is 503 until it serves again).', labels: ['receiver'] },

  // receivers.filelog
  atc_filelog_files_tracked: { type: 'gauge', help: 'Files the filelog receiver follows (matched, plus rotated files being read to their end).', labels: ['receiver'] },
  atc_filelog_bytes_read_total: { type: 'counter', help: 'Bytes read from log files.', labels: ['receiver'] },
  atc_filelog_truncated_lines_total: { type: 'counter', help: 'Messages cut at max_log_size.', labels: ['receiver'] },
  atc_filelog_rotations_total: { type: 'counter', help: 'Rotations and removals seen, by kind (rename, copytruncate, deleted).', labels: ['receiver', 'kind'] },

  // receivers.prometheus
  atc_prometheus_scrapes_total: { type: 'counter', help: 'Scrapes, by outcome (ok, error, timeout).', labels: ['receiver', 'job', 'outcome'] },
  atc_prometheus_scrape_duration_seconds: { type: 'histogram', help: 'Time of one scrape, from request to parsed.', labels: ['receiver', 'job'], buckets: LATENCY_BUCKETS },
  atc_prometheus_samples_total: { type: 'counter', help: 'Samples parsed from scrapes.', labels: ['receiver', 'job'] },
  atc_prometheus_targets: { type: 'gauge', help: 'Active scrape targets.', labels: ['receiver', 'job'] },

  // ring
  atc_ring_capacity_bytes: { type: 'gauge', help: 'Ring buffer capacity.', labels: [] },
  atc_ring_used_bytes: { type: 'gauge', help: 'Bytes held in the ring, not yet taken by the flush worker.', labels: [] },
  atc_ring_dropped_records_total: { type: 'counter', help: 'Records dropped because the ring was full (when_full: drop_newest).', labels: ['signal'] },
  atc_ring_dropped_items_total: { type: 'counter', help: 'Items (spans, log records, points) dropped because the ring was full.', labels: ['signal'] },
  atc_ring_full_refusals_total: { type: 'counter', help: 'Writes refused because the ring was full (when_full: block).', labels: ['signal'] },

  // write-ahead log (buffer.durability: disk)
  atc_wal_bytes: { type: 'gauge', help: 'Bytes held in the write-ahead log (records not yet delivered by every exporter).', labels: [] },

  // flush worker
  atc_flush_batches_total: { type: 'counter', help: 'Batches cut by the flush worker.', labels: ['signal', 'trigger'] },
  atc_flush_batch_bytes: { type: 'histogram', help: 'Uncompressed size of cut batches.', labels: ['signal'], buckets: SIZE_BUCKETS },
  atc_flush_latency_seconds: { type: 'histogram', help: 'From the oldest record of a batch entering the ring to every exporter having it.', labels: ['signal'], buckets: LATENCY_BUCKETS },
  atc_flush_inflight_batches: { type: 'gauge', help: 'Batches handed to exporters and not yet completed.', labels: [] },

  // exporters
  atc_exporter_sent_batches_total: { type: 'counter', help: 'Batches delivered and acknowledged by the sink.', labels: ['exporter', 'signal'] },
  atc_exporter_sent_bytes_total: { type: 'counter', help: 'Bytes delivered to the sink (after compression).', labels: ['exporter', 'signal'] },
  atc_exporter_sent_spans_total: { type: 'counter', help: 'Spans delivered.', labels: ['exporter'] },
  atc_exporter_sent_log_records_total: { type: 'counter', help: 'Log records delivered.', labels: ['exporter'] },
  atc_exporter_sent_metric_points_total: { type: 'counter', help: 'Metric data points delivered.', labels: ['exporter'] },
  atc_exporter_send_failed_batches_total: { type: 'counter', help: 'Batches that failed permanently.', labels: ['exporter', 'signal'] },
  atc_exporter_send_failed_items_total: { type: 'counter', help: 'Items in batches that failed permanently.', labels: ['exporter', 'signal'] },
  atc_exporter_retries_total: { type: 'counter', help: 'Retried export attempts.', labels: ['exporter', 'signal'] },
  atc_exporter_send_latency_seconds: { type: 'histogram', help: 'Time of one successful export call, retries excluded.', labels: ['exporter', 'signal'], buckets: LATENCY_BUCKETS },
  atc_exporter_compression_ratio: { type: 'gauge', help: 'Uncompressed / compressed bytes of the last batch.', labels: ['exporter', 'signal'] },

  // exporters.kafka (per topic; one batch can become several messages)
  atc_exporter_kafka_messages_total: { type: 'counter', help: 'Kafka messages acknowledged by the broker.', labels: ['exporter', 'topic'] },
  atc_exporter_kafka_message_bytes_total: { type: 'counter', help: 'Key and value bytes of acknowledged Kafka messages, before compression.', labels: ['exporter', 'topic'] },
  atc_exporter_kafka_send_latency_seconds: { type: 'histogram', help: 'From handing messages to the producer to the broker acknowledging them.', labels: ['exporter', 'topic'], buckets: LATENCY_BUCKETS },
  atc_exporter_kafka_retries_total: { type: 'counter', help: 'Export attempts resumed after a retryable failure.', labels: ['exporter', 'topic'] },
  atc_exporter_kafka_send_failures_total: { type: 'counter', help: 'Failed sends, by kind (retryable or permanent).', labels: ['exporter', 'topic', 'kind'] },
  atc_exporter_kafka_refused_items_total: { type: 'counter', help: 'Items (spans, log records, metric points) refused because one alone exceeds max_message_bytes.', labels: ['exporter', 'topic'] },

  // exporters.otlp / otlphttp
  atc_exporter_otlp_requests_total: { type: 'counter', help: 'OTLP export requests, by HTTP status or gRPC code (error: no answer).', labels: ['exporter', 'signal', 'status'] },
  atc_exporter_otlp_partial_success_rejected_items_total: { type: 'counter', help: 'Items the OTLP endpoint rejected in a partial success (logged, not retried).', labels: ['exporter', 'signal'] },

  // exporters.prometheus
  atc_exporter_prometheus_series: { type: 'gauge', help: 'Series the Prometheus exporter serves.', labels: ['exporter'] },
  atc_exporter_prometheus_series_limited_total: { type: 'counter', help: 'Points not served because a new series would exceed max_series.', labels: ['exporter'] },
  atc_exporter_prometheus_series_expired_total: { type: 'counter', help: 'Series removed because they were not updated for metric_expiration.', labels: ['exporter'] },
  atc_exporter_prometheus_unsupported_points_total: { type: 'counter', help: 'Points the Prometheus exporter cannot serve, by kind (exponential_histogram, type_conflict).', labels: ['exporter', 'kind'] },
  atc_exporter_prometheus_scrapes_total: { type: 'counter', help: 'Scrapes of the Prometheus exporter endpoint, by format (text, openmetrics).', labels: ['exporter', 'format'] },

  // receivers.kafka
  atc_receiver_kafka_messages_total: { type: 'counter', help: 'Kafka messages handed to the pipeline and acknowledged by it (their offsets may be committed).', labels: ['receiver', 'topic'] },
  atc_receiver_kafka_bad_messages_total: { type: 'counter', help: 'Kafka messages that are not valid OTLP for their topic (skipped, or sent to the dead-letter topic).', labels: ['receiver', 'topic', 'reason'] },
  atc_receiver_kafka_dead_letter_messages_total: { type: 'counter', help: 'Bad messages produced to the dead-letter topic.', labels: ['receiver', 'topic'] },
  atc_receiver_kafka_refusals_total: { type: 'counter', help: 'Times the pipeline refused a message (backpressure): the partition paused and the message retried.', labels: ['receiver', 'topic'] },
  atc_receiver_kafka_rebalances_total: { type: 'counter', help: 'Consumer group rebalances this member took part in.', labels: ['receiver'] },
  atc_receiver_kafka_assigned_partitions: { type: 'gauge', help: 'Partitions assigned to this member.', labels: ['receiver'] },

  // receivers.nvml
  atc_nvml_devices: { type: 'gauge', help: 'GPUs the NVML receiver samples (0 when NVML is unavailable).', labels: ['receiver'] },
  atc_nvml_poll_duration_seconds: { type: 'histogram', help: 'Time of one NVML sample of every GPU, encoding included.', labels: ['receiver'], buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2] },
  atc_nvml_events_total: { type: 'counter', help: 'GPU events (Xid, ECC, clock, unavailable, lost) emitted as log records.', labels: ['receiver', 'event'] },
  atc_nvml_errors_total: { type: 'counter', help: 'NVML calls that failed, by call and NVML return code.', labels: ['receiver', 'call', 'code'] },

  // receivers.profiler
  atc_profiler_files_total: { type: 'counter', help: 'Kineto trace files read, by outcome (converted, failed).', labels: ['receiver', 'outcome'] },
  atc_profiler_trace_events_total: { type: 'counter', help: 'Kineto trace events converted to spans.', labels: ['receiver'] },
  atc_profiler_jsonl_records_total: { type: 'counter', help: 'Training-step JSON lines read, by transport and outcome (accepted, invalid).', labels: ['receiver', 'transport', 'outcome'] },

  // S3 exporter (retries are atc_exporter_retries_total)
  atc_s3_objects_put_total: { type: 'counter', help: 'Objects S3 confirmed, by upload kind (put, multipart).', labels: ['exporter', 'signal', 'upload'] },
  atc_s3_put_bytes_total: { type: 'counter', help: 'Object bytes S3 confirmed (after compression).', labels: ['exporter', 'signal'] },
  atc_s3_put_latency_seconds: { type: 'histogram', help: 'Time of one successful object upload.', labels: ['exporter', 'signal', 'upload'], buckets: LATENCY_BUCKETS },
  atc_s3_put_errors_total: { type: 'counter', help: 'Failed upload attempts, by S3 error code and whether they are retried.', labels: ['exporter', 'signal', 'code', 'retryable'] },
  atc_s3_multipart_aborted_total: { type: 'counter', help: 'Multipart uploads aborted after a failure, so no parts are left behind.', labels: ['exporter'] },
  atc_s3_bucket_ready: { type: 'gauge', help: '1 when the last bucket check or upload succeeded, 0 when the bucket is missing or access is denied.', labels: ['exporter'] },

  // spill queue (per exporter)
  atc_spill_queue_bytes: { type: 'gauge', help: 'Bytes of batches waiting in the on-disk spill queue.', labels: ['exporter'] },
  atc_spill_queue_batches: { type: 'gauge', help: 'Batches waiting in the on-disk spill queue.', labels: ['exporter'] },
  atc_spill_enqueued_batches_total: { type: 'counter', help: 'Batches spilled to disk because the sink could not take them.', labels: ['exporter'] },
  atc_spill_replayed_batches_total: { type: 'counter', help: 'Spilled batches delivered after the sink returned.', labels: ['exporter'] },
  atc_spill_full_total: { type: 'counter', help: 'Times a batch waited because the spill queue was full.', labels: ['exporter'] },
  atc_spill_quarantined_bytes_total: { type: 'counter', help: 'Bytes of damaged spill records moved to quarantine at start.', labels: ['exporter'] },

  // fusion processor
  atc_connector_spanmetrics_spans_total: { type: 'counter', help: 'Spans counted by the spanmetrics connector (fusion fragments excluded).', labels: ['connector'] },
  atc_connector_spanmetrics_series_limited_total: { type: 'counter', help: 'Span observations left out because aggregation_cardinality_limit series exist.', labels: ['connector'] },
  atc_connector_spanmetrics_series: { type: 'gauge', help: 'Series held by the spanmetrics connector.', labels: ['connector'] },
  atc_fusion_spans_total: { type: 'counter', help: 'Spans taken into the fusion join window.', labels: [] },
  atc_fusion_logs_total: { type: 'counter', help: 'Log records with a trace context seen by fusion.', labels: [] },
  atc_fusion_logs_joined_total: { type: 'counter', help: 'Log records attached to their span as span events.', labels: [] },
  atc_fusion_logs_late_total: { type: 'counter', help: 'Log records that arrived after their trace was emitted (sent as follow-up fragments).', labels: [] },
  atc_fusion_late_window_bytes: { type: 'gauge', help: 'Bytes fusion keeps of emitted traces for late logs (their outlines), bounded by late_window_bytes.', labels: [] },
  atc_fusion_late_window_forgotten_traces_total: { type: 'counter', help: 'Emitted traces forgotten before late_window ran out, to stay within late_window_bytes (later logs of theirs wait as logs before spans).', labels: [] },
  atc_fusion_gpu_joined_spans_total: { type: 'counter', help: 'Spans given a GPU summary.', labels: [] },
  atc_fusion_gpu_events_total: { type: 'counter', help: 'GPU events (XID, ECC, GPU lost, clock events) seen by fusion.', labels: [] },
  atc_fusion_gpu_events_unattributed_total: { type: 'counter', help: 'GPU events without a GPU id on a node with several GPUs (not attached).', labels: [] },
  atc_fusion_traces_emitted_total: { type: 'counter', help: 'Fused traces emitted, by why they left the window.', labels: ['reason'] },
  atc_fusion_logs_expired_total: { type: 'counter', help: 'Log records that waited for spans of their trace that never came (they stay in the logs pipeline), by why they stopped waiting.', labels: ['reason'] },
  atc_fusion_dropped_spans_total: { type: 'counter', help: 'Spans fusion dropped on purpose (their acknowledgements completed as dropped).', labels: [] },
  atc_fusion_anomalies_total: { type: 'counter', help: 'Training anomalies detected (NaN/Inf or spikes of loss or grad norm).', labels: [] },
  atc_fusion_documents_total: { type: 'counter', help: 'Fused JSON documents produced (one per emitted trace).', labels: [] },
  atc_fusion_documents_failed_total: { type: 'counter', help: 'Fused JSON documents a sink could not take after retries.', labels: ['sink'] },
  atc_fusion_held_traces: { type: 'gauge', help: 'Traces held in the join window.', labels: [] },
  atc_fusion_held_bytes: { type: 'gauge', help: 'Approximate bytes held in the join window.', labels: [] },
  atc_fusion_waiting_logs: { type: 'gauge', help: 'Log records waiting for the first span of their trace.', labels: [] },
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;
type NamesOf<T extends MetricType> = { [K in MetricName]: (typeof METRICS)[K]['type'] extends T ? K : never }[MetricName];
export type CounterName = NamesOf<'counter'>;
export type GaugeName = NamesOf<'gauge'>;
export type HistogramName = NamesOf<'histogram'>;

/** Per-signal item counter names, so code can stay generic over signals. */
export const ACCEPTED_BY_SIGNAL = {
  traces: 'atc_receiver_accepted_spans_total',
  logs: 'atc_receiver_accepted_log_records_total',
  metrics: 'atc_receiver_accepted_metric_points_total',
} as const satisfies Record<string, CounterName>;
export const REFUSED_BY_SIGNAL = {
  traces: 'atc_receiver_refused_spans_total',
  logs: 'atc_receiver_refused_log_records_total',
  metrics: 'atc_receiver_refused_metric_points_total',
} as const satisfies Record<string, CounterName>;
export const SENT_BY_SIGNAL = {
  traces: 'atc_exporter_sent_spans_total',
  logs: 'atc_exporter_sent_log_records_total',
  metrics: 'atc_exporter_sent_metric_points_total',
} as const satisfies Record<string, CounterName>;
