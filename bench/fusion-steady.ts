// Fusion alone at a steady rate, with the state a running collector has: every span its own
// trace (the side-by-side load: 100-span requests with unique trace ids), batches every 50 ms,
// tick every 200 ms, decision_wait and rootless_wait 2 s (as bench/side-by-side runs fusion),
// the default late_window (60 s) full of emitted traces. A simulated clock, so the state is
// that of `rate` spans/s however fast this runs; CPU of the process per million spans over the
// last 30 simulated seconds (generating the requests included: `--gen-only` measures that).
// `--traces-only`: as where no logs pipeline feeds fusion, so no late window is kept.
//   node dist/bench/fusion-steady.js [--seconds 90] [--rate 32000] [--gen-only] [--traces-only]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AckSet } from '../src/acks/ack-set.js';
import { BufferHold } from '../src/buffers/buffer-hold.js';
import { createDefaultConfig } from '../connectors/fusion/config.js';
import { FusionConnector } from '../connectors/fusion/fusion-connector.js';
import { HealthRegistry } from '../src/telemetry/health.js';
import { NOOP_METRICS } from '../src/telemetry/sink.js';
import { RequestFactory } from './side-by-side/fixture.js';

export interface SteadyResult {
  spansMeasured: number;
  cpuPerMillion: number;
  emitted: number;
  acknowledged: number;
  sent: number;
  rssMiB: number;
}

export async function fusionSteady(seconds = 90, rate = 32_000, genOnly = false, tracesOnly = false): Promise<SteadyResult> {
  const f = new RequestFactory(100, 0, randomBytes(16), 7);
  const reqLen = f.template.length;
  const perBatch = Math.max(1, Math.round(rate / 20 / 100)); // 100-span requests per 50 ms batch
  let clock = 1_800_000_000_000;
  const cfg = { ...createDefaultConfig(), decisionWaitMs: 2000, rootlessWaitMs: 2000, documents: false };
  const p = new FusionConnector(cfg, { id: 'fusion', logger: pino({ level: 'silent' }), metrics: NOOP_METRICS, health: new HealthRegistry().scope('connector') }, () => clock);
  // what start() does for a connector fed by a traces pipeline only (start's timer is not wanted)
  if (tracesOnly) p.core.keepLateWindow(false);
  let emitted = 0;
  let acknowledged = 0;
  p.connect('traces', async (b) => {
    emitted += b.items;
    b.acks?.complete('delivered');
  });
  const batches = seconds * 20;
  const measureFrom = Math.max(0, batches - 30 * 20);
  let cpu0 = process.cpuUsage();
  let sent = 0;
  let sentBefore = 0;
  let seq = 0;
  const spares: Buffer[] = [];
  for (let i = 0; i < batches; i++) {
    if (i === measureFrom) {
      cpu0 = process.cpuUsage();
      sentBefore = sent;
    }
    // batch buffers come back once fusion let go of them, as the flush loop's do
    const buf = spares.pop() ?? Buffer.allocUnsafe(reqLen * perBatch);
    for (let r = 0; r < perBatch; r++) f.fill(buf.subarray(r * reqLen, (r + 1) * reqLen), seq++);
    const items = perBatch * 100;
    const hold = new BufferHold(buf, (b) => spares.push(b as Buffer));
    if (!genOnly) await p.consume({ signal: 'traces', data: buf, items, createdAt: clock, acks: AckSet.of(() => (acknowledged += items)), hold });
    hold.release();
    sent += items;
    clock += 50;
    if (i % 4 === 3) p.core.tick();
    if (i % 20 === 0) await new Promise((r) => setImmediate(r)); // let output promises settle
  }
  const cpu = process.cpuUsage(cpu0);
  const n = sent - sentBefore;
  await p.shutdown();
  await new Promise((r) => setImmediate(r));
  return { spansMeasured: n, cpuPerMillion: ((cpu.user + cpu.system) / 1e6 / n) * 1e6, emitted, acknowledged, sent, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, rate: { type: 'string' }, 'gen-only': { type: 'boolean' }, 'traces-only': { type: 'boolean' } } });
  const r = await fusionSteady(Number(values.seconds ?? 90), Number(values.rate ?? 32_000), values['gen-only'] ?? false, values['traces-only'] ?? false);
  console.log(JSON.stringify(r));
}
