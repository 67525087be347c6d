// Builds ExportLogsServiceRequest bytes with ProtoWriter, never through JSON objects: one
// ResourceLogs per file read, its resource pre-encoded once per file. Message bodies that are
// JSON objects (pino, or the OpenTelemetry spellings) give severity, time, trace context,
// body and attributes.
import { ProtoWriter } from '../../src/otlp/proto-writer.js';
import { VERSION } from '../../src/version.js';
import { jsonDeeperThan, MAX_JSON_DEPTH } from './json-depth.js';

const SCOPE_NAME = 'ai-trace-collector/filelog';

/** KeyValue bytes (without the outer tag) for a string attribute. */
function kvString(w: ProtoWriter, key: string, value: string): void {
  w.fork();
  w.tag(1, 2);
  w.string(key);
  w.tag(2, 2);
  w.fork();
  w.tag(1, 2);
  w.string(value);
  w.join();
  w.join();
}

/** Encodes attributes as repeated KeyValue with field number `field` into fresh bytes. */
export function encodeAttributes(field: number, attrs: Record<string, string | number | boolean>): Uint8Array {
  const w = new ProtoWriter(256);
  for (const [k, v] of Object.entries(attrs)) {
    w.tag(field, 2);
    w.fork();
    w.tag(1, 2);
    w.string(k);
    w.tag(2, 2);
    w.fork();
    anyValue(w, v, 0);
    w.join();
    w.join();
  }
  return w.finish();
}

function anyValue(w: ProtoWriter, v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      w.tag(1, 2);
      w.string(v);
      return;
    case 'boolean':
      w.tag(2, 0);
      w.varint(v ? 1 : 0);
      return;
    case 'number':
      if (Number.isSafeInteger(v)) {
        w.tag(3, 0);
        w.varint(v);
      } else {
        w.tag(4, 1);
        w.double(v);
      }
      return;
    case 'object': {
      if (v === null) return;
      if (depth >= 8) {
        w.tag(1, 2);
        w.string(JSON.stringify(v));
        return;
      }
      if (Array.isArray(v)) {
        w.tag(5, 2);
        w.fork();
        for (const x of v) {
          w.tag(1, 2);
          w.fork();
          anyValue(w, x, depth + 1);
          w.join();
        }
        w.join();
        return;
      }
      w.tag(6, 2);
      w.fork();
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        w.tag(1, 2);
        w.fork();
        w.tag(1, 2);
        w.string(k);
        w.tag(2, 2);
        w.fork();
        anyValue(w, x, depth + 1);
        w.join();
        w.join();
      }
      w.join();
      return;
    }
    default:
      w.tag(1, 2);
      w.string(String(v));
  }
}

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
  private readonly w = new ProtoWriter(64 * 1024);
  items = 0;
  private open = false;

  constructor(
    private readonly parseJson: boolean,
  ) {}

  /** Starts the ResourceLogs of one file: `resource` is pre-encoded Resource bytes. */
  begin(resource: Uint8Array): void {
    const w = this.w;
    w.pos = 0;
    this.items = 0;
    w.tag(1, 2); // resource_logs
    w.fork();
    w.tag(1, 2);
    w.bytes(resource);
    w.tag(2, 2); // scope_logs
    w.fork();
    w.tag(1, 2);
    w.fork();
    w.tag(1, 2);
    w.string(SCOPE_NAME);
    w.tag(2, 2);
    w.string(VERSION);
    w.join();
    this.open = true;
  }

  /**
   * `fileAttrs`: pre-encoded KeyValue bytes (tag 6) shared by every record of the file. A
   * record whose conversion throws leaves nothing behind: the error goes to the caller, which
   * skips that one line.
   */
  add(r: RecordInput, fileAttrs: Uint8Array, observedNs: bigint): void {
    const m = this.w.mark();
    try {
      this.addRecord(r, fileAttrs, observedNs);
    } catch (e) {
      this.w.rewind(m);
      throw e;
    }
  }

  private addRecord(r: RecordInput, fileAttrs: Uint8Array, observedNs: bigint): void {
    const w = this.w;
    w.tag(2, 2); // log_records
    w.fork();
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
    if (timeNs !== undefined) {
      w.tag(1, 1);
      w.fixed64(timeNs);
    }
    if (sev) {
      w.tag(2, 0);
      w.varint(sev[0]);
      if (sev[1] !== '') {
        w.tag(3, 2);
        w.string(sev[1]);
      }
    }
    w.tag(5, 2); // body
    w.fork();
    w.tag(1, 2);
    w.string(body);
    w.join();
    w.raw(fileAttrs);
    if (r.stream) {
      w.tag(6, 2);
      kvString(w, 'log.iostream', r.stream);
    }
    if (r.truncated) {
      w.tag(6, 2);
      w.fork();
      w.tag(1, 2);
      w.string('log.truncated');
      w.tag(2, 2);
      w.fork();
      w.tag(2, 0);
      w.varint(1);
      w.join();
      w.join();
    }
    if (obj && hasMsg) {
      for (const k of Object.keys(obj)) {
        if (RESERVED.has(k)) continue;
        const v = obj[k];
        if (v === null || v === undefined) continue;
        w.tag(6, 2);
        w.fork();
        w.tag(1, 2);
        w.string(k);
        w.tag(2, 2);
        w.fork();
        anyValue(w, v, 0);
        w.join();
        w.join();
      }
    }
    if (flags !== undefined && traceId) {
      w.tag(8, 5);
      w.fixed32(flags);
    }
    if (traceId) {
      w.tag(9, 2);
      w.bytes(Buffer.from(traceId, 'hex'));
      if (spanId) {
        w.tag(10, 2);
        w.bytes(Buffer.from(spanId, 'hex'));
      }
    }
    w.tag(11, 1);
    w.fixed64(observedNs);
    w.join();
    this.items++;
  }

  /** The finished request (a copy), or undefined when no record was added. */
  finish(): Uint8Array | undefined {
    if (!this.open) return undefined;
    this.open = false;
    this.w.join(); // scope_logs
    this.w.join(); // resource_logs
    return this.items === 0 ? undefined : this.w.finish();
  }
}

/** Resource bytes: attributes (field 1 of Resource). */
export function encodeResource(attrs: Record<string, string | number | boolean>): Uint8Array {
  return encodeAttributes(1, attrs);
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
