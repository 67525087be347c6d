import { hostname } from 'node:os';
import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
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

const d = createDefaultConfig();

export const PROFILER_FIELDS = fieldTable({
  traces: {
    type: 'section',
    doc: 'PyTorch profiler (Kineto) trace files.',
    fields: {
      directories: { type: 'strings', doc: 'Directories watched for *.pt.trace.json and *.pt.trace.json.gz.' },
      poll_interval: { type: 'duration', default: d.pollIntervalMs, min: 10, doc: 'How often the directories are looked at.' },
      settle_time: { type: 'duration', default: d.settleTimeMs, doc: 'A file must keep its size and mtime this long before it is read (gzip is written in place).' },
      start_at: { type: 'enum', values: ['beginning', 'end'], default: d.startAt, doc: 'Files already there at start: read them (beginning) or only newer ones (end).' },
      categories: { type: 'strings', default: d.categories, nonEmpty: true, doc: 'Kineto event categories turned into spans.' },
    },
  },
  jsonl: {
    type: 'section',
    doc: 'JSON-lines training events (step, loss, grad_norm…).',
    fields: {
      paths: { type: 'strings', doc: 'JSON-lines files tailed.' },
      endpoint: { type: 'endpoint', doc: 'host:port of a listener of its own for POST /v1/profiler; unset: none.' },
      max_request_body_size: { type: 'bytes', default: d.maxRequestBodySize, min: 1024, doc: 'Largest POST /v1/profiler body.' },
      otlp_route: { type: 'bool', default: d.otlpRoute, doc: 'Serve POST /v1/profiler on the OTLP/HTTP receiver\'s port too.' },
    },
  },
  service_name: { type: 'string', default: d.serviceName, nonEmpty: true, doc: 'service.name of the spans and records.' },
  host_name: { type: 'string', default: d.hostName, defaultText: 'the machine\'s host name', doc: 'host.name resource attribute.' },
  k8s_node_name: { type: 'string', default: d.k8sNodeName, defaultText: '$NODE_NAME, else $K8S_NODE_NAME, else empty', doc: 'k8s.node.name resource attribute.' },
  resource_attributes: { type: 'map', doc: 'Further resource attributes.' },
  checkpoint_dir: { type: 'string', doc: 'Where the progress file is kept (trace files converted, offsets and line numbers of tailed files); unset: not kept, a restart reads trace files again.' },
});

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): ProfilerReceiverConfig {
  const f = new Fields(raw, path, errors, PROFILER_FIELDS);
  const t = f.sub('traces');
  const j = f.sub('jsonl');
  return {
    directories: t.get('directories'),
    pollIntervalMs: t.get('poll_interval'),
    settleTimeMs: t.get('settle_time'),
    startAt: t.get('start_at'),
    categories: t.get('categories'),
    jsonlPaths: j.get('paths'),
    jsonlEndpoint: j.get('endpoint'),
    otlpRoute: j.get('otlp_route'),
    maxRequestBodySize: j.get('max_request_body_size'),
    serviceName: f.get('service_name'),
    hostName: f.get('host_name'),
    k8sNodeName: f.get('k8s_node_name'),
    resourceAttributes: f.get('resource_attributes'),
    checkpointDir: f.get('checkpoint_dir') || undefined,
  };
}
