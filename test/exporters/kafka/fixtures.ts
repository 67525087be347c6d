// OTLP requests for the Kafka tests, built as OTLP/JSON and encoded with the project's codec,
// and a way to compare requests item by item (each with its resource and scope).
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { Batch, CreateContext, Signal } from '../../../src/component.js';
import type { CounterName, GaugeName, HistogramName } from '../../../src/telemetry/metrics.js';
import type { Labels, MetricsSink } from '../../../src/telemetry/sink.js';
import { countItems, decodeRequest, encodeRequest, type JsonObject, type JsonValue } from '../../../src/otlp/index.js';

export interface Shape {
  resources?: number;
  scopesPerResource?: number;
  itemsPerScope?: number;
  /** bytes of filler in an attribute of every item (makes items big) */
  fillerBytes?: number;
  /** trace ids to cycle through (traces and logs); default: one fresh id per 4 items */
  traceIds?: string[];
  /** a tag in every item's name/body so tests can tell runs apart */
  tag?: string;
}

export const hex = (n: number): string => randomBytes(n).toString('hex');

const attr = (key: string, v: string): JsonObject => ({ key, value: { stringValue: v } });

function items(signal: Signal, shape: Required<Omit<Shape, 'traceIds'>> & { traceIds: string[] | undefined }, r: number, s: number, counter: { n: number; trace: string }): JsonObject[] {
  const out: JsonObject[] = [];
  const filler = 'x'.repeat(shape.fillerBytes);
  for (let i = 0; i < shape.itemsPerScope; i++) {
    const n = counter.n++;
    let traceId: string;
    if (shape.traceIds) traceId = shape.traceIds[n % shape.traceIds.length]!;
    else {
      if (n % 4 === 0) counter.trace = hex(16);
      traceId = counter.trace;
    }
    const name = `${shape.tag}-r${r}-s${s}-i${i}-n${n}`;
    const t = String(1_700_000_000_000_000_000n + BigInt(n) * 1_000_000n);
    const attributes = [attr('seq', String(n)), ...(filler ? [attr('filler', filler)] : [])];
    if (signal === 'traces') {
      out.push({ traceId, spanId: hex(8), name, kind: 2, startTimeUnixNano: t, endTimeUnixNano: t, attributes });
    } else if (signal === 'logs') {
      out.push({ timeUnixNano: t, severityNumber: 9, body: { stringValue: name }, attributes, traceId, spanId: hex(8) });
    } else {
      out.push({ name, unit: '1', gauge: { dataPoints: [{ asDouble: n, timeUnixNano: t, attributes }, { asInt: String(n), timeUnixNano: t }] } });
    }
  }
  return out;
}

const CONTAINERS = {
  traces: ['resourceSpans', 'scopeSpans', 'spans'],
  logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
  metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
} as const;

export function makeRequest(signal: Signal, shape: Shape = {}): Uint8Array {
  const sh = {
    resources: shape.resources ?? 2,
    scopesPerResource: shape.scopesPerResource ?? 2,
    itemsPerScope: shape.itemsPerScope ?? 3,
    fillerBytes: shape.fillerBytes ?? 0,
    traceIds: shape.traceIds,
    tag: shape.tag ?? 't',
  };
  const [rKey, sKey, iKey] = CONTAINERS[signal];
  const counter = { n: 0, trace: '' };
  const resources: JsonObject[] = [];
  for (let r = 0; r < sh.resources; r++) {
    const scopes: JsonObject[] = [];
    for (let s = 0; s < sh.scopesPerResource; s++) {
      scopes.push({ scope: { name: `scope-${s}`, version: '1.0' }, schemaUrl: 'https://opentelemetry.io/schemas/1.21.0', [iKey]: items(signal, sh, r, s, counter) });
    }
    resources.push({ resource: { attributes: [attr('service.name', `svc-${r}`), attr('host.name', `node-${r}`)] }, [sKey]: scopes, schemaUrl: 'https://opentelemetry.io/schemas/1.21.0' });
  }
  return encodeRequest(signal, { [rKey]: resources });
}

export function makeBatch(signal: Signal, data: Uint8Array): Batch {
  return { signal, data, items: countItems(signal, data), createdAt: Date.now() };
}

/** JSON with sorted keys: decoding order of fields must not matter in comparisons. */
export function stable(v: JsonValue | undefined): string {
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Every item of a decoded request as one string holding its resource, scope and the item,
 * so that two sets of requests hold the same telemetry iff their sorted lists are equal.
 */
export function flattenDecoded(signal: Signal, req: JsonObject): string[] {
  const [rKey, sKey, iKey] = CONTAINERS[signal];
  const out: string[] = [];
  for (const rs of (req[rKey] ?? []) as JsonObject[]) {
    const resource = stable(rs.resource) + stable(rs.schemaUrl);
    for (const ss of (rs[sKey] ?? []) as JsonObject[]) {
      const scope = stable(ss.scope) + stable(ss.schemaUrl);
      for (const item of (ss[iKey] ?? []) as JsonObject[]) out.push(`${resource}|${scope}|${stable(item)}`);
    }
  }
  return out;
}

export function flatten(signal: Signal, bytes: Uint8Array): string[] {
  return flattenDecoded(signal, decodeRequest(signal, bytes));
}

/** The trace id of a flattened traces/logs item; '' when absent or all zero (invalid). */
export function traceIdOf(flat: string): string {
  const m = /"traceId":"([0-9a-f]*)"/.exec(flat.slice(flat.lastIndexOf('|')));
  return m && !/^0*$/.test(m[1]!) ? m[1]! : '';
}

/** Counters, gauges and histogram observations recorded by a component, for assertions. */
export class RecordingMetrics implements MetricsSink {
  readonly values = new Map<string, number>();

  private static key(name: string, labels: Labels): string {
    return `${name}${JSON.stringify(Object.fromEntries(Object.entries(labels).sort()))}`;
  }

  inc(name: CounterName, labels: Labels, value = 1): void {
    const k = RecordingMetrics.key(name, labels);
    this.values.set(k, (this.values.get(k) ?? 0) + value);
  }

  set(name: GaugeName, labels: Labels, value: number): void {
    this.values.set(RecordingMetrics.key(name, labels), value);
  }

  observe(name: HistogramName, labels: Labels): void {
    const k = `${RecordingMetrics.key(name, labels)}#count`;
    this.values.set(k, (this.values.get(k) ?? 0) + 1);
  }

  get(name: string, labels: Labels): number {
    return this.values.get(RecordingMetrics.key(name, labels)) ?? 0;
  }

  count(name: HistogramName, labels: Labels): number {
    return this.values.get(`${RecordingMetrics.key(name, labels)}#count`) ?? 0;
  }
}

export interface TestContext extends CreateContext {
  readonly metrics: RecordingMetrics;
  readonly ready: Map<string, boolean>;
}

/** A component context; logs go nowhere unless ATC_TEST_LOG names a level. */
export function testContext(id = 'kafka'): TestContext {
  const ready = new Map<string, boolean>();
  return {
    id,
    logger: pino({ level: process.env.ATC_TEST_LOG ?? 'silent' }, pino.destination(2)),
    metrics: new RecordingMetrics(),
    health: { setReady: (cid, r) => void ready.set(cid, r) },
    ready,
  };
}
