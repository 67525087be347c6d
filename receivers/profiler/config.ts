import { hostname } from 'node:os';
import type { ConfigErrors } from '../../src/config/errors.js';
import { Fields } from '../../src/config/fields.js';
import { DEFAULT_CATEGORIES } from './kineto.js';

export interface ProfilerReceiverConfig {
  /** directories watched for *.pt.trace.json and *.pt.trace.json.gz */
  directories: string[];
  pollIntervalMs: number;
  /** a file must keep its size and mtime this long before it is read (gzip is written in place) */
  settleTimeMs: number;
  /** files already there at start: read them (beginning) or only newer ones (end) */
  startAt: 'beginning' | 'end';
  categories: string[];
  /** JSON-lines training events: files tailed */
  jsonlPaths: string[];
  /** JSON-lines over HTTP: `POST /v1/profiler` on this endpoint (unset: no listener of its own) */
  jsonlEndpoint: string | undefined;
  /** serve POST /v1/profiler on the collector's OTLP/HTTP port too */
  otlpRoute: boolean;
  maxRequestBodySize: number;
  serviceName: string;
  hostName: string;
  k8sNodeName: string;
  resourceAttributes: Record<string, string>;
  /** where the progress file is kept (trace files converted, offsets of tailed files); none: not kept */
  checkpointDir: string | undefined;
}

export function createDefaultConfig(): ProfilerReceiverConfig {
  return {
    directories: [],
    pollIntervalMs: 1000,
    settleTimeMs: 2000,
    startAt: 'beginning',
    categories: [...DEFAULT_CATEGORIES],
    jsonlPaths: [],
    jsonlEndpoint: undefined,
    otlpRoute: true,
    maxRequestBodySize: 20 * 1024 * 1024,
    serviceName: 'pytorch',
    hostName: hostname(),
    k8sNodeName: process.env['NODE_NAME'] ?? process.env['K8S_NODE_NAME'] ?? '',
    resourceAttributes: {},
    checkpointDir: undefined,
  };
}

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): ProfilerReceiverConfig {
  const d = createDefaultConfig();
  const f = new Fields(raw, path, errors, ['traces', 'jsonl', 'service_name', 'host_name', 'k8s_node_name', 'resource_attributes', 'checkpoint_dir']);
  const t = f.sub('traces', ['directories', 'poll_interval', 'settle_time', 'start_at', 'categories']);
  const j = f.sub('jsonl', ['paths', 'endpoint', 'max_request_body_size', 'otlp_route']);
  const cfg: ProfilerReceiverConfig = {
    directories: t.stringList('directories', d.directories),
    pollIntervalMs: t.duration('poll_interval', d.pollIntervalMs, { min: 10 }),
    settleTimeMs: t.duration('settle_time', d.settleTimeMs),
    startAt: t.enum('start_at', ['beginning', 'end'] as const, d.startAt),
    categories: t.stringList('categories', d.categories, { nonEmpty: true }),
    jsonlPaths: j.stringList('paths', d.jsonlPaths),
    jsonlEndpoint: j.has('endpoint') ? j.endpoint('endpoint', '127.0.0.1:4319') : undefined,
    otlpRoute: j.bool('otlp_route', d.otlpRoute),
    maxRequestBodySize: j.bytes('max_request_body_size', d.maxRequestBodySize, { min: 1024 }),
    serviceName: f.string('service_name', d.serviceName, { nonEmpty: true }),
    hostName: f.string('host_name', d.hostName),
    k8sNodeName: f.string('k8s_node_name', d.k8sNodeName),
    resourceAttributes: f.stringMap('resource_attributes'),
    checkpointDir: f.optionalString('checkpoint_dir') || undefined,
  };
  // With nothing else configured the receiver still serves POST /v1/profiler on the OTLP/HTTP port.
  return cfg;
}
