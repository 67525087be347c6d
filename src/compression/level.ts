// `compression_level` as exporters take it: tables hold the widest range (zstd's -7..22);
// gzip's narrower 0..9 is checked here once the codec is known.
import type { Fields } from '../config/fields.js';

export function compressionLevel(f: Fields<{ compression_level: { type: 'integer'; doc: string } }>, compression: string): number | undefined {
  const level = f.get('compression_level');
  if (level !== undefined && compression === 'gzip') {
    if (level < 0) f.fail('compression_level', `must be at least 0 for gzip, got ${level}`);
    if (level > 9) f.fail('compression_level', `must be at most 9 for gzip, got ${level}`);
  }
  return level;
}
