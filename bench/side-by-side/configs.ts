// The two collectors' configurations for each workload, at their defaults except where a
// workload needs a setting (ports, output place, zstd, acks=all, the Collector's batch
// processor as its docs recommend in front of exporters).
export interface Ports {
  http: number;
  grpc: number;
  telemetry: number;
}

export type Output =
  | { kind: 'file'; dir: string }
  | { kind: 'kafka'; brokers: string[]; topic: string; logDir: string }
  | { kind: 'idle-all'; dir: string; brokers: string[]; topic: string; promPort: number };

function oursExporters(o: Output): { yaml: string; ids: string[] } {
  switch (o.kind) {
    case 'file':
      return { yaml: `file: { directory: ${o.dir}, compression: zstd }`, ids: ['file'] };
    case 'kafka':
      return { yaml: `kafka: { brokers: ["${o.brokers[0]}"], compression: zstd, required_acks: all, traces: { topic: ${o.topic}, encoding: otlp_proto } }`, ids: ['kafka'] };
    case 'idle-all':
      // every exporter we ship, pointed at places that exist (or would, for S3 and OTLP)
      return {
        yaml: `file: { directory: ${o.dir}, compression: zstd }
  kafka: { brokers: ["${o.brokers[0]}"], compression: zstd, traces: { topic: ${o.topic} } }
  s3: { bucket: idle, region: us-east-1, endpoint: "http://127.0.0.1:9", force_path_style: true }
  otlp: { endpoint: "http://127.0.0.1:9" }
  prometheus: { endpoint: "127.0.0.1:${o.promPort}" }`,
        ids: ['file', 'kafka', 's3', 'otlp', 'prometheus'],
      };
  }
}

// ATC_BENCH_OURS_YAML: top-level YAML appended to ours (a developer's what-if, e.g.
// `buffer: { flush_interval: 200ms }`); ATC_BENCH_FUSION_EXTRA: settings appended inside ours'
// fusion connector (e.g. `, max_traces: 400000`); ATC_BENCH_FUSION_LOGS=1: a logs pipeline
// feeds fusion too (no logs are sent: fusion then keeps its late window, as where logs come).
// None is set in the reported runs unless their text says so.
// Fusion: every span of the load is its own trace and has a parent (no root), so with the
// default rootless_wait (30 s) fusion would hold 30 s of load (up to max_traces, then early
// emits); 2 s holds each trace as long as decision_wait does.
export function oursTraces(dir: string, ports: Ports, o: Output, opts: { fusion?: boolean; workerThreads?: number } = {}): string {
  const ex = oursExporters(o);
  const tracesExporters = o.kind === 'idle-all' ? ex.ids.filter((i) => i !== 'prometheus') : ex.ids;
  return `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:${ports.http}"${opts.workerThreads !== undefined ? `, worker_threads: ${opts.workerThreads}` : ''} }
      grpc: { endpoint: "127.0.0.1:${ports.grpc}" }
${opts.fusion ? `connectors:\n  fusion: { decision_wait: 2s, rootless_wait: 2s, documents: false${process.env['ATC_BENCH_FUSION_EXTRA'] ?? ''} }\n` : ''}exporters:
  ${ex.yaml}
spill: { directory: ${dir}/ours-spill }
${process.env['ATC_BENCH_OURS_YAML'] ?? ''}
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:${ports.telemetry}" }, logs: { level: warn } }
  pipelines:
${opts.fusion ? `    traces/in: { receivers: [otlp], exporters: [fusion] }\n    traces: { receivers: [fusion], exporters: [${tracesExporters.join(', ')}] }${process.env['ATC_BENCH_FUSION_LOGS'] === '1' ? '\n    logs/in: { receivers: [otlp], exporters: [fusion] }' : ''}` : `    traces: { receivers: [otlp], exporters: [${tracesExporters.join(', ')}] }`}
${o.kind === 'idle-all' ? `    metrics: { receivers: [otlp], exporters: [${ex.ids.join(', ')}] }\n` : ''}`;
}

function otelcolExporters(o: Output): { yaml: string; ids: string[] } {
  const kafka = (brokers: string[], topic: string): string =>
    `kafka: { brokers: ["${brokers[0]}"], traces: { topic: ${topic}, encoding: otlp_proto }, producer: { compression: zstd, required_acks: -1 } }`;
  switch (o.kind) {
    case 'file':
      return { yaml: `file: { path: ${o.dir}/traces.binpb, format: proto, compression: zstd }`, ids: ['file'] };
    case 'kafka':
      return { yaml: kafka(o.brokers, o.topic), ids: ['kafka'] };
    case 'idle-all':
      return { yaml: `file: { path: ${o.dir}/traces.binpb, format: proto, compression: zstd }\n  ${kafka(o.brokers, o.topic)}\n  nop: {}`, ids: ['file', 'kafka', 'nop'] };
  }
}

/**
 * For Kafka the Collector's batch processor sends batches of 1,800 spans (~840 KB): at its
 * defaults (8,192 spans, ~3.8 MB) the kafkaexporter refuses every message over
 * max_message_bytes (1 MB, checked before compression) as a permanent error and drops data it
 * acknowledged ("kafka record exceeds max message size"), which no user would run with.
 */
export function otelcolTraces(ports: Ports, o: Output): string {
  const ex = otelcolExporters(o);
  return `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:${ports.http}" }
      grpc: { endpoint: "127.0.0.1:${ports.grpc}" }
processors:
  batch: {${o.kind === 'kafka' ? ' send_batch_size: 1800, send_batch_max_size: 1800 ' : ''}}
exporters:
  ${ex.yaml}
service:
  telemetry: { metrics: { level: none }, logs: { level: warn } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [${ex.ids.join(', ')}] }
`;
}

export interface ScrapeTarget {
  job: string;
  target: string;
  path: string;
}

function scrapeConfigs(targets: ScrapeTarget[], indent: string): string {
  return targets
    .map((t) => `${indent}- job_name: ${t.job}\n${indent}  scrape_interval: 5s\n${indent}  metrics_path: ${t.path}\n${indent}  static_configs: [ { targets: ["${t.target}"] } ]`)
    .join('\n');
}

/** Both collectors' receivers: Prometheus scraping `targets`, and OTLP/HTTP. */
function scrapeReceivers(ports: Ports, targets: ScrapeTarget[]): string {
  return `receivers:
  prometheus:
    config:
      scrape_configs:
${scrapeConfigs(targets, '        ')}
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:${ports.http}" }
`.trimEnd();
}

export function oursScrape(dir: string, ports: Ports, targets: ScrapeTarget[]): string {
  return `${scrapeReceivers(ports, targets)}
exporters:
  file: { directory: ${dir}/ours-data, compression: zstd }
spill: { directory: ${dir}/ours-spill }
${process.env['ATC_BENCH_OURS_YAML'] ?? ''}
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:${ports.telemetry}" }, logs: { level: warn } }
  pipelines:
    metrics: { receivers: [prometheus], exporters: [file] }
    traces: { receivers: [otlp], exporters: [file] }
`;
}

export function otelcolScrape(dir: string, ports: Ports, targets: ScrapeTarget[]): string {
  return `${scrapeReceivers(ports, targets)}
processors:
  batch: {}
exporters:
  file: { path: ${dir}/otelcol-data/metrics.binpb, format: proto, compression: zstd }
service:
  telemetry: { metrics: { level: none }, logs: { level: warn } }
  pipelines:
    metrics: { receivers: [prometheus], processors: [batch], exporters: [file] }
    traces: { receivers: [otlp], processors: [batch], exporters: [file] }
`;
}
