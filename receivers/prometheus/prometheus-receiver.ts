// The prometheus receiver: per scrape config, discovery feeds relabeled targets; each target
// is scraped on its own timer (offset by a hash, as Prometheus spreads them), parsed with the
// hand-written parser and written as OTLP metrics, with `up`, `scrape_duration_seconds` and
// `scrape_samples_scraped` per target. A failing target is reported (up 0, a log line when
// its error changes, atc_prometheus_scrapes_total{outcome}) and never affects the others.
import { createHash } from 'node:crypto';
import type { Consumer, CreateContext, Receiver } from '../../src/component.js';
import { ACCEPTED_BY_SIGNAL, REFUSED_BY_SIGNAL } from '../../src/telemetry/metrics.js';
import { encodeResource } from '../../src/otlp/attributes-writer.js';
import type { PrometheusConfig, ScrapeConfig } from './config.js';
import { listPods, readFileSd, staticGroups, type TargetGroup } from './discovery.js';
import { authHeader, httpGet } from './http-client.js';
import { MemoryBudget, type Reservation } from './memory-budget.js';
import { plainGet, ScrapeBody } from './plain-get.js';
import { relabel, type Labels } from './relabel.js';
import { ScrapeEncoder } from './scrape-encoder.js';

const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1';

export interface TargetStatus {
  job: string;
  url: string;
  labels: Record<string, string>;
  health: 'unknown' | 'up' | 'down';
  lastError: string;
  lastScrapeMs: number;
  lastDurationMs: number;
  lastSamples: number;
}

class Target {
  readonly status: TargetStatus;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** this target's series cache and start times, from scrape to scrape */
  private readonly encoder: ScrapeEncoder;
  /**
   * this target's body buffer (plain HTTP), kept from scrape to scrape as its series cache is:
   * about the size of its last body; the memory budget counts it while a scrape fills it
   */
  private readonly body = new ScrapeBody();
  /** the URL when plain HTTP (read by plainGet; HTTPS goes through node:https) */
  private readonly plain: URL | undefined;

  constructor(
    readonly key: string,
    private readonly job: ScrapeConfig,
    readonly url: string,
    labels: Record<string, string>,
    private readonly next: Consumer,
    private readonly ctx: CreateContext,
    private readonly budget: MemoryBudget,
  ) {
    this.status = { job: job.jobName, url, labels, health: 'unknown', lastError: '', lastScrapeMs: 0, lastDurationMs: 0, lastSamples: 0 };
    const u = new URL(url);
    this.plain = u.protocol === 'http:' ? u : undefined;
    const resource: Record<string, string | number> = {
      'service.name': labels['job'] ?? job.jobName,
      'service.instance.id': labels['instance'] ?? u.host,
      'server.address': u.hostname.replace(/^\[|\]$/g, ''),
      'server.port': u.port || (u.protocol === 'https:' ? '443' : '80'),
      'url.scheme': u.protocol.slice(0, -1),
    };
    const pointLabels: string[] = [];
    for (const [k, v] of Object.entries(labels)) if (k !== 'job' && k !== 'instance') pointLabels.push(k, v);
    const info = { resource: encodeResource(resource), labels: pointLabels, honorLabels: job.honorLabels, honorTimestamps: job.honorTimestamps };
    const limits = { labelLimit: job.labelLimit, labelNameLengthLimit: job.labelNameLengthLimit, labelValueLengthLimit: job.labelValueLengthLimit, sampleLimit: job.sampleLimit };
    this.encoder = new ScrapeEncoder(info, limits, job.metricRelabelConfigs);
  }

  start(): void {
    // spread targets over the interval, stable per target
    const h = createHash('sha1').update(this.key).digest().readUInt32BE(0);
    const offset = h % Math.min(this.job.intervalMs, 5000);
    this.timer = setTimeout(() => this.tick(), offset);
  }

  private tick(): void {
    if (this.stopped) return;
    const t0 = Date.now();
    this.running = this.scrape()
      .catch((e: unknown) => this.failed(e))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const wait = Math.max(0, this.job.intervalMs - (Date.now() - t0));
        this.timer = setTimeout(() => this.tick(), wait);
      });
  }

  /** A scrape that threw past its own handling: this target only, counted, logged once per message. */
  private failed(e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.ctx.metrics.inc('atc_receiver_refused_sources_total', { receiver: this.ctx.id, source: 'scrape', reason: 'internal_error' });
    if (msg !== this.status.lastError) this.ctx.logger.error({ job: this.job.jobName, target: this.url, err: msg }, 'scrape failed unexpectedly; the next scrape runs as usual');
    Object.assign(this.status, { health: 'down', lastError: msg });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One scrape; public for tests. */
  async scrape(): Promise<void> {
    const t0 = performance.now();
    const scrapeMs = Date.now();
    const held = this.budget.reservation();
    try {
      await this.scrapeHeld(held, t0, scrapeMs);
    } finally {
      held.release();
      this.body.fit();
    }
  }

  private async scrapeHeld(held: Reservation, t0: number, scrapeMs: number): Promise<void> {
    let result: { samples: number; duplicates: number } | undefined;
    let error = '';
    let outcome = 'ok';
    try {
      const headers: Record<string, string> = { accept: ACCEPT, 'user-agent': 'ai-trace-collector', 'x-prometheus-scrape-timeout-seconds': String(this.job.timeoutMs / 1000) };
      const maxBytes = this.job.bodySizeLimit || Number.MAX_SAFE_INTEGER;
      let r: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };
      if (this.plain) {
        const auth = authHeader(this.job.http);
        if (auth) headers['authorization'] = auth;
        r = await plainGet(this.plain, { headers, timeoutMs: this.job.timeoutMs, maxBytes, budget: held, into: this.body });
      } else r = await httpGet(this.url, { headers, timeoutMs: this.job.timeoutMs, maxBytes, http: this.job.http, budget: held });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      const ct = String(r.headers['content-type'] ?? '');
      const om = ct.startsWith('application/openmetrics-text');
      result = this.encoder.scan(r.body, om);
      if (result.duplicates > 0) error = `${result.duplicates} duplicate series dropped`;
    } catch (e) {
      result = undefined;
      error = (e as Error).message;
      if (error.startsWith('scrape_memory_budget')) this.ctx.metrics.inc('atc_receiver_refused_sources_total', { receiver: this.ctx.id, source: 'scrape', reason: 'memory_budget' });
      outcome = /timed out/.test(error) ? 'timeout' : 'error';
    }
    const durationS = (performance.now() - t0) / 1000;
    const samples = result?.samples ?? 0;
    const up = result ? 1 : 0;
    const { bytes, points, skipped } = this.encoder.encode(scrapeMs, [
      { name: 'up', value: up },
      { name: 'scrape_duration_seconds', value: durationS },
      { name: 'scrape_samples_scraped', value: samples },
    ]);
    if (skipped > 0) {
      // counts that are NaN, ±Inf or out of uint64 range have no OTLP form (see to-otlp.ts)
      this.ctx.metrics.inc(REFUSED_BY_SIGNAL.metrics, { receiver: this.ctx.id, transport: 'scrape', reason: 'invalid_count' }, skipped);
      const w = `${skipped} histogram/summary points skipped: count or bucket is NaN, ±Inf or out of range`;
      error = error ? `${error}; ${w}` : w;
    }
    const labels = { receiver: this.ctx.id, job: this.job.jobName };
    this.ctx.metrics.inc('atc_prometheus_scrapes_total', { ...labels, outcome });
    this.ctx.metrics.observe('atc_prometheus_scrape_duration_seconds', labels, durationS);
    this.ctx.metrics.inc('atc_prometheus_samples_total', labels, samples);
    if (error !== this.status.lastError || (up === 1) !== (this.status.health === 'up')) {
      if (up === 0) this.ctx.logger.warn({ job: this.job.jobName, target: this.url, err: error }, 'scrape failed');
      else if (error) this.ctx.logger.warn({ job: this.job.jobName, target: this.url, warning: error }, 'scrape succeeded with problems');
      else if (this.status.health === 'down') this.ctx.logger.info({ job: this.job.jobName, target: this.url }, 'target is up again');
    }
    Object.assign(this.status, { health: up ? 'up' : 'down', lastError: error, lastScrapeMs: scrapeMs, lastDurationMs: durationS * 1000, lastSamples: samples });
    const r = await this.next.consume('metrics', bytes, points);
    const rl = { receiver: this.ctx.id, transport: 'scrape' };
    if (r.status === 'accepted') this.ctx.metrics.inc(ACCEPTED_BY_SIGNAL.metrics, rl, points);
    else this.ctx.metrics.inc(REFUSED_BY_SIGNAL.metrics, { ...rl, reason: r.status === 'dropped' ? 'dropped' : 'overload' }, points);
  }
}

/** Target groups → scrape targets: Prometheus's label defaults, relabeling, URL. */
export function buildTargets(job: ScrapeConfig, groups: TargetGroup[]): { url: string; labels: Record<string, string> }[] {
  const out = new Map<string, { url: string; labels: Record<string, string> }>();
  for (const g of groups) {
    for (const address of g.targets) {
      const l: Labels = new Map([
        ['job', job.jobName],
        ['__address__', address],
        ['__scheme__', job.scheme],
        ['__metrics_path__', job.metricsPath],
        ['__scrape_interval__', `${job.intervalMs / 1000}s`],
        ['__scrape_timeout__', `${job.timeoutMs / 1000}s`],
      ]);
      for (const [k, v] of Object.entries(job.params)) if (v[0] !== undefined) l.set(`__param_${k}`, v[0]);
      for (const [k, v] of Object.entries(g.labels)) l.set(k, v);
      const r = relabel(l, job.relabelConfigs);
      if (!r) continue;
      const addr = r.get('__address__');
      if (!addr) continue;
      if (!r.has('instance')) r.set('instance', addr);
      const q = new URLSearchParams();
      for (const [k, v] of r) if (k.startsWith('__param_')) q.set(k.slice(8), v);
      const path = r.get('__metrics_path__') ?? '/metrics';
      const url = `${r.get('__scheme__') ?? 'http'}://${addr}${path.startsWith('/') ? path : `/${path}`}${q.toString() ? `?${q}` : ''}`;
      const labels: Record<string, string> = {};
      for (const [k, v] of r) if (!k.startsWith('__') && v !== '') labels[k] = v;
      out.set(url + JSON.stringify(labels), { url, labels });
    }
  }
  return [...out.values()];
}

class Job {
  private readonly targets = new Map<string, Target>();
  private readonly groups = new Map<string, TargetGroup[]>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    readonly cfg: ScrapeConfig,
    private readonly next: Consumer,
    private readonly ctx: CreateContext,
    private readonly budget: MemoryBudget,
  ) {}

  async start(): Promise<void> {
    this.groups.set('static', staticGroups(this.cfg.staticConfigs));
    const refreshers: { name: string; everyMs: number; run: () => Promise<TargetGroup[]> }[] = [];
    this.cfg.fileSdConfigs.forEach((c, i) => refreshers.push({ name: `file/${i}`, everyMs: c.refreshMs, run: async () => readFileSd(c) }));
    this.cfg.kubernetesSdConfigs.forEach((c, i) => refreshers.push({ name: `kubernetes/${i}`, everyMs: c.refreshMs, run: () => listPods(c) }));
    await Promise.all(refreshers.map((r) => this.refresh(r)));
    this.sync();
    for (const r of refreshers) {
      const loop = (): void => {
        if (this.stopped) return;
        this.timers.push(
          setTimeout(() => {
            void this.refresh(r).then(() => {
              this.sync();
              loop();
            });
          }, r.everyMs),
        );
      };
      loop();
    }
  }

  private async refresh(r: { name: string; run: () => Promise<TargetGroup[]> }): Promise<void> {
    try {
      this.groups.set(r.name, await r.run());
    } catch (e) {
      // keep the last good groups
      this.ctx.logger.warn({ job: this.cfg.jobName, discovery: r.name, err: (e as Error).message }, 'target discovery failed; keeping the last known targets');
    }
  }

  private sync(): void {
    if (this.stopped) return;
    const want = buildTargets(this.cfg, [...this.groups.values()].flat());
    const keys = new Set<string>();
    for (const t of want) {
      const key = t.url + JSON.stringify(t.labels);
      keys.add(key);
      if (this.targets.has(key)) continue;
      const target = new Target(key, this.cfg, t.url, t.labels, this.next, this.ctx, this.budget);
      this.targets.set(key, target);
      target.start();
    }
    for (const [key, t] of this.targets) {
      if (keys.has(key)) continue;
      this.targets.delete(key);
      void t.stop();
    }
    this.ctx.metrics.set('atc_prometheus_targets', { receiver: this.ctx.id, job: this.cfg.jobName }, this.targets.size);
  }

  status(): TargetStatus[] {
    return [...this.targets.values()].map((t) => t.status);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([...this.targets.values()].map((t) => t.stop()));
  }
}

export class PrometheusReceiver implements Receiver {
  private readonly jobs: Job[];
  private readonly budget: MemoryBudget;

  constructor(
    cfg: PrometheusConfig,
    next: Consumer,
    private readonly ctx: CreateContext,
  ) {
    this.budget = new MemoryBudget(cfg.scrapeMemoryBudget);
    this.jobs = cfg.scrapeConfigs.map((c) => new Job(c, next, ctx, this.budget));
  }

  async start(): Promise<void> {
    await Promise.all(this.jobs.map((j) => j.start()));
    this.ctx.health.setReady(this.ctx.id, true);
    this.ctx.logger.info({ jobs: this.jobs.map((j) => j.cfg.jobName), targets: this.targets().length }, 'prometheus receiver started');
  }

  /** Bytes of scrape bodies held right now, across every target. */
  scrapeMemoryInUse(): number {
    return this.budget.inUse();
  }

  /** Every target with its last scrape's outcome (as Prometheus's /targets page). */
  targets(): TargetStatus[] {
    return this.jobs.flatMap((j) => j.status());
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.jobs.map((j) => j.stop()));
  }
}
