// What a log record brings to its span event: the body capped (truncation marked) and the
// record's own attributes, minus those that repeat its resource and those the lists exclude.
import { writeAnyValue } from '../../src/otlp/attributes-writer.js';
import { ProtoWriter } from '../../src/otlp/proto-writer.js';

export interface LogEventPolicy {
  maxBodyBytes: number;
  /** when non-empty, only these attribute keys are kept */
  include: readonly string[];
  exclude: readonly string[];
}

/** pino's base fields repeat the resource's process and host identity */
const RESOURCE_TWINS: Readonly<Record<string, string>> = { pid: 'process.pid', hostname: 'host.name' };

export class LogAttributeFilter {
  private readonly include: ReadonlySet<string> | undefined;
  private readonly exclude: ReadonlySet<string>;

  constructor(policy: LogEventPolicy) {
    this.include = policy.include.length > 0 ? new Set(policy.include) : undefined;
    this.exclude = new Set(policy.exclude);
  }

  keep(key: string, resourceKeys: ReadonlySet<string>): boolean {
    if (this.include && !this.include.has(key)) return false;
    if (this.exclude.has(key) || resourceKeys.has(key)) return false;
    const twin = RESOURCE_TWINS[key];
    return twin === undefined || !resourceKeys.has(twin);
  }
}

/** A string body over the cap, cut at a character boundary, as AnyValue bytes. */
export function capStringBody(text: string, maxBytes: number): { body: Uint8Array; text: string } {
  const bytes = Buffer.from(text, 'utf8');
  let end = Math.min(maxBytes, bytes.length);
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // not inside a multi-byte character
  const cut = bytes.subarray(0, end).toString('utf8');
  const w = new ProtoWriter(end + 8);
  writeAnyValue(w, cut);
  return { body: w.finish(), text: cut };
}
