// Object keys shared by the file and S3 exporters, in the Collector awss3exporter's layout:
// <prefix>/<partition>/<file_prefix><signal>_<uuidv7>.<binpb|json>[.zst|.gz]
import type { Signal } from '../component.js';
import { EXTENSION, type Compression } from '../compression/codecs.js';
import { uuidv7 } from './uuidv7.js';

export const DEFAULT_PARTITION_FORMAT = 'year=%Y/month=%m/day=%d/hour=%H/minute=%M';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** strftime subset over UTC: %Y %m %d %H %M %S %j %y %%. Unknown directives are errors. */
export function formatPartition(format: string, atMs: number): string {
  const d = new Date(atMs);
  return format.replace(/%(.)/g, (_, c: string) => {
    switch (c) {
      case 'Y': return String(d.getUTCFullYear());
      case 'y': return pad(d.getUTCFullYear() % 100);
      case 'm': return pad(d.getUTCMonth() + 1);
      case 'd': return pad(d.getUTCDate());
      case 'H': return pad(d.getUTCHours());
      case 'M': return pad(d.getUTCMinutes());
      case 'S': return pad(d.getUTCSeconds());
      case 'j': {
        const start = Date.UTC(d.getUTCFullYear(), 0, 1);
        return pad(Math.floor((atMs - start) / 86_400_000) + 1, 3);
      }
      case '%': return '%';
      default: throw new Error(`unsupported partition directive %${c}`);
    }
  });
}

/** Returns an error message for a partition format, or undefined when it is valid. */
export function checkPartitionFormat(format: string): string | undefined {
  const bad = /%([^YymdHMSj%])/.exec(format);
  if (bad) return `unsupported directive %${bad[1]} (use %Y %y %m %d %H %M %S %j)`;
  if (format.startsWith('/') || format.split('/').includes('..')) return 'must be a relative path without ".."';
  return undefined;
}

export type Marshaler = 'otlp_proto' | 'otlp_json';

export interface ObjectKeyOptions {
  prefix: string;
  partitionFormat: string;
  filePrefix: string;
  marshaler: Marshaler;
  compression: Compression;
}

export function objectKey(o: ObjectKeyOptions, signal: Signal, atMs: number): string {
  const ext = (o.marshaler === 'otlp_json' ? '.json' : '.binpb') + EXTENSION[o.compression];
  const name = `${o.filePrefix}${signal}_${uuidv7(atMs)}${ext}`;
  const parts = [o.prefix.replace(/^\/+|\/+$/g, ''), formatPartition(o.partitionFormat, atMs), name];
  return parts.filter((p) => p !== '').join('/');
}

/** The signal a stored object holds, from its name (`…traces_<uuid>…`). */
export function signalFromKey(key: string): Signal | undefined {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const m = /(traces|logs|metrics)_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\./.exec(base);
  return m ? (m[1] as Signal) : undefined;
}
