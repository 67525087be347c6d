// One physical line of a container log file: CRI (`<RFC3339Nano> <stream> <P|F>[:tags] <msg>`),
// Docker JSON (`{"log":"…\n","stream":"stdout","time":"…"}`) or a raw line.
import type { LogFormat } from './config.js';

export interface PhysicalLine {
  /** the message bytes of this line (a fragment when `partial`) */
  msg: Buffer;
  /** more fragments follow (CRI `P`, Docker JSON `log` without a trailing newline) */
  partial: boolean;
  /** event time from the runtime, ns since the epoch */
  timeNs: bigint | undefined;
  stream: 'stdout' | 'stderr' | undefined;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})$/;

/** RFC 3339 with any fraction length (0-9 digits) and `Z` or an offset → ns since the epoch. */
export function parseRfc3339Nano(s: string): bigint | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  let ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (!Number.isFinite(ms)) return undefined;
  const tz = m[8]!;
  if (tz !== 'Z' && tz !== 'z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    ms -= sign * (+digits.slice(0, 2) * 60 + +digits.slice(2, 4)) * 60_000;
  }
  const frac = m[7] ?? '';
  return BigInt(ms) * 1_000_000n + BigInt(frac === '' ? 0 : +frac.padEnd(9, '0'));
}

const SPACE = 0x20;

/** `line` excludes the newline. Returns undefined when it is not a CRI line. */
function parseCri(line: Buffer): PhysicalLine | undefined {
  const s1 = line.indexOf(SPACE);
  if (s1 < 20 || s1 > 40) return undefined;
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0) return undefined;
  const streamLen = s2 - s1 - 1;
  if (streamLen !== 6) return undefined;
  const stream = line.toString('latin1', s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = line[s2 + 1];
  if (tag !== 0x50 /* P */ && tag !== 0x46 /* F */) return undefined;
  let s3 = line.indexOf(SPACE, s2 + 1);
  // an empty message may come without the separating space
  if (s3 < 0) s3 = line.length;
  const timeNs = parseRfc3339Nano(line.toString('latin1', 0, s1));
  if (timeNs === undefined) return undefined;
  return { msg: line.subarray(Math.min(s3 + 1, line.length)), partial: tag === 0x50, timeNs, stream };
}

const DOCKER_PREFIX = Buffer.from('{"log":');

function parseDocker(line: Buffer): PhysicalLine | undefined {
  if (line.length < DOCKER_PREFIX.length || line.compare(DOCKER_PREFIX, 0, DOCKER_PREFIX.length, 0, DOCKER_PREFIX.length) !== 0) return undefined;
  let o: { log?: unknown; stream?: unknown; time?: unknown };
  try {
    o = JSON.parse(line.toString('utf8')) as typeof o;
  } catch {
    return undefined;
  }
  if (typeof o.log !== 'string') return undefined;
  const partial = !o.log.endsWith('\n');
  const text = partial ? o.log : o.log.slice(0, o.log.endsWith('\r\n') ? -2 : -1);
  return {
    msg: Buffer.from(text, 'utf8'),
    partial,
    timeNs: typeof o.time === 'string' ? parseRfc3339Nano(o.time) : undefined,
    stream: o.stream === 'stdout' || o.stream === 'stderr' ? o.stream : undefined,
  };
}

export function parseLine(line: Buffer, format: LogFormat): PhysicalLine {
  if (format === 'cri' || format === 'auto') {
    const c = parseCri(line);
    if (c) return c;
  }
  if (format === 'docker' || format === 'auto') {
    const d = parseDocker(line);
    if (d) return d;
  }
  // raw (or a line that does not fit the declared format: kept whole, never dropped)
  const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
  return { msg: line.subarray(0, end), partial: false, timeNs: undefined, stream: undefined };
}
