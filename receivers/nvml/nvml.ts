// The NVML receiver: GPU metrics every collection_interval and GPU events (Xid, ECC, clock,
// unavailable) as log records, read from the driver through koffi in a worker thread.
import { Worker } from 'node:worker_threads';
import type { Consumer, CreateContext, Receiver, Signal } from '../../src/component.js';
import { ACCEPTED_BY_SIGNAL, REFUSED_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import { EVENT_KINDS, type NvmlReceiverConfig } from './config.js';
import { nowNs } from './collector.js';
import type { WorkerInit, WorkerMessage } from './nvml-worker.js';

const START_TIMEOUT_MS = 30_000;

export interface NvmlStatus {
  state: 'starting' | 'ready' | 'unavailable' | 'stopped';
  reason?: string;
  devices: { index: number; uuid: string; name: string }[];
  driverVersion?: string;
  symbols: Record<string, string | undefined>;
  eventDevices: number[];
}

export class NvmlReceiver implements Receiver {
  private worker: Worker | undefined;
  private stopFlag: Int32Array | undefined;
  private exited: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private unavailableLogged = false;
  private readonly startTimeNs = nowNs();
  /** consume calls in order, so log records are never reordered by retries */
  private queue: Promise<void> = Promise.resolve();
  readonly status: NvmlStatus = { state: 'starting', devices: [], symbols: {}, eventDevices: [] };

  constructor(
    private readonly cfg: NvmlReceiverConfig,
    private readonly next: Consumer,
    private readonly ctx: CreateContext,
  ) {}

  async start(): Promise<void> {
    this.ctx.health.setReady(this.ctx.id, false, 'starting');
    const first = await this.spawn();
    if (first.t === 'unavailable') {
      if (this.cfg.required) throw new Error(`${this.ctx.id}: ${first.reason} (required: true)`);
      this.scheduleRetry();
    }
  }

  /** Starts a worker; resolves with its first answer (ready or unavailable). */
  private spawn(): Promise<WorkerMessage & { t: 'ready' | 'unavailable' }> {
    const signals = this.next.signals;
    let mask = 0;
    if (this.cfg.events.enabled && signals.has('logs')) for (const k of this.cfg.events.types) mask |= EVENT_KINDS[k];
    const sab = new SharedArrayBuffer(4);
    this.stopFlag = new Int32Array(sab);
    const init: WorkerInit = {
      libraryPath: this.cfg.libraryPath,
      processes: this.cfg.processes,
      eventMask: mask,
      waitTimeoutMs: this.cfg.events.waitTimeoutMs,
      collectionIntervalMs: this.cfg.collectionIntervalMs,
      metrics: signals.has('metrics'),
      hostName: this.cfg.hostName,
      k8sNodeName: this.cfg.k8sNodeName,
      resourceAttributes: this.cfg.resourceAttributes,
      startTimeNs: this.startTimeNs,
      stop: sab,
    };
    const w = new Worker(new URL('./nvml-worker.js', import.meta.url), { workerData: init, name: `nvml ${this.ctx.id}` });
    this.worker = w;
    this.exited = new Promise((resolve) => w.once('exit', () => resolve()));
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(new Error(`${this.ctx.id}: NVML did not answer within ${START_TIMEOUT_MS / 1000}s`));
      }, START_TIMEOUT_MS);
      const settle = (m: WorkerMessage & { t: 'ready' | 'unavailable' }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(m);
      };
      w.on('message', (m: WorkerMessage) => {
        if (m.t === 'ready' || m.t === 'unavailable') {
          this.onFirst(m);
          settle(m);
        } else this.onMessage(m);
      });
      w.on('error', (e) => {
        this.ctx.logger.error({ err: e.message }, 'NVML worker failed');
        this.ctx.health.setReady(this.ctx.id, false, `NVML worker failed: ${e.message}`);
        this.status.state = 'unavailable';
        this.status.reason = e.message;
        settle({ t: 'unavailable', reason: `NVML worker failed: ${e.message}`, code: undefined });
      });
      w.on('exit', () => {
        if (this.worker === w) this.worker = undefined;
        if (!settled) settle({ t: 'unavailable', reason: 'NVML worker exited', code: undefined });
      });
    });
  }

  private onFirst(m: WorkerMessage & { t: 'ready' | 'unavailable' }): void {
    const log = this.ctx.logger;
    if (m.t === 'unavailable') {
      this.status.state = 'unavailable';
      this.status.reason = m.reason;
      // optional NVML (the default): a node without GPUs is still ready; the reason says why it is idle
      this.ctx.health.setReady(this.ctx.id, !this.cfg.required, m.reason);
      this.ctx.metrics.set('atc_nvml_devices', { receiver: this.ctx.id }, 0);
      if (!this.unavailableLogged) {
        this.unavailableLogged = true;
        const msg = 'NVML is not available: no GPU metrics or events from this node';
        if (this.cfg.required) log.error({ reason: m.reason, library: this.cfg.libraryPath }, msg);
        else log.warn({ reason: m.reason, library: this.cfg.libraryPath, retryEvery: this.cfg.initRetryIntervalMs || undefined }, `${msg}; the collector runs on`);
      }
      return;
    }
    Object.assign(this.status, { state: 'ready', reason: undefined, devices: m.devices, driverVersion: m.driverVersion, symbols: m.symbols, eventDevices: m.eventDevices });
    this.ctx.health.setReady(this.ctx.id, true);
    this.ctx.metrics.set('atc_nvml_devices', { receiver: this.ctx.id }, m.devices.length);
    log.info({ devices: m.devices.map((d) => `${d.index}:${d.name}:${d.uuid}`), driver: m.driverVersion, eventsFrom: m.eventDevices, library: this.cfg.libraryPath }, 'NVML receiver started');
  }

  private onMessage(m: WorkerMessage): void {
    const id = this.ctx.id;
    switch (m.t) {
      case 'metrics':
        this.ctx.metrics.observe('atc_nvml_poll_duration_seconds', { receiver: id }, m.pollSeconds);
        this.deliver('metrics', m.data, m.items, false);
        return;
      case 'logs':
        for (const k of m.kinds) this.ctx.metrics.inc('atc_nvml_events_total', { receiver: id, event: k });
        this.deliver('logs', m.data, m.items, true);
        return;
      case 'problems':
        for (const p of m.problems) {
          if (p.code && p.call && p.level !== 'info') this.ctx.metrics.inc('atc_nvml_errors_total', { receiver: id, call: p.call, code: p.code });
          this.ctx.logger[p.level]({ device: p.device, call: p.call, code: p.code }, p.msg);
        }
        return;
      default:
        return;
    }
  }

  /** Hands a request to the pipeline; events are retried while the ring refuses, samples are not. */
  private deliver(signal: Signal, data: Uint8Array, items: number, retry: boolean): void {
    const labels = { receiver: this.ctx.id, transport: 'nvml' };
    this.queue = this.queue.then(async () => {
      for (let attempt = 0; ; attempt++) {
        const r = await this.next.consume(signal, data, items);
        if (r.status === 'accepted') {
          this.ctx.metrics.inc(ACCEPTED_BY_SIGNAL[signal], labels, items);
          return;
        }
        if (r.status === 'refused' && retry && attempt < 5 && !this.stopping) {
          await new Promise((res) => setTimeout(res, Math.max(50, r.retryAfterMs)));
          continue;
        }
        this.ctx.metrics.inc(REFUSED_BY_SIGNAL[signal], { ...labels, reason: r.status === 'dropped' ? 'dropped' : 'overload' }, items);
        this.ctx.logger.debug({ signal, items, reason: r.reason }, 'NVML data refused by the pipeline');
        return;
      }
    });
  }

  private scheduleRetry(): void {
    if (this.cfg.initRetryIntervalMs <= 0 || this.stopping) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.spawn().then(
        (m) => {
          if (m.t === 'unavailable') this.scheduleRetry();
        },
        (e: Error) => {
          this.ctx.logger.warn({ err: e.message }, 'NVML retry failed');
          this.scheduleRetry();
        },
      );
    }, this.cfg.initRetryIntervalMs);
    this.retryTimer.unref();
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    const w = this.worker;
    if (w && this.stopFlag) {
      Atomics.store(this.stopFlag, 0, 1);
      Atomics.notify(this.stopFlag, 0);
      // the worker leaves its loop within one event wait; give it that and some slack
      const deadline = new Promise<'late'>((res) => setTimeout(() => res('late'), this.cfg.events.waitTimeoutMs + 5000).unref());
      if ((await Promise.race([this.exited.then(() => 'exited' as const), deadline])) === 'late') {
        this.ctx.logger.warn('NVML worker did not stop in time: terminating it');
        await w.terminate();
      }
    }
    await this.queue;
    this.status.state = 'stopped';
  }
}
