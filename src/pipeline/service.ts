// Config → running collector: telemetry, ring, flush worker (processors + exporters), then
// receivers last; shutdown in reverse: receivers first, drain the ring, flush, exit.
import type { Logger } from 'pino';
import type { Receiver, Signal } from '../component.js';
import type { CollectorConfig } from '../config/collector-config.js';
import { receiverFactories } from '../components.js';
import { FlushHost } from '../flush/flush-host.js';
import { Ring } from '../ring/ring.js';
import { HealthRegistry } from '../telemetry/health.js';
import { PromMetrics } from '../telemetry/registry.js';
import { TelemetryServer } from '../telemetry/server.js';
import { RingConsumer } from './ring-consumer.js';

export interface ServiceOptions {
  logger: Logger;
  /** called if the flush worker dies after start */
  onCrash?: (e: Error) => void;
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
  telemetryAddress: { address: string; port: number } | undefined;

  constructor(
    readonly cfg: CollectorConfig,
    private readonly opts: ServiceOptions,
  ) {}

  async start(): Promise<void> {
    const { cfg } = this;
    const logger = this.opts.logger;
    if (cfg.telemetry.metricsEnabled) {
      this.telemetry = new TelemetryServer(cfg.telemetry.metricsEndpoint, this.metrics, this.health, () => this.shuttingDown);
      this.telemetryAddress = await this.telemetry.start();
    }
    const ring = Ring.create(cfg.buffer.sizeBytes);
    this.ring = ring;
    this.metrics.set('atc_ring_capacity_bytes', {}, ring.capacity);
    this.ringGaugeTimer = setInterval(() => this.metrics.set('atc_ring_used_bytes', {}, ring.usedBytes()), 500).unref();

    const sources = [...new Set(cfg.pipelines.flatMap((p) => p.receivers))];
    this.flush = new FlushHost(
      { sab: ring.sab, raw: cfg.raw, sources, logLevel: cfg.telemetry.logLevel },
      this.metrics,
      this.health,
      logger,
      (e) => (this.opts.onCrash ?? ((err: Error) => logger.fatal({ err: err.message }, 'flush worker failed')))(e),
    );
    await this.flush.start();

    for (const [index, id] of sources.entries()) {
      const entry = cfg.receivers.get(id)!;
      const signals = new Set<Signal>(cfg.pipelines.filter((p) => p.receivers.includes(id)).map((p) => p.signal));
      const next = new RingConsumer(ring, index, signals, cfg.buffer, this.metrics);
      const r = receiverFactories.get(entry.type)!.create(entry.config, next, {
        id,
        logger: logger.child({ receiver: id }),
        metrics: this.metrics,
        health: this.health,
      });
      this.receivers.set(id, r);
    }
    for (const r of this.receivers.values()) await r.start();
    logger.info({ pipelines: cfg.pipelines.map((p) => p.id), receivers: sources, exporters: [...cfg.exporters.keys()] }, 'collector started');
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
    clearInterval(this.ringGaugeTimer);
    await this.telemetry?.shutdown();
    logger.info({ batches }, 'shutdown complete');
  }
}
