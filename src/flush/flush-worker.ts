// Entry point of the flush worker thread: it owns the consumer side of the ring, the
// processors and the exporters, so compression and delivery never block the receivers.
import { parentPort, workerData } from 'node:worker_threads';
import type { Health } from '../component.js';
import { parseCollectorConfig } from '../config/collector-config.js';
import { Ring } from '../ring/ring.js';
import { ForwardingSink } from '../telemetry/forwarding-sink.js';
import { createLogger } from '../telemetry/logger.js';
import { setRecentFusedTraceListener } from '../telemetry/recent-fused-traces.js';
import { RecentForwarder } from './recent-forwarder.js';
import { healthKey } from '../telemetry/health.js';
import { buildPipelines } from './build-exporters.js';
import { FlushLoop } from './flush-loop.js';
import type { FlushWorkerData, FromWorker, ToWorker } from './messages.js';

const data = workerData as FlushWorkerData;
const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);
const recent = new RecentForwarder();
const logger = createLogger(data.logLevel, { thread: 'flush' }, recent.onLog);
setRecentFusedTraceListener(recent.onFused);
const metrics = new ForwardingSink();
const health: Health = {
  setReady: (id, ready, reason) => post(reason === undefined ? { type: 'health', id, ready } : { type: 'health', id, ready, reason }),
};

const sendMetrics = (): void => {
  const ops = metrics.take();
  if (ops.length > 0) post({ type: 'metrics', ops });
  const r = recent.take();
  if (r) post(r);
};
const metricsTimer = setInterval(sendMetrics, 250);

async function main(): Promise<void> {
  await import(data.componentsUrl); // registers the factories in this thread
  const cfg = parseCollectorConfig(data.raw);
  const ring = new Ring(data.sab);
  const built = buildPipelines(cfg, logger, metrics, health);
  for (const [id, e] of built.exporters) {
    health.setReady(healthKey('exporter', id), false, 'starting');
    await e.start();
  }
  for (const p of built.processors) await p.start();
  for (const c of built.connectors.values()) await c.start();
  const loop = new FlushLoop(ring, built.pipelines, data.sources, (pi) => cfg.pipelines[pi]!.receivers, cfg.buffer, metrics, logger, (acks, status) =>
    post({ type: 'acked', acks: [...acks], status }),
  );
  port.on('message', (m: ToWorker) => {
    if (m.type !== 'drain') return;
    loop
      .drain()
      .then(async () => {
        for (const p of built.processors) await p.shutdown();
        // what connectors hold goes out through their pipelines before the exporters stop
        for (const c of built.connectors.values()) await c.shutdown();
        for (const e of built.exporters.values()) await e.shutdown();
        clearInterval(metricsTimer);
        sendMetrics();
        post({ type: 'drained', batches: loop.batchesCut });
        port.close();
      })
      .catch((e: Error) => post({ type: 'fatal', message: `drain failed: ${e.message}` }));
  });
  void loop.start();
  // the heartbeat /healthz watches: only while the loop is alive, not merely this thread
  const beat = setInterval(() => {
    if (loop.alive(Date.now())) ring.beat();
  }, 1000);
  beat.unref();
  ring.beat();
  post({ type: 'ready' });
}

main().catch((e: Error) => {
  sendMetrics();
  post({ type: 'fatal', message: e.message });
});
