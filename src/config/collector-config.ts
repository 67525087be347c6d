// The whole collector config in the OpenTelemetry Collector's shape, validated with every
// problem reported under its key path.
import type { ConnectorFactory, ExporterFactory, ProcessorFactory, ReceiverFactory, Signal } from '../component.js';
import { SIGNALS } from '../component.js';
import { components } from '../component-registry.js';
import { didYouMean } from './did-you-mean.js';
import { ConfigError, ConfigErrors, keyPath } from './errors.js';
import { fieldTable } from './field-table.js';
import { Fields, isPlainObject, describe } from './fields.js';
import { loadRawConfig } from './load.js';
import { cgroupMemoryLimit } from './cgroup.js';
import { AUTH_FIELDS, parseAuth, parseTls, TLS_FIELDS, type AuthConfig, type TlsConfig } from '../auth/config.js';
import { parseSpill, SPILL_FIELDS, type SpillConfig } from '../spill/spill-config.js';

export type WhenFull = 'block' | 'drop_newest';
export type Durability = 'memory' | 'disk';

export interface BufferConfig {
  sizeBytes: number;
  whenFull: WhenFull;
  /** how long a receiver waits for ring space before refusing (when_full: block) */
  blockTimeoutMs: number;
  flushIntervalMs: number;
  maxBatchBytes: number;
  /** batches handed to exporters and not yet complete before the flush worker stops reading */
  maxInflightBatches: number;
  /** memory: acknowledged on entering the ring; disk: acknowledged once in the write-ahead log */
  durability: Durability;
  wal: { directory: string; maxSizeBytes: number; segmentBytes: number; fsync: 'batch' | 'interval' | 'never' };
  /** refuse data while the process RSS is above this (0: no limit) */
  memoryLimitBytes: number;
}

export interface TelemetryConfig {
  metricsEndpoint: string;
  /** HTTPS (and mTLS with a client CA) for /metrics, /healthz, /readyz */
  tls: TlsConfig | undefined;
  /** bearer token required on /metrics (health endpoints stay open for kubelet probes) */
  auth: AuthConfig | undefined;
  metricsEnabled: boolean;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

export interface ComponentEntry<C = unknown> {
  /** `type` or `type/name` */
  readonly id: string;
  readonly type: string;
  readonly config: C;
}

export interface PipelineConfig {
  readonly id: string;
  readonly signal: Signal;
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

export interface ServiceConfig {
  /** SIGTERM to exit: receivers get a third of it, then slow clients are cut; the drain the rest */
  readonly shutdownTimeoutMs: number;
  /** /readyz turns 503 once the ring has refused data (full) for this long */
  readonly ringFullUnreadyAfterMs: number;
  /** /healthz turns 503 once the flush worker's heartbeat has stopped this long */
  readonly flushStallUnhealthyAfterMs: number;
}

export const DEFAULT_SERVICE: ServiceConfig = { shutdownTimeoutMs: 30_000, ringFullUnreadyAfterMs: 10_000, flushStallUnhealthyAfterMs: 30_000 };

export interface CollectorConfig {
  readonly receivers: ReadonlyMap<string, ComponentEntry>;
  readonly processors: ReadonlyMap<string, ComponentEntry>;
  readonly exporters: ReadonlyMap<string, ComponentEntry>;
  /** connectors: exporters of some pipelines, receivers of others */
  readonly connectors: ReadonlyMap<string, ComponentEntry>;
  readonly pipelines: readonly PipelineConfig[];
  readonly buffer: BufferConfig;
  readonly telemetry: TelemetryConfig;
  readonly spill: SpillConfig;
  readonly service: ServiceConfig;
  /** the raw (substituted) config, for threads that rebuild components from it */
  readonly raw: Record<string, unknown>;
}

export const DEFAULT_BUFFER: BufferConfig = {
  sizeBytes: 64 * 1024 * 1024,
  whenFull: 'block',
  blockTimeoutMs: 200,
  flushIntervalMs: 50,
  maxBatchBytes: 4 * 1024 * 1024,
  maxInflightBatches: 16,
  durability: 'memory',
  wal: { directory: './wal', maxSizeBytes: 1024 * 1024 * 1024, segmentBytes: 16 * 1024 * 1024, fsync: 'batch' },
  memoryLimitBytes: 0,
};

const d = DEFAULT_BUFFER;

export const WAL_FIELDS = fieldTable({
  directory: { type: 'string', default: d.wal.directory, nonEmpty: true, doc: 'Directory of the write-ahead log (durability: disk).' },
  max_size: { type: 'bytes', default: d.wal.maxSizeBytes, min: 1024 * 1024, doc: 'Disk space the write-ahead log may use.' },
  segment_size: { type: 'bytes', default: d.wal.segmentBytes, min: 64 * 1024, doc: 'Size of one write-ahead log segment file.' },
  fsync: { type: 'enum', values: ['batch', 'interval', 'never'], default: d.wal.fsync, doc: 'When the log is fsynced: before each acknowledgement (batch), periodically (interval), or never.' },
});

export const BUFFER_FIELDS = fieldTable({
  size: { type: 'bytes', default: d.sizeBytes, min: 1024 * 1024, max: 2 ** 30, check: (n: number) => ((n & (n - 1)) !== 0 ? `must be a power of two such as 64MiB, got ${n}` : undefined), doc: 'Size of the shared ring between receivers and the flush worker; a power of two. Memory becomes resident only as far as the backlog reaches: an emptied ring restarts at its start once past a quarter.' },
  when_full: { type: 'enum', values: ['block', 'drop_newest'], default: d.whenFull, doc: 'Ring full: block refuses with 503 + Retry-After (gRPC RESOURCE_EXHAUSTED with RetryInfo) after block_timeout; drop_newest answers 200 with partial_success and counts the drop.' },
  block_timeout: { type: 'duration', default: d.blockTimeoutMs, doc: 'How long a request waits for ring space before it is refused (when_full: block).' },
  flush_interval: { type: 'duration', default: d.flushIntervalMs, min: 1, doc: 'Longest time data waits in the ring before a batch is cut.' },
  max_batch_bytes: { type: 'bytes', default: d.maxBatchBytes, min: 1024, doc: 'Largest batch handed to exporters; at most half of size.' },
  max_inflight_batches: { type: 'integer', default: d.maxInflightBatches, min: 1, doc: 'Batches handed to exporters and not yet complete; beyond this the flush worker stops reading the ring.' },
  durability: { type: 'enum', values: ['memory', 'disk'], default: d.durability, doc: 'memory: data is acknowledged once in the ring; disk: once in the write-ahead log (survives kill -9).' },
  wal: { type: 'section', fields: WAL_FIELDS, doc: 'The write-ahead log used with durability: disk.' },
  memory_limit: { type: 'custom', typeText: 'size or percentage', defaultText: '80% of the cgroup memory limit, else 0', doc: 'Refuse data while the process RSS is above this: a size, a percentage of the container\'s cgroup limit, or 0 for none.' },
});

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const TELEMETRY_FIELDS = fieldTable({
  metrics: {
    type: 'section',
    doc: 'The telemetry HTTP server: /metrics (Prometheus text), /healthz and /readyz.',
    fields: {
      endpoint: { type: 'endpoint', default: '127.0.0.1:8888', doc: 'host:port the telemetry server listens on.' },
      address: { type: 'endpoint', doc: 'The older spelling of endpoint (the Collector\'s); used when set.' },
      level: { type: 'enum', values: ['none', 'basic', 'normal', 'detailed'], default: 'normal', doc: 'none turns /metrics off; the other levels serve every metric.' },
      tls: { type: 'section', fields: TLS_FIELDS, doc: 'Serve HTTPS (and mTLS with client_ca_file).' },
      auth: { type: 'section', fields: AUTH_FIELDS, doc: 'Bearer token required on /metrics; /healthz and /readyz stay open for kubelet probes.' },
    },
  },
  logs: {
    type: 'section',
    doc: 'The collector\'s own log (pino JSON on stdout).',
    fields: {
      level: { type: 'enum', values: LOG_LEVELS, default: 'info', doc: 'Lowest level logged.' },
      encoding: { type: 'enum', values: ['json'], default: 'json', doc: 'Log encoding; only json.' },
    },
  },
});

export const PIPELINE_FIELDS = fieldTable({
  receivers: { type: 'strings', nonEmpty: true, doc: 'Receiver ids feeding the pipeline (defined under receivers).' },
  processors: { type: 'strings', doc: 'Processor ids, in order (defined under processors).' },
  exporters: { type: 'strings', nonEmpty: true, doc: 'Exporter ids the pipeline\'s batches go to (defined under exporters).' },
});

export const SERVICE_FIELDS = fieldTable({
  pipelines: { type: 'named', required: true, fields: PIPELINE_FIELDS, doc: 'Pipelines by id: traces, logs or metrics, optionally /name (traces/gpu).' },
  telemetry: { type: 'section', fields: TELEMETRY_FIELDS, doc: 'The collector\'s own metrics and logs.' },
  extensions: { type: 'strings', doc: 'Extension ids to start; each must be defined under extensions (this collector has no extension types yet).' },
  shutdown_timeout: { type: 'duration', default: DEFAULT_SERVICE.shutdownTimeoutMs, min: 1000, doc: 'Longest time from SIGTERM to exit: receivers get a third of it to finish their requests (then slow clients are cut), the drain of the ring and exporters the rest. Keep it below the pod\'s terminationGracePeriodSeconds.' },
  readiness: {
    type: 'section',
    doc: 'What /readyz reports.',
    fields: {
      ring_full_for: { type: 'duration', default: DEFAULT_SERVICE.ringFullUnreadyAfterMs, doc: 'The ring may refuse data (full, over the memory limit, write-ahead log failing) this long before /readyz answers 503; short bursts of backpressure do not take the collector out of its Service. Sink outages never make it unready: data spills.' },
    },
  },
  liveness: {
    type: 'section',
    doc: 'What /healthz reports.',
    fields: {
      flush_stall_for: { type: 'duration', default: DEFAULT_SERVICE.flushStallUnhealthyAfterMs, min: 2000, doc: 'The flush worker beats once a second while its loop turns (or waits on exporters); /healthz answers 503 once no beat came for this long, so that the kubelet restarts a collector whose flush worker hangs.' },
    },
  },
});

const COMPONENTS = (kind: string): { type: 'custom'; typeText: string; doc: string } => ({
  type: 'custom',
  typeText: `mapping of ${kind} ids`,
  doc: `${kind[0]!.toUpperCase()}${kind.slice(1)}s by id (\`type\` or \`type/name\`), each with its type's settings (below).`,
});

export const TOP_FIELDS = fieldTable({
  receivers: COMPONENTS('receiver'),
  processors: COMPONENTS('processor'),
  exporters: COMPONENTS('exporter'),
  extensions: { type: 'custom', typeText: 'mapping of extension ids', doc: 'Accepted for the Collector\'s shape; no extension type exists yet, so any entry is an error.' },
  connectors: { type: 'custom', typeText: 'mapping of connector ids', doc: 'Connectors (fusion, spanmetrics): listed as an exporter of some pipelines and a receiver of others.' },
  service: { type: 'section', fields: SERVICE_FIELDS, doc: 'Pipelines, extensions and the collector\'s own telemetry.' },
  buffer: { type: 'section', fields: BUFFER_FIELDS, doc: 'The ring between receivers and the flush worker, batching and durability.' },
  spill: { type: 'section', fields: SPILL_FIELDS, doc: 'Where exporters put batches their sink cannot take now.' },
});

export function loadConfig(file: string, sets: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const { raw, errors } = loadRawConfig(file, sets, env);
  if (!errors.empty) throw new ConfigError(errors.list);
  return parseCollectorConfig(raw);
}

/** Throws ConfigError listing every problem. */
export function parseCollectorConfig(raw: Record<string, unknown>): CollectorConfig {
  const errors = new ConfigErrors();
  const cfg = checkCollectorConfig(raw, errors);
  if (!errors.empty) throw new ConfigError(errors.list);
  return cfg;
}

export function checkCollectorConfig(raw: Record<string, unknown>, errors: ConfigErrors): CollectorConfig {
  const top = new Fields(raw, '', errors, TOP_FIELDS);
  const receivers = parseSection('receivers', top.obj['receivers'], components().receivers, errors);
  const processors = parseSection('processors', top.obj['processors'], components().processors, errors);
  const exporters = parseSection('exporters', top.obj['exporters'], components().exporters, errors);
  // No extension type exists yet: any entry is reported as an unknown type.
  parseSection('extensions', top.obj['extensions'], new Map(), errors);
  const connectors = parseSection('connectors', top.obj['connectors'], components().connectors, errors);

  const service = top.sub('service');
  const pipelines = parsePipelines(service, receivers, processors, exporters, connectors, errors);
  checkConnectorGraph(pipelines, connectors, service.at('pipelines'), errors);
  const definedExtensions = isPlainObject(top.obj['extensions']) ? top.obj['extensions'] : {};
  service.get('extensions').forEach((id, i) => {
    if (!Object.hasOwn(definedExtensions, id)) errors.add(keyPath(service.at('extensions'), i), `extension "${id}" is not defined in extensions`);
  });

  const tel = service.sub('telemetry');
  const tm = tel.sub('metrics');
  const tl = tel.sub('logs');
  const address = tm.get('address');
  const telemetry: TelemetryConfig = {
    metricsEndpoint: address ?? tm.get('endpoint'),
    metricsEnabled: tm.get('level') !== 'none',
    tls: parseTls(tm),
    auth: parseAuth(tm),
    logLevel: tl.get('level'),
  };
  tl.get('encoding');

  const buffer = parseBuffer(top.sub('buffer'));
  const spill = parseSpill(top.sub('spill'));
  const serviceCfg: ServiceConfig = {
    shutdownTimeoutMs: service.get('shutdown_timeout'),
    ringFullUnreadyAfterMs: service.sub('readiness').get('ring_full_for'),
    flushStallUnhealthyAfterMs: service.sub('liveness').get('flush_stall_for'),
  };
  return { receivers, processors, exporters, connectors, pipelines, buffer, telemetry, spill, service: serviceCfg, raw };
}

function parseBuffer(f: Fields<typeof BUFFER_FIELDS>): BufferConfig {
  const size = f.get('size');
  const maxBatchBytes = f.get('max_batch_bytes');
  if (maxBatchBytes > size / 2) f.fail('max_batch_bytes', `must be at most half of buffer.size (${size / 2})`);
  const w = f.sub('wal');
  return {
    sizeBytes: size,
    whenFull: f.get('when_full'),
    blockTimeoutMs: f.get('block_timeout'),
    flushIntervalMs: f.get('flush_interval'),
    maxBatchBytes,
    maxInflightBatches: f.get('max_inflight_batches'),
    durability: f.get('durability'),
    wal: { directory: w.get('directory'), maxSizeBytes: w.get('max_size'), segmentBytes: w.get('segment_size'), fsync: w.get('fsync') },
    memoryLimitBytes: parseMemoryLimit(f),
  };
}

/** `memory_limit`: a size, a percentage of the container's cgroup limit, or 0 for none. */
function parseMemoryLimit(f: Fields<typeof BUFFER_FIELDS>): number {
  const v = f.obj['memory_limit'];
  const cgroup = cgroupMemoryLimit();
  if (v === undefined || v === null) return cgroup > 0 ? Math.floor(cgroup * 0.8) : 0;
  if (typeof v === 'string' && /^\d+(\.\d+)?%$/.test(v.trim())) {
    const pct = Number(v.trim().slice(0, -1));
    if (pct <= 0 || pct > 100) f.fail('memory_limit', 'percentage must be in (0, 100]');
    if (cgroup === 0) f.fail('memory_limit', 'a percentage needs a cgroup memory limit, and none was found');
    return Math.floor((cgroup * pct) / 100);
  }
  return f.bytes('memory_limit', 0);
}

type AnyFactory = ReceiverFactory | ProcessorFactory | ExporterFactory | ConnectorFactory;

const ID_RE = /^([a-z][a-z0-9_]*)(?:\/([^/\s]+))?$/;

function parseSection(section: string, raw: unknown, factories: ReadonlyMap<string, AnyFactory>, errors: ConfigErrors): Map<string, ComponentEntry> {
  const out = new Map<string, ComponentEntry>();
  if (raw === undefined || raw === null) return out;
  if (!isPlainObject(raw)) {
    errors.add(section, `expected a mapping of component ids, got ${describe(raw)}`);
    return out;
  }
  const kind = section.replace(/s$/, '');
  for (const [id, compRaw] of Object.entries(raw)) {
    const path = keyPath(section, id);
    const m = ID_RE.exec(id);
    if (!m) {
      errors.add(path, `not a component id: expected type or type/name`);
      continue;
    }
    const type = m[1]!;
    const factory = factories.get(type);
    if (!factory) {
      const hint = didYouMean(type, [...factories.keys()]);
      const known = factories.size > 0 ? `; known: ${[...factories.keys()].join(', ')}` : '';
      errors.add(path, `unknown ${kind} type "${type}"${hint ? ` (did you mean "${hint}"?)` : known}`);
      continue;
    }
    out.set(id, { id, type, config: factory.parseConfig(compRaw, path, errors) });
  }
  return out;
}

function parsePipelines(
  service: Fields<typeof SERVICE_FIELDS>,
  receivers: Map<string, ComponentEntry>,
  processors: Map<string, ComponentEntry>,
  exporters: Map<string, ComponentEntry>,
  connectors: Map<string, ComponentEntry>,
  errors: ConfigErrors,
): PipelineConfig[] {
  const raw = service.obj['pipelines'];
  const path = service.at('pipelines');
  const out: PipelineConfig[] = [];
  if (raw === undefined || raw === null) {
    errors.add(path, 'at least one pipeline is required');
    return out;
  }
  if (!isPlainObject(raw)) {
    errors.add(path, `expected a mapping of pipelines, got ${describe(raw)}`);
    return out;
  }
  for (const [pid, praw] of Object.entries(raw)) {
    const ppath = keyPath(path, pid);
    const m = /^(traces|logs|metrics)(?:\/([^/\s]+))?$/.exec(pid);
    if (!m) {
      const hint = didYouMean(pid.split('/')[0]!, SIGNALS);
      errors.add(ppath, `pipeline id must be traces, logs or metrics, optionally /name${hint ? ` (did you mean "${hint}"?)` : ''}`);
      continue;
    }
    const signal = m[1] as Signal;
    const f = new Fields(praw, ppath, errors, PIPELINE_FIELDS);
    const refs = (key: 'receivers' | 'processors' | 'exporters', defined: Map<string, ComponentEntry>, factories: ReadonlyMap<string, AnyFactory>, connectorSide?: 'emits' | 'consumes'): string[] => {
      const ids = f.get(key);
      const seen = new Set<string>();
      ids.forEach((id, i) => {
        const at = keyPath(f.at(key), i);
        if (seen.has(id)) errors.add(at, `"${id}" is listed twice`);
        seen.add(id);
        const connector = connectorSide ? connectors.get(id) : undefined;
        if (connector) {
          // a connector: an exporter of the pipelines it consumes, a receiver of those it feeds
          const fac = components().connectors.get(connector.type);
          const ok = connectorSide === 'emits' ? fac?.emits : fac?.signals;
          if (fac && !ok!.includes(signal)) errors.add(at, `connector ${connector.type} does not ${connectorSide === 'emits' ? 'emit' : 'consume'} ${signal}`);
          return;
        }
        const entry = defined.get(id);
        if (!entry) {
          const hint = didYouMean(id, [...defined.keys(), ...(connectorSide ? connectors.keys() : [])]);
          errors.add(at, `${key.replace(/s$/, '')} "${id}" is not defined in ${key}${hint ? ` (did you mean "${hint}"?)` : ''}`);
          return;
        }
        const fac = factories.get(entry.type);
        if (fac && !fac.signals.includes(signal)) errors.add(at, `${entry.type} does not support ${signal}`);
      });
      return ids;
    };
    out.push({
      id: pid,
      signal,
      receivers: refs('receivers', receivers, components().receivers, 'emits'),
      processors: refs('processors', processors, components().processors),
      exporters: refs('exporters', exporters, components().exporters, 'consumes'),
    });
  }
  return out;
}

/**
 * Every connector must be an exporter of at least one pipeline and a receiver of at least one
 * (the Collector's rule), and data must not flow in a circle through connectors.
 */
function checkConnectorGraph(pipelines: readonly PipelineConfig[], connectors: Map<string, ComponentEntry>, path: string, errors: ConfigErrors): void {
  for (const id of connectors.keys()) {
    const asExporter = pipelines.some((p) => p.exporters.includes(id));
    const asReceiver = pipelines.some((p) => p.receivers.includes(id));
    if (!asExporter && !asReceiver) continue; // defined but unused, like any component
    if (!asExporter) errors.add(keyPath('connectors', id), 'is a receiver of a pipeline but an exporter of none: it would never get data');
    if (!asReceiver) errors.add(keyPath('connectors', id), 'is an exporter of a pipeline but a receiver of none: its output would go nowhere');
  }
  // pipeline → pipelines it feeds through a connector
  const next = (p: PipelineConfig): PipelineConfig[] => pipelines.filter((q) => q.receivers.some((r) => connectors.has(r) && p.exporters.includes(r)));
  const state = new Map<PipelineConfig, 'visiting' | 'done'>();
  const visit = (p: PipelineConfig, trail: string[]): void => {
    const st = state.get(p);
    if (st === 'done') return;
    if (st === 'visiting') {
      errors.add(path, `pipelines form a cycle through connectors: ${[...trail, p.id].join(' → ')}`);
      return;
    }
    state.set(p, 'visiting');
    for (const q of next(p)) visit(q, [...trail, p.id]);
    state.set(p, 'done');
  };
  for (const p of pipelines) visit(p, []);
}
