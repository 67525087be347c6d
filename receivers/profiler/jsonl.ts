// Training-step events as JSON lines (our own format, documented in docs/gpu.md): one object
// per line, e.g.
//   {"time":"2026-11-28T16:00:00.123Z","step":1200,"loss":2.31,"grad_norm":0.92,"lr":3e-4,
//    "tokens_per_s":51234,"run":"llama-7b-sft","rank":0,"trace_id":"…","span_id":"…"}
// Every number becomes a gauge point `training.<key>`, and every line one log record with all of
// it (and the trace context when given, so fusion can attach it to its span).
import { encodeRequest } from '../../src/otlp/json-encode.js';
import { parsePythonJson } from './python-json.js';

type Json = Record<string, unknown>;
type Attr = { key: string; value: Json };

const RESERVED = new Set(['time', 'timestamp', 'ts', 'event', 'message', 'msg', 'level', 'severity', 'trace_id', 'span_id', 'attributes', 'run', 'rank']);
const SEVERITY: Record<string, [number, string]> = {
  trace: [1, 'TRACE'], debug: [5, 'DEBUG'], info: [9, 'INFO'], warn: [13, 'WARN'], warning: [13, 'WARN'], error: [17, 'ERROR'], fatal: [21, 'FATAL'],
};
const PINO: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function unitFor(key: string): string {
  if (key === 'tokens_per_s' || key === 'tokens_per_sec') return '{token}/s';
  if (key === 'samples_per_s' || key === 'samples_per_sec') return '{sample}/s';
  if (key === 'step' || key === 'global_step') return '{step}';
  if (key === 'epoch') return '{epoch}';
  if (key.endsWith('_bytes')) return 'By';
  if (key.endsWith('_ms')) return 'ms';
  if (key.endsWith('_s') || key.endsWith('_seconds')) return 's';
  return '1';
}

const str = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });
function val(key: string, v: unknown): Attr | undefined {
  if (typeof v === 'string') return str(key, v);
  if (typeof v === 'boolean') return { key, value: { boolValue: v } };
  // NaN and ±Infinity stay doubles (OTLP/JSON spells them "NaN", "Infinity", "-Infinity")
  if (typeof v === 'number') return Number.isSafeInteger(v) ? { key, value: { intValue: String(v) } } : { key, value: { doubleValue: Number.isFinite(v) ? v : String(v) } };
  return undefined;
}

/** ns since the epoch from an RFC 3339 string or a number in s, ms, µs or ns. */
export function parseTime(v: unknown, nowMs: number): bigint {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
    if (v >= 1e17) return BigInt(Math.round(v));
    if (v >= 1e14) return BigInt(Math.round(v)) * 1000n;
    if (v >= 1e11) return BigInt(Math.round(v * 1000)) * 1000n;
    return BigInt(Math.round(v * 1e6)) * 1000n;
  }
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) {
      // keep sub-millisecond digits when given
      const frac = /\.(\d{4,9})/.exec(v);
      const extraNs = frac ? Number(frac[1]!.padEnd(9, '0').slice(3)) : 0;
      return BigInt(ms) * 1_000_000n + BigInt(extraNs);
    }
  }
  return BigInt(nowMs) * 1_000_000n;
}

export interface JsonlBatch {
  metrics: Uint8Array | undefined;
  metricPoints: number;
  logs: Uint8Array | undefined;
  logRecords: number;
  accepted: number;
  invalid: { line: number; error: string }[];
}

/** Converts lines (each one JSON object; Python's NaN/Infinity accepted) to one metrics and one logs request. */
export function convertLines(lines: readonly string[], resource: Json, nowMs = Date.now()): JsonlBatch {
  const series = new Map<string, Json[]>();
  const records: Json[] = [];
  const invalid: { line: number; error: string }[] = [];
  let points = 0;
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    let o: unknown;
    try {
      o = parsePythonJson(text);
    } catch (e) {
      invalid.push({ line: i + 1, error: `not JSON: ${(e as Error).message}` });
      return;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      invalid.push({ line: i + 1, error: 'not a JSON object' });
      return;
    }
    const r = o as Json;
    const t = parseTime(r['time'] ?? r['timestamp'] ?? r['ts'], nowMs).toString();
    const common: Attr[] = [];
    if (typeof r['run'] === 'string') common.push(str('training.run', r['run']));
    if (typeof r['rank'] === 'number' || typeof r['rank'] === 'string') common.push(val('training.rank', r['rank'])!);
    const extra = r['attributes'];
    if (extra && typeof extra === 'object' && !Array.isArray(extra)) {
      for (const [k, v] of Object.entries(extra as Json)) {
        const a = val(k, v);
        if (a) common.push(a);
      }
    }
    const logAttrs: Attr[] = [];
    for (const [k, v] of Object.entries(r)) {
      if (RESERVED.has(k)) continue;
      const key = `training.${k}`;
      if (typeof v === 'number') {
        // a diverged step's NaN / Infinity is a point too: the anomaly detector looks for it
        let s = series.get(k);
        if (!s) series.set(k, (s = []));
        s.push({ attributes: common, timeUnixNano: t, asDouble: Number.isFinite(v) ? v : String(v) });
        points++;
      }
      const a = val(key, v);
      if (a) logAttrs.push(a);
    }
    const event = typeof r['event'] === 'string' ? r['event'] : 'training.step';
    const msg = typeof r['message'] === 'string' ? r['message'] : typeof r['msg'] === 'string' ? r['msg'] : typeof r['step'] === 'number' ? `${event} ${r['step']}` : event;
    let level = r['level'] ?? r['severity'];
    if (typeof level === 'number') level = PINO[level];
    const [sevNum, sevText] = SEVERITY[String(level ?? 'info').toLowerCase()] ?? SEVERITY['info']!;
    const rec: Json = {
      timeUnixNano: t,
      observedTimeUnixNano: (BigInt(nowMs) * 1_000_000n).toString(),
      severityNumber: sevNum,
      severityText: sevText,
      eventName: event,
      body: { stringValue: msg },
      attributes: [str('event.name', event), ...common, ...logAttrs],
    };
    const traceId = r['trace_id'];
    const spanId = r['span_id'];
    if (typeof traceId === 'string' && /^[0-9a-fA-F]{32}$/.test(traceId)) rec['traceId'] = traceId;
    if (typeof spanId === 'string' && /^[0-9a-fA-F]{16}$/.test(spanId) && rec['traceId']) rec['spanId'] = spanId;
    records.push(rec);
  });
  const scope = { name: 'ai-trace-collector/profiler', version: '0.1.0' };
  const metrics = [...series].map(([k, dataPoints]) => ({ name: `training.${k}`, unit: unitFor(k), gauge: { dataPoints } }));
  return {
    metrics: points > 0 ? encodeRequest('metrics', { resourceMetrics: [{ resource, scopeMetrics: [{ scope, metrics }] }] }) : undefined,
    metricPoints: points,
    logs: records.length > 0 ? encodeRequest('logs', { resourceLogs: [{ resource, scopeLogs: [{ scope, logRecords: records }] }] }) : undefined,
    logRecords: records.length,
    accepted: records.length,
    invalid,
  };
}
