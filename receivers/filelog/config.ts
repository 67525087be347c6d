// filelog receiver config, in the shape of the Collector's filelogreceiver where it overlaps.
import type { ConfigErrors } from '../../src/config/errors.js';
import { Fields } from '../../src/config/fields.js';

export type LogFormat = 'auto' | 'cri' | 'docker' | 'raw';
export type StartAt = 'end' | 'beginning';

export interface FilelogConfig {
  include: string[];
  exclude: string[];
  startAt: StartAt;
  /** auto: CRI, Docker JSON or raw, decided per line */
  format: LogFormat;
  pollIntervalMs: number;
  /** longest message kept; longer ones are cut there and flagged `log.truncated` */
  maxLogSize: number;
  /** bytes from the start of a file that identify it across renames and restarts */
  fingerprintSize: number;
  /** where checkpoints (fingerprint + offset per file) are kept; none: not persisted */
  checkpointDir: string | undefined;
  /** parse JSON message bodies (pino, OpenTelemetry spellings) into body, severity, trace context, attributes */
  parseJson: boolean;
  /** k8s.* resource attributes from /var/log/pods/<ns>_<pod>_<uid>/<container>/<restart>.log */
  k8sFromPath: boolean;
  /** static resource attributes added to every record */
  resource: Record<string, string>;
  /** bytes read from one file before moving on to the next (fairness across files) */
  maxReadPerFile: number;
}

export const DEFAULT_INCLUDE = ['/var/log/pods/*/*/*.log'];

export function createDefaultConfig(): FilelogConfig {
  return {
    include: [...DEFAULT_INCLUDE],
    exclude: [],
    startAt: 'end',
    format: 'auto',
    pollIntervalMs: 200,
    maxLogSize: 1024 * 1024,
    fingerprintSize: 1000,
    checkpointDir: undefined,
    parseJson: true,
    k8sFromPath: true,
    resource: {},
    maxReadPerFile: 4 * 1024 * 1024,
  };
}

const KEYS = ['include', 'exclude', 'start_at', 'format', 'poll_interval', 'max_log_size', 'fingerprint_size', 'checkpoint_dir', 'storage', 'parse_json', 'k8s_metadata_from_path', 'resource', 'max_read_per_file'];

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): FilelogConfig {
  const d = createDefaultConfig();
  const f = new Fields(raw, path, errors, KEYS);
  const include = f.stringList('include', d.include, { nonEmpty: true });
  include.forEach((p, i) => {
    if (!p.startsWith('/')) errors.add(`${f.at('include')}[${i}]`, `must be an absolute path pattern, got "${p}"`);
  });
  let checkpointDir = f.optionalString('checkpoint_dir');
  if (f.has('storage')) {
    // `storage: { directory: … }` is accepted as a spelling of checkpoint_dir
    const s = f.sub('storage', ['directory']);
    const dir = s.string('directory', '', { nonEmpty: true });
    if (checkpointDir !== undefined) f.fail('storage', 'set only one of storage and checkpoint_dir');
    checkpointDir = dir;
  }
  const maxLogSize = f.bytes('max_log_size', d.maxLogSize, { min: 1024, max: 64 * 1024 * 1024 });
  return {
    include,
    exclude: f.stringList('exclude', d.exclude),
    startAt: f.enum('start_at', ['end', 'beginning'] as const, d.startAt),
    format: f.enum('format', ['auto', 'cri', 'docker', 'raw'] as const, d.format),
    pollIntervalMs: f.duration('poll_interval', d.pollIntervalMs, { min: 10 }),
    maxLogSize,
    fingerprintSize: f.bytes('fingerprint_size', d.fingerprintSize, { min: 16, max: 64 * 1024 }),
    checkpointDir: checkpointDir === '' ? undefined : checkpointDir,
    parseJson: f.bool('parse_json', d.parseJson),
    k8sFromPath: f.bool('k8s_metadata_from_path', d.k8sFromPath),
    resource: f.stringMap('resource'),
    maxReadPerFile: Math.max(f.bytes('max_read_per_file', d.maxReadPerFile, { min: 64 * 1024 }), 2 * maxLogSize + 65536),
  };
}
