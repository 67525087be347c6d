// Idle CPU with every exporter configured: each collector started, left alone to settle,
// then its CPU time read over a quiet window.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaServer } from '../../test/harness/kafka.js';
import { printTable } from '../table.js';
import { oursTraces, otelcolTraces, type Output } from './configs.js';
import type { Ratio } from './index.js';
import { freePort, startOtelcol, startOurs, type Proc } from './processes.js';
import { newPorts } from './run-load.js';

/**
 * Settling: a collector that has been up a while, not one finishing its start. For ~20 s after
 * start V8's memory reducer runs full collections in each of our threads (seen with
 * --trace-gc: two per isolate at ~8 s and ~16 s), and the Kafka clients finish connecting;
 * a window that includes them measured 1.1-1.2 %, the steady state 0.4 % (docs/benchmarks.md).
 */
const SETTLE_MS = 30_000;

async function idleCpu(proc: Proc, windowS: number): Promise<number> {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const c0 = proc.cpu();
  await new Promise((r) => setTimeout(r, windowS * 1000));
  return ((proc.cpu() - c0) / windowS) * 100;
}

export async function idleBench(bin: string, dir: string, kafka: KafkaServer, windowS = 10): Promise<Ratio[]> {
  mkdirSync(dir, { recursive: true });
  const out = async (who: string): Promise<Output> => ({ kind: 'idle-all', dir: join(dir, `${who}-data`), brokers: kafka.brokers, topic: `idle-${who}`, promPort: await freePort() });
  let ports = await newPorts();
  const ours = await startOurs(dir, oursTraces(dir, ports, await out('ours')), ports.http);
  let oursPct: number;
  try {
    oursPct = await idleCpu(ours, windowS);
  } finally {
    await ours.stop();
  }
  ports = await newPorts();
  mkdirSync(join(dir, 'otelcol-data'), { recursive: true });
  const otel = await startOtelcol(bin, dir, otelcolTraces(ports, await out('otelcol')), ports.http);
  let otelPct: number;
  try {
    otelPct = await idleCpu(otel, windowS);
  } finally {
    await otel.stop();
  }
  printTable(`Idle CPU, every exporter configured (ours: file, kafka, s3, otlp, prometheus; Collector: file, kafka, nop), ${windowS}s window`, [
    { collector: 'ours', '% of a core': oursPct },
    { collector: 'Collector', '% of a core': otelPct },
  ]);
  return [{ what: 'idle CPU, % of a core (every exporter configured)', ours: oursPct, collector: otelPct, ratio: otelPct / oursPct, goal: 'ours ≤ 0.5 %' }];
}
