// Config → running collector: telemetry, ring, flush worker (processors + exporters), then
// receivers last; shutdown in reverse: receivers first, drain the ring, flush, exit.
// A state machine: created → starting → running → stopping → stopped. A stop during start
// lets the current step finish, starts nothing more (no receiver opens once stopping began)
// and tears down what started. Each shutdown stage has a deadline (service.shutdown_timeout).
import type { Logger } from 'pino';
import type { HttpRouteHandler, HttpRoutes, Receiver, Signal } from '../component.js';
import type { CollectorConfig } from '../config/collector-config.js';
import { components } from '../component-registry.js';
import { tuneHeapGrowth } from '../flush/heap-growth.js';
import { FlushHost } from '../flush/flush-host.js';
import { Ring } from '../ring/ring.js';
import { HealthRegistry } from '../telemetry/health.js';
import { statusDocument } from '../telemetry/status-document.js';
import { VERSION } from '../version.js';
import { PromMetrics } from '../telemetry/registry.js';
import { TelemetryServer, type Probes } from '../telemetry/server.js';
import { liveness, readiness, type ProbeResult } from '../telemetry/probes.js';
import { IntakeState } from './intake-state.js';
import { RecentLogs } from '../telemetry/recent-logs.js';
import { RecentFusedTraces } from '../telemetry/recent-fused-traces.js';
import { RingConsumer } from './ring-consumer.js';
import { MemoryGuard } from './memory-guard.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { IngestWal } from '../wal/ingest-wal.js';
import { SIGNAL_BY_CODE } from '../component.js';
import type { AckStatus } from '../acks/ack-set.js';

export interface ServiceOptions {
  logger: Logger;
  /** called if the flush worker dies after start */
  onCrash?: (e: Error) => void;
  /** the main thread's warn/error lines (the logger's onWarn); the worker's are added to it */
  recentLogs?: RecentLogs;
}

export type ServiceState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

/** Thrown inside start() when a stop was asked for: start() then resolves, it is no failure. */
class StopRequested extends Error {}

const sleep = (ms: number): Promise<'timeout'> => new Promise((r) => setTimeout(() => r('timeout'), ms).unref());

export class Service {
  state: ServiceState = 'created';
  /** when the state last changed */
  since = new Date();
  readonly metrics = new PromMetrics();
  readonly health = new HealthRegistry();
  readonly receivers = new Map<string, Receiver>();
  ring: Ring | undefined;
  private telemetry: TelemetryServer | undefined;
  private flush: FlushHost | undefined;
  private stopRequested = false;
  private askStop!: () => void;
  private readonly stopAsked = new Promise<void>((r) => (this.askStop = r));
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /**
   * the gate, closed when the ring's drain begins (receivers still running are refused from
   * then on), the memory guard's verdict and the intake's pressure, shared with receiver workers
   */
  private readonly intake = new IntakeState();
  private ringGaugeTimer: NodeJS.Timeout | undefined;
  private wal: IngestWal | undefined;
  private readonly tracker = new DeliveryTracker();
  private memory: MemoryGuard | undefined;
  /** the flush worker's heartbeat count and when it last moved (set once the worker runs) */
  private beat: { count: number; at: number } | undefined;
  telemetryAddress: { address: string; port: number } | undefined;
  /** for the status page: recent warn/error lines of every thread, recently fused traces */
  readonly recentLogs: RecentLogs;
  readonly recentFusedTraces = new RecentFusedTraces();

  constructor(
    readonly cfg: CollectorConfig,
    private readonly opts: ServiceOptions,
  ) {
    this.recentLogs = opts.recentLogs ?? new RecentLogs();
  }

  private setState(state: ServiceState): void {
    this.state = state;
    this.since = new Date();
  }

  /**
   * Starts everything; on failure stops what already started, so nothing keeps running. When
   * shutdown() is called meanwhile, resolves once the step in progress is done (state then
   * 'stopping'): shutdown() tears down.
   */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`cannot start a service that is ${this.state}`);
    this.setState('starting');
    this.starting = this.startAll();
    try {
      await this.starting;
    } catch (e) {
      if (e instanceof StopRequested || this.stopRequested) return;
      await this.shutdown().catch(() => {});
      throw e;
    }
    if (!this.stopRequested) this.setState('running');
  }

  /** Between start steps: stop starting things once a stop was asked for. */
  private checkStop(): void {
    if (this.stopRequested) throw new StopRequested('stop requested during start');
  }

  /** A start step that may take long (the flush worker, a receiver): a stop does not wait for it. */
  private orStop<T>(step: Promise<T>): Promise<T> {
    step.catch(() => {}); // abandoned on a stop: its failure is of no interest any more
    return Promise.race([step, this.stopAsked.then(() => Promise.reject(new StopRequested('stop requested during start')))]);
  }

  private async startAll(): Promise<void> {
    const { cfg } = this;
    const logger = this.opts.logger;
    if (cfg.telemetry.metricsEnabled) {
      const probes: Probes = {
        readiness: () => this.readiness(),
        liveness: () => this.liveness(),
        components: () => this.health.report(),
        shuttingDown: () => this.state === 'stopping' || this.state === 'stopped',
      };
      const document = (): unknown => statusDocument({ state: this.state, since: this.since, version: VERSION, cfg: this.cfg, health: this.health, readiness: this.readiness() });
      this.telemetry = new TelemetryServer(cfg.telemetry.metricsEndpoint, this.metrics, probes, { tls: cfg.telemetry.tls, auth: cfg.telemetry.auth }, { logs: this.recentLogs, fusedTraces: this.recentFusedTraces, document });
      this.telemetryAddress = await this.telemetry.start();
      this.checkStop();
    }
    const ring = Ring.create(cfg.buffer.sizeBytes);
    this.ring = ring;
    this.metrics.set('atc_ring_capacity_bytes', {}, ring.capacity);
    this.ringGaugeTimer = setInterval(() => {
      this.watchBeat(ring);
      this.metrics.set('atc_ring_used_bytes', {}, ring.usedBytes());
      if (this.wal) this.metrics.set('atc_wal_bytes', {}, this.wal.sizeBytes);
    }, 500).unref();

    // connectors listed as receivers are fed inside the flush worker, not through the ring
    const sources = [...new Set(cfg.pipelines.flatMap((p) => p.receivers))].filter((id) => cfg.receivers.has(id));
    const deliveries = (receiver: string, signal: Signal): number => cfg.pipelines.filter((p) => p.signal === signal && p.receivers.includes(receiver)).length;
    if (cfg.buffer.durability === 'disk') {
      const { wal, report } = await IngestWal.open({ directory: cfg.buffer.wal.directory, maxBytes: cfg.buffer.wal.maxSizeBytes, segmentBytes: cfg.buffer.wal.segmentBytes, fsync: cfg.buffer.wal.fsync });
      this.wal = wal;
      this.checkStop();
      if (report.quarantinedBytes > 0) logger.error({ problems: report.problems }, 'write-ahead log had a damaged tail: valid records kept, the rest quarantined');
      if (report.records > 0) logger.info({ records: report.records, bytes: report.bytes }, 'write-ahead log holds undelivered records: replaying them');
    }
    const growing = tuneHeapGrowth(cfg);
    if (growing !== undefined) logger.info({ heapGrowingPercent: growing }, 'a connector holds seconds of data in memory: full collections wait for the heap to grow further');
    this.flush = new FlushHost(
      { sab: ring.sab, raw: cfg.raw, sources, logLevel: cfg.telemetry.logLevel, componentsUrl: components().moduleUrl },
      this.metrics,
      this.health,
      logger,
      (e) => (this.opts.onCrash ?? ((err: Error) => logger.fatal({ err: err.message }, 'flush worker failed')))(e),
      (acks, status) => this.acked(acks, status),
      (recent) => {
        for (const line of recent.logs) this.recentLogs.push(line);
        this.recentFusedTraces.add(recent.fused);
      },
    );
    await this.orStop(this.flush.start());
    this.beat = { count: ring.beats(), at: Date.now() };
    if (this.wal) await this.replayWal(this.wal, ring, sources, deliveries);
    this.checkStop();
    this.memory = new MemoryGuard(cfg.buffer.memoryLimitBytes, this.intake);
    this.memory.start();

    const routes = new Map<string, HttpRouteHandler>();
    const httpRoutes: HttpRoutes = { register: (path, h) => void routes.set(path, h), get: (path) => routes.get(path) };
    for (const [index, id] of sources.entries()) {
      const entry = cfg.receivers.get(id)!;
      const signals = new Set<Signal>(cfg.pipelines.filter((p) => p.receivers.includes(id)).map((p) => p.signal));
      const perSignal = Object.fromEntries([...signals].map((sg) => [sg, deliveries(id, sg)]));
      const next = new RingConsumer(ring, index, signals, cfg.buffer, this.metrics, this.memory, { deliveries: perSignal, tracker: this.tracker, wal: this.wal, gate: this.intake, pressure: this.intake });
      const r = components().receivers.get(entry.type)!.create(entry.config, next, {
        id,
        logger: logger.child({ receiver: id }),
        metrics: this.metrics,
        health: this.health.scope('receiver'),
        httpRoutes,
      });
      this.receivers.set(id, r);
    }
    for (const r of this.receivers.values()) {
      this.checkStop();
      await this.orStop(r.start());
    }
    this.checkStop();
    logger.info({ pipelines: cfg.pipelines.map((p) => p.id), receivers: sources, exporters: [...cfg.exporters.keys()], durability: cfg.buffer.durability }, 'collector started');
  }

  /** /readyz: see src/telemetry/probes.ts */
  readiness(): ProbeResult {
    return readiness({ state: this.state, cfg: this.cfg, health: this.health, refusingForMs: this.intake.refusingFor(Date.now()) });
  }

  /** /healthz: see src/telemetry/probes.ts */
  liveness(): ProbeResult {
    if (this.beat && this.ring) this.watchBeat(this.ring);
    return liveness({ state: this.state, beatAgeMs: this.beat ? Date.now() - this.beat.at : undefined, stallMs: this.cfg.service.flushStallUnhealthyAfterMs });
  }

  /** Notes when the flush worker's heartbeat last moved. */
  private watchBeat(ring: Ring): void {
    if (!this.beat) return;
    const n = ring.beats();
    if (n !== this.beat.count) this.beat = { count: n, at: Date.now() };
  }

  /** A batch's acknowledgements completed in the flush worker: release what the sources hold. */
  private acked(acks: [number, number][], status: AckStatus): void {
    // the ring header's aux slot: a log segment (> 0) or a delivery ticket (< 0)
    for (const [ack, count] of acks) {
      const segment = ack > 0 ? ack : this.tracker.done(ack, count, status);
      if (segment > 0) void this.wal?.done(segment, count);
    }
  }

  /** Puts records left in the write-ahead log back into the ring before receivers start. */
  private async replayWal(wal: IngestWal, ring: Ring, sources: string[], deliveries: (receiver: string, signal: Signal) => number): Promise<void> {
    let n = 0;
    const routeOf = (source: number, signalCode: number): number => {
      const signal = SIGNAL_BY_CODE[signalCode];
      if (!signal) return -1;
      // the receiver at that position still takes the signal: same source; else any that does
      if (source < sources.length && deliveries(sources[source]!, signal) > 0) return source;
      return sources.findIndex((r) => deliveries(r, signal) > 0);
    };
    for await (const { frame, segment } of wal.recovered((f) => {
      const src = routeOf(f.tag, f.signal);
      return src < 0 ? 0 : deliveries(sources[src]!, SIGNAL_BY_CODE[f.signal]!);
    })) {
      if (this.stopRequested) {
        // the rest stays in the log for the next start; this run must not delete it
        wal.keepFrom(segment);
        break;
      }
      const src = routeOf(frame.tag, frame.signal);
      if (src < 0) {
        this.opts.logger.warn({ signal: frame.signal }, 'write-ahead log record for a signal no pipeline takes now: skipped');
        continue;
      }
      while (ring.write(frame.signal, src, frame.items, frame.payload, 0, frame.time, segment) === 'full') {
        if (this.stopRequested) break;
        await ring.waitForSpace(100);
      }
      if (this.stopRequested) {
        wal.keepFrom(segment);
        break;
      }
      n++;
    }
    if (this.stopRequested) this.opts.logger.info({ records: n }, 'stop requested during the write-ahead log replay: the rest stays in the log');
    else if (n > 0) this.opts.logger.info({ records: n }, 'write-ahead log replayed into the ring');
  }

  /**
   * Receivers first (no new data), then drain the ring and flush every batch, each stage with
   * its deadline: receivers get a third of service.shutdown_timeout, then slow clients are cut;
   * the drain gets the rest but a second. Safe to call at any state and more than once.
   */
  shutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async stop(): Promise<void> {
    this.stopRequested = true;
    this.askStop();
    const logger = this.opts.logger;
    if (this.state === 'created') return this.setState('stopped');
    // a start in progress finishes its current step first (it starts nothing more)
    if (this.starting) await this.starting.catch(() => {});
    this.setState('stopping');
    const budget = this.cfg.service.shutdownTimeoutMs;
    const began = Date.now();
    logger.info({ shutdownTimeoutMs: budget }, 'shutting down: stopping receivers');
    const receiversDone = Promise.all(
      [...this.receivers].map(([id, r]) => r.shutdown().catch((e: Error) => logger.error({ receiver: id, err: e.message }, 'receiver shutdown failed'))),
    );
    if ((await Promise.race([receiversDone, sleep(budget / 3)])) === 'timeout') {
      logger.warn({ afterMs: Date.now() - began }, 'receivers still busy at their shutdown deadline: cutting slow clients');
      for (const r of this.receivers.values()) r.forceClose?.();
      if ((await Promise.race([receiversDone, sleep(Math.min(2000, budget / 10))])) === 'timeout') logger.error('a receiver did not stop after its clients were cut; going on');
    }
    // From here nothing enters the ring: whatever is answered 200 from now on is already in it.
    this.intake.close();
    // a receiver worker thread may be inside a ring write that passed the gate just before
    if (!(await this.intake.settled(1000))) logger.error('a ring write by a receiver thread did not finish within 1 s of the drain starting; draining anyway');
    logger.info({ ringUsedBytes: this.ring?.usedBytes() ?? 0 }, 'draining the ring');
    let batches: number | undefined;
    if (this.flush) {
      const left = Math.max(1000, budget - (Date.now() - began) - 1000);
      const r = await Promise.race([this.flush.drain().catch((e: Error) => logger.error({ err: e.message }, 'drain failed')), sleep(left)]);
      if (r === 'timeout') logger.error({ ringUsedBytes: this.ring?.usedBytes() ?? 0 }, 'the drain did not finish by the shutdown deadline: stopping the flush worker (durability: disk keeps the rest in the write-ahead log)');
      else batches = r ?? undefined;
      await this.flush.terminate();
    }
    this.memory?.stop();
    await this.wal?.close();
    clearInterval(this.ringGaugeTimer);
    await this.telemetry?.shutdown();
    this.setState('stopped');
    logger.info({ batches, tookMs: Date.now() - began }, 'shutdown complete');
  }
}
