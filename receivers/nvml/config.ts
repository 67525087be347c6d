import { hostname } from 'node:os';
import type { ConfigErrors } from '../../src/config/errors.js';
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

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): NvmlReceiverConfig {
  const d = createDefaultConfig();
  const f = new Fields(raw, path, errors, [
    'library_path', 'collection_interval', 'required', 'init_retry_interval', 'processes', 'events', 'host_name', 'k8s_node_name', 'resource_attributes',
  ]);
  const e = f.sub('events', ['enabled', 'types', 'wait_timeout']);
  const types = e.stringList('types', d.events.types);
  types.forEach((t, i) => {
    if (!(ALL_KINDS as string[]).includes(t)) errors.add(`${e.at('types')}[${i}]`, `unknown event type "${t}"; one of ${ALL_KINDS.join(', ')}`);
  });
  const waitTimeoutMs = e.duration('wait_timeout', d.events.waitTimeoutMs, { min: 10 });
  if (waitTimeoutMs > 60_000) e.fail('wait_timeout', 'must be at most 60s');
  return {
    libraryPath: f.string('library_path', d.libraryPath, { nonEmpty: true }),
    collectionIntervalMs: f.duration('collection_interval', d.collectionIntervalMs, { min: 10 }),
    required: f.bool('required', d.required),
    initRetryIntervalMs: f.duration('init_retry_interval', d.initRetryIntervalMs),
    processes: f.bool('processes', d.processes),
    events: { enabled: e.bool('enabled', d.events.enabled), types: types.filter((t): t is EventKind => (ALL_KINDS as string[]).includes(t)), waitTimeoutMs },
    hostName: f.string('host_name', d.hostName),
    k8sNodeName: f.string('k8s_node_name', d.k8sNodeName),
    resourceAttributes: f.stringMap('resource_attributes'),
  };
}
