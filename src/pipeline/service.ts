// Config → running collector: telemetry, ring, flush worker (processors + exporters), then
// receivers last; shutdown in reverse: receivers first, drain the ring, flush, exit.
import type { Logger } from 'pino';
import type { HttpRouteHandler, HttpRoutes, Receiver, Signal } from '../component.js';
import type { CollectorConfig } from '../config/collector-config.js';
import { components } from '../component-registry.js';
import { FlushHost } from '../flush/flush-host.js';
import { Ring } from '../ring/ring.js';
import { HealthRegistry } from '../telemetry/health.js';
import { PromMetrics } from '../telemetry/registry.js';
import { TelemetryServer } from '../telemetry/server.js';
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

export class Service {
  readonly metrics = new PromMetrics();
  readonly health = new HealthRegistry();
  readonly receivers = new Map<string, Receiver>();
  ring: Ring | undefined;
  private telemetry: TelemetryServer | undefined;
  private flush: FlushHost | undefined;
  private shuttingDown = false;
  private ringGaugeTimer: NodeJS.Timeout | undefined;
  private wal: IngestWal | undefined;
  private readonly tracker = new DeliveryTracker();
  private memory: MemoryGuard | undefined;
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

  /** Starts everything; on failure stops what already started, so nothing keeps running. */
  async start(): Promise<void> {
    try {
      await this.startAll();
    } catch (e) {
      await this.shutdown().catch(() => {});
      throw e;
    }
  }

  private async startAll(): Promise<void> {
    const { cfg } = this;
    const logger = this.opts.logger;
    if (cfg.telemetry.metricsEnabled) {
      this.telemetry = new TelemetryServer(cfg.telemetry.metricsEndpoint, this.metrics, this.health, () => this.shuttingDown, { tls: cfg.telemetry.tls, auth: cfg.telemetry.auth }, { logs: this.recentLogs, fusedTraces: this.recentFusedTraces });
      this.telemetryAddress = await this.telemetry.start();
    }
    const ring = Ring.create(cfg.buffer.sizeBytes);
    this.ring = ring;
    this.metrics.set('atc_ring_capacity_bytes', {}, ring.capacity);
    this.ringGaugeTimer = setInterval(() => {
      this.metrics.set('atc_ring_used_bytes', {}, ring.usedBytes());
      if (this.wal) this.metrics.set('atc_wal_bytes', {}, this.wal.sizeBytes);
    }, 500).unref();

    // connectors listed as receivers are fed inside the flush worker, not through the ring
    const sources = [...new Set(cfg.pipelines.flatMap((p) => p.receivers))].filter((id) => cfg.receivers.has(id));
    const deliveries = (receiver: string, signal: Signal): number => cfg.pipelines.filter((p) => p.signal === signal && p.receivers.includes(receiver)).length;
    if (cfg.buffer.durability === 'disk') {
      const { wal, report } = await IngestWal.open({ directory: cfg.buffer.wal.directory, maxBytes: cfg.buffer.wal.maxSizeBytes, segmentBytes: cfg.buffer.wal.segmentBytes, fsync: cfg.buffer.wal.fsync });
      this.wal = wal;
      if (report.quarantinedBytes > 0) logger.error({ problems: report.problems }, 'write-ahead log had a damaged tail: valid records kept, the rest quarantined');
      if (report.records > 0) logger.info({ records: report.records, bytes: report.bytes }, 'write-ahead log holds undelivered records: replaying them');
    }
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
    await this.flush.start();
    if (this.wal) await this.replayWal(this.wal, ring, sources, deliveries);
    this.memory = new MemoryGuard(cfg.buffer.memoryLimitBytes);
    this.memory.start();

    const routes = new Map<string, HttpRouteHandler>();
    const httpRoutes: HttpRoutes = { register: (path, h) => void routes.set(path, h), get: (path) => routes.get(path) };
    for (const [index, id] of sources.entries()) {
      const entry = cfg.receivers.get(id)!;
      const signals = new Set<Signal>(cfg.pipelines.filter((p) => p.receivers.includes(id)).map((p) => p.signal));
      const perSignal = Object.fromEntries([...signals].map((sg) => [sg, deliveries(id, sg)]));
      const next = new RingConsumer(ring, index, signals, cfg.buffer, this.metrics, this.memory, { deliveries: perSignal, tracker: this.tracker, wal: this.wal });
      const r = components().receivers.get(entry.type)!.create(entry.config, next, {
        id,
        logger: logger.child({ receiver: id }),
        metrics: this.metrics,
        health: this.health,
        httpRoutes,
      });
      this.receivers.set(id, r);
    }
    for (const r of this.receivers.values()) await r.start();
    logger.info({ pipelines: cfg.pipelines.map((p) => p.id), receivers: sources, exporters: [...cfg.exporters.keys()], durability: cfg.buffer.durability }, 'collector started');
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
      const src = routeOf(frame.tag, frame.signal);
      if (src < 0) {
        this.opts.logger.warn({ signal: frame.signal }, 'write-ahead log record for a signal no pipeline takes now: skipped');
        continue;
      }
      while (ring.write(frame.signal, src, frame.items, frame.payload, 0, frame.time, segment) === 'full') await ring.waitForSpace(100);
      n++;
    }
    if (n > 0) this.opts.logger.info({ records: n }, 'write-ahead log replayed into the ring');
  }

  /** Receivers first (no new data), then drain the ring and flush every batch. */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const logger = this.opts.logger;
    logger.info('shutting down: stopping receivers');
    for (const [id, r] of this.receivers) {
      try {
        await r.shutdown();
      } catch (e) {
        logger.error({ receiver: id, err: (e as Error).message }, 'receiver shutdown failed');
      }
    }
    logger.info({ ringUsedBytes: this.ring?.usedBytes() ?? 0 }, 'draining the ring');
    const batches = await this.flush?.drain();
    await this.flush?.terminate();
    this.memory?.stop();
    await this.wal?.close();
    clearInterval(this.ringGaugeTimer);
    await this.telemetry?.shutdown();
    logger.info({ batches }, 'shutdown complete');
  }
}
