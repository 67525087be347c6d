// Starts a collector in-process on free ports with a temp data directory, for tests.
import '../../components.js'; // registers the component factories
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { AddressInfo } from 'node:net';
import { parseCollectorConfig } from '../../src/config/collector-config.js';
import { parseRawConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { Service } from '../../src/pipeline/service.js';
import { decodeObject } from '../../src/cli/cat.js';
import type { OtlpReceiver } from '../../receivers/otlp/otlp-receiver.js';
import type { JsonObject } from '../../src/otlp/proto-decode.js';
import { signalFromKey } from '../../src/storage/object-key.js';
import type { Signal } from '../../src/component.js';

export interface TestCollector {
  service: Service;
  dataDir: string;
  otlpUrl: string;
  telemetryUrl: string;
  shutdown(): Promise<void>;
}

export const DEFAULT_TEST_CONFIG = (dataDir: string): string => `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
exporters:
  file:
    directory: ${dataDir}
    fsync: false
spill:
  directory: ${dataDir}.spill
service:
  telemetry:
    metrics:
      endpoint: 127.0.0.1:0
    logs:
      level: \${env:ATC_TEST_LOG_LEVEL:-silent}
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
    logs: { receivers: [otlp], exporters: [file] }
    metrics: { receivers: [otlp], exporters: [file] }
`;

export function tempDir(prefix = 'atc-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startCollector(opts: { yaml?: (dataDir: string) => string; sets?: string[] } = {}): Promise<TestCollector> {
  const dataDir = tempDir();
  const { raw, errors } = parseRawConfig((opts.yaml ?? DEFAULT_TEST_CONFIG)(dataDir), opts.sets ?? []);
  if (!errors.empty) throw new ConfigError(errors.list);
  // tests never write spill queues into the working directory
  raw['spill'] ??= { directory: `${dataDir}.spill` };
  const cfg = parseCollectorConfig(raw);
  const logger = pino({ level: cfg.telemetry.logLevel });
  const service = new Service(cfg, { logger });
  await service.start();
  const otlp = service.receivers.get('otlp') as OtlpReceiver | undefined;
  const a = otlp?.httpAddress();
  const t = service.telemetryAddress as AddressInfo | undefined;
  return {
    service,
    dataDir,
    otlpUrl: a ? `http://127.0.0.1:${a.port}` : '',
    telemetryUrl: t ? `http://127.0.0.1:${t.port}` : '',
    shutdown: () => service.shutdown(),
  };
}

export interface StoredRequest {
  file: string;
  signal: Signal;
  json: JsonObject;
}

/** Every stored batch under `dir`, decoded. */
export function readStored(dir: string): StoredRequest[] {
  const out: StoredRequest[] = [];
  const walk = (d: string): void => {
    // entry types from readdir, no stat: the file exporter renames its temp files meanwhile
    // (a stat of one that was just renamed failed with ENOENT)
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const name = e.name;
      const p = join(d, name);
      if (e.isDirectory()) walk(p);
      else if (!name.startsWith('.tmp-')) {
        const signal = signalFromKey(p);
        if (!signal) throw new Error(`unexpected file ${p}`);
        out.push({ file: p, signal, json: JSON.parse(decodeObject(p, readFileSync(p))) as JsonObject });
      }
    }
  };
  walk(dir);
  return out;
}

type J = JsonObject;
const arr = (v: unknown): J[] => (Array.isArray(v) ? (v as J[]) : []);

/** Flattens stored trace requests into spans with their resource and scope. */
export function storedSpans(stored: readonly StoredRequest[]): { resource: J; scope: J; span: J }[] {
  const out: { resource: J; scope: J; span: J }[] = [];
  for (const s of stored.filter((x) => x.signal === 'traces'))
    for (const rs of arr(s.json['resourceSpans']))
      for (const ss of arr(rs['scopeSpans'])) for (const span of arr(ss['spans'])) out.push({ resource: (rs['resource'] ?? {}) as J, scope: (ss['scope'] ?? {}) as J, span });
  return out;
}

export function storedLogRecords(stored: readonly StoredRequest[]): { resource: J; record: J }[] {
  const out: { resource: J; record: J }[] = [];
  for (const s of stored.filter((x) => x.signal === 'logs'))
    for (const rl of arr(s.json['resourceLogs'])) for (const sl of arr(rl['scopeLogs'])) for (const record of arr(sl['logRecords'])) out.push({ resource: (rl['resource'] ?? {}) as J, record });
  return out;
}

export function storedMetrics(stored: readonly StoredRequest[]): J[] {
  const out: J[] = [];
  for (const s of stored.filter((x) => x.signal === 'metrics'))
    for (const rm of arr(s.json['resourceMetrics'])) for (const sm of arr(rm['scopeMetrics'])) out.push(...arr(sm['metrics']));
  return out;
}

/** Attribute list → plain object of their JSON values. */
export function attrs(kvs: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of arr(kvs)) {
    const v = (kv['value'] ?? {}) as J;
    const key = Object.keys(v)[0];
    out[String(kv['key'])] = key === undefined ? undefined : v[key];
  }
  return out;
}
