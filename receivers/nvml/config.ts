import { hostname } from 'node:os';
import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
import { Fields } from '../../src/config/fields.js';
import { EVENT } from './nvml-lib.js';

export const EVENT_KINDS = {
  xid: EVENT.XID_CRITICAL_ERROR,
  ecc_single_bit: EVENT.SINGLE_BIT_ECC,
  ecc_double_bit: EVENT.DOUBLE_BIT_ECC,
  clock: EVENT.CLOCK,
  gpu_unavailable: EVENT.GPU_UNAVAILABLE,
  pstate: EVENT.PSTATE,
  power_source: EVENT.POWER_SOURCE,
} as const;
export type EventKind = keyof typeof EVENT_KINDS;
const ALL_KINDS = Object.keys(EVENT_KINDS) as EventKind[];

export interface NvmlReceiverConfig {
  /** dlopen name or path of libnvidia-ml */
  libraryPath: string;
  collectionIntervalMs: number;
  /** fail start() when NVML or a GPU is missing, instead of reporting not-ready */
  required: boolean;
  /** when NVML is missing and not required: try again this often (0: never) */
  initRetryIntervalMs: number;
  processes: boolean;
  events: {
    enabled: boolean;
    types: EventKind[];
    /** longest a single nvmlEventSetWait blocks; bounds event latency only when no event comes */
    waitTimeoutMs: number;
  };
  hostName: string;
  k8sNodeName: string;
  resourceAttributes: Record<string, string>;
}

export function createDefaultConfig(): NvmlReceiverConfig {
  return {
    libraryPath: 'libnvidia-ml.so.1',
    collectionIntervalMs: 1000,
    required: false,
    initRetryIntervalMs: 60_000,
    processes: true,
    events: { enabled: true, types: ['xid', 'ecc_single_bit', 'ecc_double_bit', 'clock', 'gpu_unavailable'], waitTimeoutMs: 1000 },
    hostName: hostname(),
    k8sNodeName: process.env['NODE_NAME'] ?? process.env['K8S_NODE_NAME'] ?? '',
    resourceAttributes: {},
  };
}

const d = createDefaultConfig();

export const NVML_FIELDS = fieldTable({
  library_path: { type: 'string', default: d.libraryPath, nonEmpty: true, doc: 'dlopen name or path of libnvidia-ml.' },
  collection_interval: { type: 'duration', default: d.collectionIntervalMs, min: 10, doc: 'How often GPU metrics are read.' },
  required: { type: 'bool', default: d.required, doc: 'Fail start when NVML or a GPU is missing, instead of reporting not-ready.' },
  init_retry_interval: { type: 'duration', default: d.initRetryIntervalMs, doc: 'When NVML is missing and not required: try again this often; 0 never.' },
  processes: { type: 'bool', default: d.processes, doc: 'Per-process GPU memory and utilisation.' },
  events: {
    type: 'section',
    doc: 'NVML events (XID errors, ECC, clocks…) as log records.',
    fields: {
      enabled: { type: 'bool', default: d.events.enabled, doc: 'Listen for NVML events.' },
      types: { type: 'strings', default: d.events.types, doc: `Event types, of ${ALL_KINDS.join(', ')}.` },
      wait_timeout: { type: 'duration', default: d.events.waitTimeoutMs, min: 10, max: 60_000, doc: 'Longest a single event wait blocks; bounds the latency of shutdown, not of events.' },
    },
  },
  host_name: { type: 'string', default: d.hostName, defaultText: 'the machine\'s host name', doc: 'host.name resource attribute.' },
  k8s_node_name: { type: 'string', default: d.k8sNodeName, defaultText: '$NODE_NAME, else $K8S_NODE_NAME, else empty', doc: 'k8s.node.name resource attribute.' },
  resource_attributes: { type: 'map', doc: 'Further resource attributes.' },
});

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): NvmlReceiverConfig {
  const f = new Fields(raw, path, errors, NVML_FIELDS);
  const e = f.sub('events');
  const types = e.get('types');
  types.forEach((t, i) => {
    if (!(ALL_KINDS as string[]).includes(t)) errors.add(`${e.at('types')}[${i}]`, `unknown event type "${t}"; one of ${ALL_KINDS.join(', ')}`);
  });
  return {
    libraryPath: f.get('library_path'),
    collectionIntervalMs: f.get('collection_interval'),
    required: f.get('required'),
    initRetryIntervalMs: f.get('init_retry_interval'),
    processes: f.get('processes'),
    events: { enabled: e.get('enabled'), types: types.filter((t): t is EventKind => (ALL_KINDS as string[]).includes(t)), waitTimeoutMs: e.get('wait_timeout') },
    hostName: f.get('host_name'),
    k8sNodeName: f.get('k8s_node_name'),
    resourceAttributes: f.get('resource_attributes'),
  };
}
