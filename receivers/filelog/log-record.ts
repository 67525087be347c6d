// Builds ExportLogsServiceRequest bytes with the OTLP LogsBuilder, never through JSON objects:
// one ResourceLogs per file read, its resource pre-encoded once per file. Message bodies that
// are JSON objects (pino, or the OpenTelemetry spellings) give severity, time, trace context,
// body and attributes.
import { encodeAttributes } from '../../src/otlp/attributes-writer.js';
import { KEY } from '../../src/otlp/fields.js';
import { LogsBuilder } from '../../src/otlp/logs-builder.js';
import { VERSION } from '../../src/version.js';
import { jsonDeeperThan, MAX_JSON_DEPTH } from './json-depth.js';

const SCOPE_NAME = 'ai-trace-collector/filelog';

const PINO_SEVERITY: [number, number, string][] = [
  [10, 1, 'TRACE'],
  [20, 5, 'DEBUG'],
  [30, 9, 'INFO'],
  [40, 13, 'WARN'],
  [50, 17, 'ERROR'],
  [60, 21, 'FATAL'],
];
const NAMED_SEVERITY: Record<string, [number, string]> = {
  trace: [1, 'TRACE'], debug: [5, 'DEBUG'], info: [9, 'INFO'], information: [9, 'INFO'], notice: [10, 'INFO2'],
  warn: [13, 'WARN'], warning: [13, 'WARN'], error: [17, 'ERROR'], err: [17, 'ERROR'], critical: [21, 'FATAL'], fatal: [21, 'FATAL'], panic: [24, 'FATAL4'],
};

export function severityOf(level: unknown): [number, string] | undefined {
  if (typeof level === 'number' && Number.isFinite(level)) {
    let best: [number, string] | undefined;
    for (const [n, sev, text] of PINO_SEVERITY) if (level >= n) best = [sev + Math.min(3, Math.floor((level - n) / 3)), text];
    return best ?? [1, 'TRACE'];
  }
  if (typeof level === 'string') return NAMED_SEVERITY[level.toLowerCase()];
  return undefined;
}

const HEX32 = /^[0-9a-fA-F]{32}$/;
const HEX16 = /^[0-9a-fA-F]{16}$/;
const ALL_ZERO = /^0+$/;

/** Keys taken out of a JSON body into the record's own fields. */
const RESERVED = new Set(['level', 'time', 'timestamp', 'msg', 'message', 'trace_id', 'span_id', 'trace_flags', 'traceId', 'spanId', 'traceFlags', 'severity', 'severityText', 'severity_text', 'severityNumber', 'severity_number']);

export interface RecordInput {
  text: string;
  timeNs: bigint | undefined;
  stream: 'stdout' | 'stderr' | undefined;
  truncated: boolean;
}

export class LogRequestBuilder {
  private readonly b = new LogsBuilder(64 * 1024);
  private open = false;

  constructor(
    private readonly parseJson: boolean,
  ) {}

  get items(): number {
    return this.b.items;
  }

  /** Starts the ResourceLogs of one file: `resource` is pre-encoded Resource bytes. */
  begin(resource: Uint8Array): void {
    const b = this.b;
    b.reset();
    b.beginResource(resource);
    b.beginScope(SCOPE_NAME, VERSION);
    this.open = true;
  }

  /**
   * `fileAttrs`: pre-encoded LogRecord attributes shared by every record of the file. A record
   * whose conversion throws leaves nothing behind: the error goes to the caller, which skips
   * that one line.
   */
  add(r: RecordInput, fileAttrs: Uint8Array, observedNs: bigint): void {
    try {
      this.addRecord(r, fileAttrs, observedNs);
    } catch (e) {
      this.b.abortItem();
      throw e;
    }
  }

  private addRecord(r: RecordInput, fileAttrs: Uint8Array, observedNs: bigint): void {
    const b = this.b;
    b.beginLogRecord();
    let timeNs = r.timeNs;
    let body: string = r.text;
    let obj: Record<string, unknown> | undefined;
    // JSON nested deeper than MAX_JSON_DEPTH stays a string body: parsing and converting it
    // would recurse as deep as the input (a 25 KB line can overflow the stack)
    if (this.parseJson && r.text.length > 1 && r.text.charCodeAt(0) === 0x7b /* { */ && !jsonDeeperThan(r.text, MAX_JSON_DEPTH)) {
      try {
        const o = JSON.parse(r.text) as unknown;
        if (typeof o === 'object' && o !== null && !Array.isArray(o)) obj = o as Record<string, unknown>;
      } catch {
        // not JSON after all: the text is the body
      }
    }
    let sev: [number, string] | undefined;
    let traceId: string | undefined;
    let spanId: string | undefined;
    let flags: number | undefined;
    let hasMsg = false;
    if (obj) {
      const t = obj['time'] ?? obj['timestamp'];
      if (typeof t === 'number' && Number.isFinite(t) && t > 0) timeNs = BigInt(Math.round(t * 1000)) * 1000n; // epoch ms (fractions kept to µs)
      else if (typeof t === 'string') {
        const ms = Date.parse(t);
        if (Number.isFinite(ms)) timeNs = BigInt(ms) * 1_000_000n;
      }
      sev = severityOf(obj['level'] ?? obj['severity'] ?? obj['severityText'] ?? obj['severity_text']);
      const sn = obj['severityNumber'] ?? obj['severity_number'];
      if (typeof sn === 'number' && sn >= 1 && sn <= 24) sev = [sn, sev?.[1] ?? ''];
      const tid = obj['trace_id'] ?? obj['traceId'];
      const sid = obj['span_id'] ?? obj['spanId'];
      if (typeof tid === 'string' && HEX32.test(tid) && !ALL_ZERO.test(tid)) traceId = tid;
      if (typeof sid === 'string' && HEX16.test(sid) && !ALL_ZERO.test(sid)) spanId = sid;
      const tf = obj['trace_flags'] ?? obj['traceFlags'];
      if (typeof tf === 'string' && /^[0-9a-fA-F]{1,2}$/.test(tf)) flags = parseInt(tf, 16);
      else if (typeof tf === 'number' && tf >= 0 && tf <= 255) flags = tf;
      const msg = obj['msg'] ?? obj['message'];
      if (typeof msg === 'string') {
        body = msg;
        hasMsg = true;
      }
    }
    if (timeNs !== undefined) b.time(timeNs);
    if (sev) b.severity(sev[0], sev[1]);
    b.bodyString(body);
    b.rawAttributes(fileAttrs);
    if (r.stream) b.stringAttr('log.iostream', r.stream);
    if (r.truncated) b.boolAttr('log.truncated', true);
    if (obj && hasMsg) {
      for (const k of Object.keys(obj)) {
        if (RESERVED.has(k)) continue;
        const v = obj[k];
        if (v === null || v === undefined) continue;
        b.attr(k, v);
      }
    }
    if (flags !== undefined && traceId) b.flags(flags);
    if (traceId) {
      b.traceId(Buffer.from(traceId, 'hex'));
      if (spanId) b.spanId(Buffer.from(spanId, 'hex'));
    }
    b.observedTime(observedNs);
    b.endLogRecord();
  }

  /** The finished request (a copy), or undefined when no record was added. */
  finish(): Uint8Array | undefined {
    if (!this.open) return undefined;
    this.open = false;
    this.b.endScope();
    this.b.endResource();
    return this.b.items === 0 ? undefined : this.b.finish();
  }
}

/** Pre-encoded LogRecord attributes, shared by every record of one file. */
export function encodeRecordAttributes(attrs: Record<string, string | number | boolean>): Uint8Array {
  return encodeAttributes(KEY.LogRecord.attributes, attrs);
}

/** k8s.* attributes from `/var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log`. */
export function k8sFromPath(path: string): Record<string, string | number> | undefined {
  const m = /\/([^/_]+)_([^/_]+)_([0-9a-fA-F-]{8,})\/([^/]+)\/(\d+)\.log(?:\.[^/]*)?$/.exec(path);
  if (!m) return undefined;
  return {
    'k8s.namespace.name': m[1]!,
    'k8s.pod.name': m[2]!,
    'k8s.pod.uid': m[3]!,
    'k8s.container.name': m[4]!,
    'k8s.container.restart_count': Number(m[5]),
  };
}
