// The main thread's side of the OTLP/HTTP worker threads: starts them once the main thread's
// server holds the port, applies their metrics, restarts one that dies (reported in the log,
// a counter and /readyz while it is down; after too many deaths in a row it stays down and
// /readyz stays 503), and on shutdown waits until each one answered what it took and exited.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Health } from '../../src/component.js';
import { applyOps } from '../../src/telemetry/forwarding-sink.js';
import type { MetricsSink } from '../../src/telemetry/sink.js';
import type { FromHttpWorker, HttpWorkerData, ToHttpWorker } from './http-worker-messages.js';

/** deaths within RESTART_WINDOW_MS after which a worker is not started again */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

export class HttpWorkerPool {
  private readonly live = new Map<number, Worker>();
  private stopping = false;
  private deaths: number[] = [];

  constructor(
    private readonly data: Omit<HttpWorkerData, 'thread'>,
    private readonly count: number,
    private readonly metrics: MetricsSink,
    private readonly logger: Logger,
    private readonly health: Health,
  ) {}

  /** Resolves once every worker listens; rejects when one cannot. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.count }, (_, i) => this.spawn(i + 1)));
  }

  /** Threads serving now. */
  get serving(): number {
    return this.live.size;
  }

  private spawn(thread: number): Promise<void> {
    const workerData: HttpWorkerData = { ...this.data, thread };
    // the young generation the main thread gets from --max-semi-space-size=4 (npm start, the
    // image): V8's default for a worker (up to 3 × 16 MiB) is resident memory that buys no CPU
    const w = new Worker(new URL('./http-worker.js', import.meta.url), { workerData, resourceLimits: { maxYoungGenerationSizeMb: 12 } });
    this.live.set(thread, w);
    return new Promise<void>((resolve, reject) => {
      let listening = false;
      let closed = false;
      let failure: Error | undefined;
      w.on('message', (m: FromHttpWorker) => {
        if (m.type === 'metrics') applyOps(this.metrics, m.ops);
        else if (m.type === 'listening') {
          listening = true;
          resolve();
        } else if (m.type === 'closed') closed = true;
        else failure = new Error(m.message);
      });
      w.on('error', (e) => (failure = e));
      w.on('exit', (code) => {
        this.live.delete(thread);
        const why = failure ?? new Error(`exited with code ${code}`);
        if (!listening) reject(new Error(`OTLP/HTTP worker thread ${thread}: ${why.message}`));
        else if (!closed) this.died(thread, why);
      });
    });
  }

  private died(thread: number, e: Error): void {
    // its open connections were cut with it: their clients got no answer and retry; what it
    // answered 200 was in the ring before the answer
    this.metrics.inc('atc_receiver_http_worker_deaths_total', { receiver: this.data.id });
    if (this.stopping) return void this.logger.error({ thread, err: e.message }, 'OTLP/HTTP worker thread died during shutdown');
    const now = Date.now();
    this.deaths = this.deaths.filter((t) => now - t < RESTART_WINDOW_MS);
    this.deaths.push(now);
    this.health.setReady(this.data.id, false, `OTLP/HTTP worker thread ${thread} died: ${e.message}`);
    if (this.deaths.length > MAX_RESTARTS) {
      this.logger.fatal({ thread, err: e.message, deaths: this.deaths.length }, 'OTLP/HTTP worker thread died again: not restarting it; the receiver serves with fewer threads and stays not ready');
      return;
    }
    this.logger.error({ thread, err: e.message }, 'OTLP/HTTP worker thread died: restarting it');
    setTimeout(() => {
      if (this.stopping) return;
      this.spawn(thread).then(
        () => this.live.size === this.count && this.health.setReady(this.data.id, true),
        (err: Error) => this.logger.fatal({ thread, err: err.message }, 'OTLP/HTTP worker thread could not be restarted: the receiver stays not ready'),
      );
    }, 200 * this.deaths.length).unref();
  }

  /** Every worker stops accepting, answers what it took, and exits. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const msg: ToHttpWorker = { type: 'shutdown' };
    await Promise.all(
      [...this.live.values()].map(
        (w) =>
          new Promise<void>((resolve) => {
            w.once('exit', () => resolve());
            w.postMessage(msg);
          }),
      ),
    );
  }

  /** The shutdown deadline: each worker cuts its slow clients (OtlpHttpServer.forceClose). */
  forceClose(): void {
    const msg: ToHttpWorker = { type: 'force' };
    for (const w of this.live.values()) w.postMessage(msg);
  }
}
