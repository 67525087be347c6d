// Fusion: spans/s and logs/s joined by the processor alone; memory per held trace; and the
// cost of fusion on the whole path (OTLP/HTTP → ring → fusion → file) against the same
// pipeline without it, with the load generator in its own process.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { Batch } from '../src/component.js';
import { createDefaultConfig } from '../connectors/fusion/config.js';
import { FusionConnector } from '../connectors/fusion/fusion-connector.js';
import { encodeRequest } from '../src/otlp/index.js';
import { HealthRegistry } from '../src/telemetry/health.js';
import { NOOP_METRICS } from '../src/telemetry/sink.js';
import { runIngest } from './otlp-http-ingest.js';
import { printTable } from './table.js';

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

function workload(traces: number, spansPerTrace: number, logsPerTrace: number): { spans: Uint8Array; logs: Uint8Array } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spanList: unknown[] = [];
  const logList: unknown[] = [];
  for (let t = 0; t < traces; t++) {
    const traceId = randomBytes(16).toString('hex');
    const ids = Array.from({ length: spansPerTrace }, () => randomBytes(8).toString('hex'));
    ids.forEach((id, i) =>
      spanList.push({ traceId, spanId: id, ...(i > 0 ? { parentSpanId: ids[0] } : {}), name: i === 0 ? 'POST /v1/completions' : `step ${i}`, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 30_000_000n), attributes: [str('gen_ai.request.model', 'llama'), str('k8s.pod.name', 'llm-0')] }),
    );
    for (let l = 0; l < logsPerTrace; l++) logList.push({ timeUnixNano: String(now), severityNumber: 9, body: { stringValue: `token batch ${l} done` }, traceId, spanId: ids[l % ids.length] });
  }
  return {
    spans: encodeRequest('traces', { resourceSpans: [{ resource: { attributes: [str('service.name', 'llm')] }, scopeSpans: [{ scope: { name: 'b' }, spans: spanList }] }] }),
    logs: encodeRequest('logs', { resourceLogs: [{ resource: { attributes: [str('service.name', 'llm')] }, scopeLogs: [{ logRecords: logList }] }] }),
  };
}

/** In-process CPU per span for one shape of trace; `logsPerTrace` 0 = nothing joined (the copy path). */
async function processorThroughput(spansPerTrace: number, logsPerTrace: number): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = [];
  const traces = Math.round(10_000 / spansPerTrace);
  const rounds = 20;
  const loads = Array.from({ length: rounds }, () => workload(traces, spansPerTrace, logsPerTrace)); // fresh trace ids per round
  const cfg = { ...createDefaultConfig(), decisionWaitMs: 1, rootWaitMs: 0, documents: false };
  let clock = 0;
  const p = new FusionConnector(cfg, { id: 'fusion', logger: pino({ level: 'silent' }), metrics: NOOP_METRICS, health: new HealthRegistry().scope('connector') }, () => clock);
  let out = 0;
  const next = async (b: Batch): Promise<void> => {
    out += b.items;
  };
  p.connect('traces', next);
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    const { spans, logs } = loads[r]!;
    if (logsPerTrace > 0) await p.consume({ signal: 'logs', data: logs, items: traces * logsPerTrace, createdAt: 0 });
    await p.consume({ signal: 'traces', data: spans, items: traces * spansPerTrace, createdAt: 0 });
    clock += 10;
    p.core.tick();
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6; // wall time on a shared machine depends on the neighbours
  await p.shutdown();
  const spans = rounds * traces * spansPerTrace;
  const shape = `${spansPerTrace} span${spansPerTrace > 1 ? 's' : ''}, ${logsPerTrace} logs per trace`;
  rows.push({ measure: `spans joined / s (${shape})`, value: spans / secs });
  rows.push({ measure: `spans joined / CPU-s (${shape})`, value: spans / cpuSecs });
  if (logsPerTrace > 0) rows.push({ measure: `logs joined / s (${shape})`, value: (rounds * traces * logsPerTrace) / secs });
  rows.push({ measure: `spans emitted (check: ${spans.toLocaleString('en-US')})`, value: out });
  return rows;
}

async function memoryPerTrace(): Promise<Record<string, string | number>[]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const held = 100_000;
  const { spans, logs } = workload(held, 4, 2);
  const cfg = { ...createDefaultConfig(), decisionWaitMs: 3_600_000, maxTraces: held * 2, maxBytes: 2 ** 31 };
  const p = new FusionConnector(cfg, { id: 'fusion', logger: pino({ level: 'silent' }), metrics: NOOP_METRICS, health: new HealthRegistry().scope('connector') });
  gc?.();
  const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  await p.consume({ signal: 'logs', data: logs, items: held * 2, createdAt: 0 });
  await p.consume({ signal: 'traces', data: spans, items: held * 4, createdAt: 0 });
  gc?.();
  const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const perTrace = (after - before) / p.heldTraces;
  return [
    { measure: `memory per held trace (4 spans, 2 logs; ${held.toLocaleString('en-US')} held${gc ? '' : ', no --expose-gc'})`, value: `${Math.round(perTrace)} B` },
    { measure: 'of which the raw span and log bytes', value: `${Math.round((spans.length + logs.length) / held)} B` },
  ];
}

export async function fusionBench(seconds = Number(process.env['ATC_BENCH_SECONDS'] ?? 5)): Promise<void> {
  const alone = [...(await processorThroughput(5, 3)), ...(await processorThroughput(1, 0)), ...(await processorThroughput(1, 1))];
  printTable('Fusion processor alone (in-process, no I/O)', [...alone, ...(await memoryPerTrace())]);
  if (process.env['ATC_BENCH_FUSION_ALONE'] === '1') return; // the in-process rows only
  const rows: Record<string, string | number>[] = [];
  for (const fusion of [false, true]) {
    const r = await runIngest(16, seconds, 100, { fusion });
    rows.push({ pipeline: fusion ? 'otlp → fusion → file' : 'otlp → file', 'spans/s': r.spansPerSec, 'p50 ms': r.p50, 'p99 ms': r.p99, 'collector CPU s / 1M spans': r.cpuPerMillion });
  }
  printTable(`End-to-end cost of fusion (OTLP/HTTP protobuf, 16 concurrent, 100 spans/request, ${seconds}s each)`, rows);
}

if (import.meta.url === `file://${process.argv[1]}`) await fusionBench();
