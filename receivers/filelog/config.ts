// filelog receiver config, in the shape of the Collector's filelogreceiver where it overlaps.
import type { ConfigErrors } from '../../src/config/errors.js';
import { fieldTable } from '../../src/config/field-table.js';
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

const d = createDefaultConfig();

export const FILELOG_FIELDS = fieldTable({
  include: { type: 'strings', default: DEFAULT_INCLUDE, nonEmpty: true, doc: 'Absolute glob patterns of the files to tail (* within a path segment, ** across segments).' },
  exclude: { type: 'strings', doc: 'Glob patterns of files not to tail, though include matches them.' },
  start_at: { type: 'enum', values: ['end', 'beginning'], default: d.startAt, doc: 'Where a file never seen before is read from.' },
  format: { type: 'enum', values: ['auto', 'cri', 'docker', 'raw'], default: d.format, doc: 'Line format; auto decides per line between CRI, Docker JSON and raw.' },
  poll_interval: { type: 'duration', default: d.pollIntervalMs, min: 10, doc: 'How often files are looked for and read.' },
  max_log_size: { type: 'bytes', default: d.maxLogSize, min: 1024, max: 64 * 1024 * 1024, doc: 'Longest message kept; longer ones are cut there and flagged log.truncated.' },
  fingerprint_size: { type: 'bytes', default: d.fingerprintSize, min: 16, max: 64 * 1024, doc: 'Bytes from the start of a file that identify it across renames and restarts.' },
  checkpoint_dir: { type: 'string', doc: 'Where checkpoints (fingerprint and offset per file) are kept; unset: not persisted, a restart starts at start_at.' },
  storage: {
    type: 'section',
    doc: 'Another spelling of checkpoint_dir (storage.directory); set only one.',
    fields: { directory: { type: 'string', default: '', nonEmpty: true, doc: 'Checkpoint directory.' } },
  },
  parse_json: { type: 'bool', default: d.parseJson, doc: 'Parse JSON message bodies (pino, OpenTelemetry spellings) into body, severity, trace context and attributes.' },
  k8s_metadata_from_path: { type: 'bool', default: d.k8sFromPath, doc: 'k8s.* resource attributes from /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log.' },
  resource: { type: 'map', doc: 'Static resource attributes added to every record.' },
  max_read_per_file: { type: 'bytes', default: d.maxReadPerFile, min: 64 * 1024, doc: 'Bytes read from one file before moving on to the next (fairness); raised to at least 2 × max_log_size + 64KiB.' },
});

export function parseConfig(raw: unknown, path: string, errors: ConfigErrors): FilelogConfig {
  const f = new Fields(raw, path, errors, FILELOG_FIELDS);
  const include = f.get('include');
  include.forEach((p, i) => {
    if (!p.startsWith('/')) errors.add(`${f.at('include')}[${i}]`, `must be an absolute path pattern, got "${p}"`);
  });
  let checkpointDir = f.get('checkpoint_dir');
  if (f.has('storage')) {
    // `storage: { directory: … }` is accepted as a spelling of checkpoint_dir
    const s = f.sub('storage');
    const dir = s.get('directory');
    if (checkpointDir !== undefined) f.fail('storage', 'set only one of storage and checkpoint_dir');
    checkpointDir = dir;
  }
  const maxLogSize = f.get('max_log_size');
  return {
    include,
    exclude: f.get('exclude'),
    startAt: f.get('start_at'),
    format: f.get('format'),
    pollIntervalMs: f.get('poll_interval'),
    maxLogSize,
    fingerprintSize: f.get('fingerprint_size'),
    checkpointDir: checkpointDir === '' ? undefined : checkpointDir,
    parseJson: f.get('parse_json'),
    k8sFromPath: f.get('k8s_metadata_from_path'),
    resource: f.get('resource'),
    maxReadPerFile: Math.max(f.get('max_read_per_file'), 2 * maxLogSize + 65536),
  };
}
