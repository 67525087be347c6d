// The whole collector config in the OpenTelemetry Collector's shape, validated with every
// problem reported under its key path.
import type { ExporterFactory, ProcessorFactory, ReceiverFactory, Signal } from '../component.js';
import { SIGNALS } from '../component.js';
import { components } from '../component-registry.js';
import { didYouMean } from './did-you-mean.js';
import { ConfigError, ConfigErrors, keyPath } from './errors.js';
import { Fields, isPlainObject, describe } from './fields.js';
import { loadRawConfig } from './load.js';
import { cgroupMemoryLimit } from './cgroup.js';
import { parseAuth, parseTls, type AuthConfig, type TlsConfig } from '../auth/config.js';
import { parseSpill, SPILL_KEYS, type SpillConfig } from '../spill/spill-config.js';

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

export interface CollectorConfig {
  readonly receivers: ReadonlyMap<string, ComponentEntry>;
  readonly processors: ReadonlyMap<string, ComponentEntry>;
  readonly exporters: ReadonlyMap<string, ComponentEntry>;
  readonly pipelines: readonly PipelineConfig[];
  readonly buffer: BufferConfig;
  readonly telemetry: TelemetryConfig;
  readonly spill: SpillConfig;
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

const TOP_KEYS = ['receivers', 'processors', 'exporters', 'extensions', 'connectors', 'service', 'buffer', 'spill'];
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

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
  const top = new Fields(raw, '', errors, TOP_KEYS);
  const receivers = parseSection('receivers', top.obj['receivers'], components().receivers, errors);
  const processors = parseSection('processors', top.obj['processors'], components().processors, errors);
  const exporters = parseSection('exporters', top.obj['exporters'], components().exporters, errors);
  const extensions = parseSection('extensions', top.obj['extensions'], new Map(), errors);
  const connectors = parseSection('connectors', top.obj['connectors'], new Map(), errors);
  void extensions;
  void connectors;

  const service = top.sub('service', ['pipelines', 'telemetry', 'extensions']);
  const pipelines = parsePipelines(service, receivers, processors, exporters, errors);

  const tel = service.sub('telemetry', ['metrics', 'logs']);
  const tm = tel.sub('metrics', ['endpoint', 'level', 'address', 'tls', 'auth']);
  const tl = tel.sub('logs', ['level', 'encoding']);
  const levelWord = tm.enum('level', ['none', 'basic', 'normal', 'detailed'], 'normal');
  const telemetry: TelemetryConfig = {
    metricsEndpoint: tm.endpoint(tm.has('address') ? 'address' : 'endpoint', '127.0.0.1:8888'),
    metricsEnabled: levelWord !== 'none',
    tls: parseTls(tm),
    auth: parseAuth(tm),
    logLevel: tl.enum('level', LOG_LEVELS, 'info'),
  };
  tl.enum('encoding', ['json'], 'json');

  const buffer = parseBuffer(top.sub('buffer', ['size', 'when_full', 'block_timeout', 'flush_interval', 'max_batch_bytes', 'max_inflight_batches', 'durability', 'wal', 'memory_limit']));
  const spill = parseSpill(top.sub('spill', SPILL_KEYS));
  return { receivers, processors, exporters, pipelines, buffer, telemetry, spill, raw };
}

function parseBuffer(f: Fields): BufferConfig {
  const d = DEFAULT_BUFFER;
  const size = f.bytes('size', d.sizeBytes, { min: 1024 * 1024, max: 2 ** 30 });
  if ((size & (size - 1)) !== 0) f.fail('size', `must be a power of two such as 64MiB, got ${size}`);
  const maxBatchBytes = f.bytes('max_batch_bytes', d.maxBatchBytes, { min: 1024 });
  if (maxBatchBytes > size / 2) f.fail('max_batch_bytes', `must be at most half of buffer.size (${size / 2})`);
  return {
    sizeBytes: size,
    whenFull: f.enum('when_full', ['block', 'drop_newest'] as const, d.whenFull),
    blockTimeoutMs: f.duration('block_timeout', d.blockTimeoutMs),
    flushIntervalMs: f.duration('flush_interval', d.flushIntervalMs, { min: 1 }),
    maxBatchBytes,
    maxInflightBatches: f.number('max_inflight_batches', d.maxInflightBatches, { min: 1, integer: true }),
    durability: f.enum('durability', ['memory', 'disk'] as const, d.durability),
    wal: parseWal(f.sub('wal', ['directory', 'max_size', 'segment_size', 'fsync'])),
    memoryLimitBytes: parseMemoryLimit(f),
  };
}

function parseWal(w: Fields): BufferConfig['wal'] {
  const d = DEFAULT_BUFFER.wal;
  return {
    directory: w.string('directory', d.directory, { nonEmpty: true }),
    maxSizeBytes: w.bytes('max_size', d.maxSizeBytes, { min: 1024 * 1024 }),
    segmentBytes: w.bytes('segment_size', d.segmentBytes, { min: 64 * 1024 }),
    fsync: w.enum('fsync', ['batch', 'interval', 'never'] as const, d.fsync),
  };
}

/** `memory_limit`: a size, a percentage of the container's cgroup limit, or 0 for none. */
function parseMemoryLimit(f: Fields): number {
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

type AnyFactory = ReceiverFactory | ProcessorFactory | ExporterFactory;

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
  service: Fields,
  receivers: Map<string, ComponentEntry>,
  processors: Map<string, ComponentEntry>,
  exporters: Map<string, ComponentEntry>,
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
    const f = new Fields(praw, ppath, errors, ['receivers', 'processors', 'exporters']);
    const refs = (key: 'receivers' | 'processors' | 'exporters', defined: Map<string, ComponentEntry>, factories: ReadonlyMap<string, AnyFactory>, required: boolean): string[] => {
      const ids = f.stringList(key, [], { nonEmpty: required });
      if (required && !f.has(key)) f.fail(key, 'must list at least one component');
      const seen = new Set<string>();
      ids.forEach((id, i) => {
        const at = keyPath(f.at(key), i);
        if (seen.has(id)) errors.add(at, `"${id}" is listed twice`);
        seen.add(id);
        const entry = defined.get(id);
        if (!entry) {
          const hint = didYouMean(id, [...defined.keys()]);
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
      receivers: refs('receivers', receivers, components().receivers, true),
      processors: refs('processors', processors, components().processors, false),
      exporters: refs('exporters', exporters, components().exporters, true),
    });
  }
  return out;
}
