// A real Prometheus server for tests: Debian's `prometheus` package (installed with apt-get when
// missing — as root, so a fresh CI machine gets it), started on a free loopback port with a
// generated config and a temporary storage directory, queried through its HTTP API.
//
//   node dist/test/harness/prometheus.js install
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './minio.js';
import { installDebianPackage } from './debian-package.js';

const CANDIDATES = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'];

export function prometheusBinary(): string | undefined {
  if (process.env['PROMETHEUS_BIN']) return process.env['PROMETHEUS_BIN'];
  return CANDIDATES.find((p) => existsSync(p));
}

/** Returns the prometheus binary, installing Debian's package with apt-get when it is missing. */
export function installPrometheus(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  if (process.env['PROMETHEUS_BIN']) return Promise.resolve(process.env['PROMETHEUS_BIN']);
  // the package's service is not ours to run: tests start their own on a free port
  return installDebianPackage('prometheus', CANDIDATES, log);
}

export interface ScrapeTarget {
  job: string;
  /** host:port */
  target: string;
  path?: string;
}

export interface PrometheusServer {
  readonly url: string;
  readonly port: number;
  /** instant query; returns the result vector (or matrix/scalar as Prometheus gives it) */
  query(expr: string, time?: number): Promise<QueryResult>;
  /** exemplars of the series matching `expr` in [start, end] seconds */
  queryExemplars(expr: string, start: number, end: number): Promise<{ seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string>; value: string; timestamp: number }[] }[]>;
  targets(): Promise<{ labels: Record<string, string>; health: string; lastError: string }[]>;
  close(): Promise<void>;
}

export interface QueryResult {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  result: unknown[];
}

const live = new Set<ChildProcess>();
let hook = false;

export async function startPrometheus(opts: { targets: ScrapeTarget[]; scrapeIntervalS?: number; exemplars?: boolean }): Promise<PrometheusServer> {
  const bin = await installPrometheus();
  if (!hook) {
    hook = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'atc-prometheus-'));
  const interval = opts.scrapeIntervalS ?? 1;
  const byJob = new Map<string, ScrapeTarget[]>();
  for (const t of opts.targets) byJob.set(t.job, [...(byJob.get(t.job) ?? []), t]);
  const cfg = [
    'global:',
    `  scrape_interval: ${interval}s`,
    `  scrape_timeout: ${Math.max(1, interval)}s`,
    `  evaluation_interval: ${interval}s`,
    'scrape_configs:',
    ...[...byJob].flatMap(([job, ts]) => [
      `  - job_name: ${JSON.stringify(job)}`,
      `    metrics_path: ${JSON.stringify(ts[0]!.path ?? '/metrics')}`,
      '    static_configs:',
      `      - targets: [${ts.map((t) => JSON.stringify(t.target)).join(', ')}]`,
    ]),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), cfg + '\n');
  const port = await freePort();
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=1h',
    '--log.level=warn',
  ];
  if (opts.exemplars !== false) args.push('--enable-feature=exemplar-storage');
  const logPath = join(dir, 'prometheus.log');
  const out = createWriteStream(logPath);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  live.add(child);
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => {
    exited = true;
    live.delete(child);
  });
  const close = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit').catch(() => {});
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      await close();
      throw new Error(`prometheus exited at start; see its log (removed with ${dir})`);
    }
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error('prometheus not ready within 30 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const api = async <T>(path: string, params: Record<string, string>): Promise<T> => {
    const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
    const j = (await r.json()) as { status: string; data: T; error?: string };
    if (j.status !== 'success') throw new Error(`prometheus ${path} ${JSON.stringify(params)}: ${j.error ?? r.status}`);
    return j.data;
  };
  return {
    url,
    port,
    query: (expr, time) => api<QueryResult>('/api/v1/query', { query: expr, ...(time !== undefined ? { time: String(time) } : {}) }),
    queryExemplars: (expr, start, end) => api('/api/v1/query_exemplars', { query: expr, start: String(start), end: String(end) }),
    targets: async () => {
      const r = await fetch(`${url}/api/v1/targets`);
      const j = (await r.json()) as { data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] } };
      return j.data.activeTargets;
    },
    close,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === 'install') {
  installPrometheus().then(
    (bin) => process.stdout.write(`${bin}\n`),
    (e) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
