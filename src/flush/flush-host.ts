// Main-thread side of the flush worker: starts it, applies its metrics and health reports,
// and asks it to drain on shutdown.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { AckStatus } from '../acks/ack-set.js';
import type { HealthRegistry } from '../telemetry/health.js';
import { applyOps } from '../telemetry/forwarding-sink.js';
import type { MetricsSink } from '../telemetry/sink.js';
import type { FlushWorkerData, FromWorker, ToWorker } from './messages.js';

export class FlushHost {
  private worker: Worker | undefined;
  private ready = false;
  /** terminate() was asked: the exit that follows is ours, not a crash */
  private terminating = false;
  private drained: Promise<number> | undefined;
  private onDrained: ((batches: number) => void) | undefined;
  private onFatal: ((e: Error) => void) | undefined;

  constructor(
    private readonly data: FlushWorkerData,
    private readonly metrics: MetricsSink,
    private readonly health: HealthRegistry,
    private readonly logger: Logger,
    /** called when the worker dies or reports a fatal error after start */
    private readonly onCrash: (e: Error) => void,
    /** source-side acknowledgements whose records every pipeline finished with */
    private readonly onAcked: (acks: [number, number][], status: AckStatus) => void = () => {},
    /** the worker's warn/error lines and fused traces, for the status page */
    private readonly onRecent: (m: FromWorker & { type: 'recent' }) => void = () => {},
  ) {}

  start(): Promise<void> {
    // a small young generation: the worker's garbage is per batch, and V8's default (up to
    // 3 × 16 MiB) is resident memory that buys no CPU here (docs/benchmarks.md, "Memory")
    const worker = new Worker(new URL('./flush-worker.js', import.meta.url), { workerData: this.data, resourceLimits: { maxYoungGenerationSizeMb: 12 } });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            started = true;
            this.ready = true;
            resolve();
            break;
          case 'metrics':
            applyOps(this.metrics, m.ops);
            break;
          case 'health':
            this.health.set(m.id, m.ready, m.reason);
            break;
          case 'acked':
            this.onAcked(m.acks, m.status);
            break;
          case 'recent':
            this.onRecent(m);
            break;
          case 'drained':
            this.onDrained?.(m.batches);
            break;
          case 'fatal': {
            const e = new Error(m.message);
            if (!started) reject(e);
            else if (this.onFatal) this.onFatal(e);
            else this.onCrash(e);
            break;
          }
        }
      });
      worker.on('error', (e) => {
        if (!started) reject(e);
        else this.onCrash(e);
      });
      worker.on('exit', (code) => {
        if (!started) reject(new Error(`flush worker exited with code ${code} before it was ready`));
        // A stop during start-up drains nothing (the worker was not ready) and terminates it; its
        // 'ready' can still arrive before the exit, so "started" alone does not make it a crash.
        else if (!this.drained && !this.terminating) this.onCrash(new Error(`flush worker exited unexpectedly with code ${code}`));
      });
    });
  }

  /** Resolves with the number of batches cut once every batch has been exported. */
  drain(): Promise<number> {
    if (this.drained) return this.drained;
    const worker = this.worker;
    // never ready (a stop during start): nothing was read from the ring, terminate() ends it
    if (!worker || !this.ready) return Promise.resolve(0);
    this.drained = new Promise<number>((resolve, reject) => {
      this.onDrained = resolve;
      this.onFatal = reject;
      worker.once('exit', () => resolve(0));
    });
    const msg: ToWorker = { type: 'drain' };
    worker.postMessage(msg);
    this.logger.debug('draining the flush worker');
    return this.drained;
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    await this.worker?.terminate();
  }
}
