// The OpenTelemetry Collector for side-by-side runs: built once with the Collector Builder
// (ocb) from the Go module proxy at a pinned version, with only the components the
// workloads use, into the shared cache outside the repository (like the test servers).
//   node dist/bench/side-by-side/otelcol.js install
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../../test/harness/minio.js';

const execFileP = promisify(execFile);

/** Core and contrib share this tag on the proxy (contrib skips some: v0.151–v0.154 are absent). */
export const OTELCOL_VERSION = 'v0.165.0';
const CORE = 'go.opentelemetry.io/collector';
const CONTRIB = 'github.com/open-telemetry/opentelemetry-collector-contrib';

function home(): string {
  return join(cacheDir(), 'otelcol', OTELCOL_VERSION);
}

export function otelcolPath(): string {
  return join(home(), 'build', 'out', 'otelcol-bench');
}

function manifest(out: string): string {
  const v = OTELCOL_VERSION;
  return `dist:
  name: otelcol-bench
  description: OpenTelemetry Collector for ai-trace-collector side-by-side benchmarks
  output_path: ${out}
  version: ${v.slice(1)}
receivers:
  - gomod: ${CORE}/receiver/otlpreceiver ${v}
  - gomod: ${CONTRIB}/receiver/prometheusreceiver ${v}
processors:
  - gomod: ${CORE}/processor/batchprocessor ${v}
exporters:
  - gomod: ${CORE}/exporter/nopexporter ${v}
  - gomod: ${CONTRIB}/exporter/fileexporter ${v}
  - gomod: ${CONTRIB}/exporter/kafkaexporter ${v}
`;
}

function goEnv(gobin: string): NodeJS.ProcessEnv {
  const cache = cacheDir();
  return {
    ...process.env,
    GOPATH: join(cache, 'go'),
    GOBIN: gobin,
    GOCACHE: process.env['GOCACHE'] || join(cache, 'go-build'),
    GOFLAGS: '-modcacherw -buildvcs=false',
    CGO_ENABLED: '0',
    GOTOOLCHAIN: process.env['GOTOOLCHAIN'] || 'local',
  };
}

let installing: Promise<string> | undefined;

/** Builds the Collector unless the pinned binary is cached; returns its path. */
export function installOtelcol(log: (l: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  installing ??= (async () => {
    const bin = otelcolPath();
    if (existsSync(bin)) return bin;
    const gobin = join(home(), 'bin');
    const build = join(home(), 'build');
    mkdirSync(gobin, { recursive: true });
    mkdirSync(build, { recursive: true });
    // One builder at a time across processes; a dead builder's lock is taken over.
    const lock = join(home(), 'build.lock');
    for (;;) {
      try {
        mkdirSync(lock);
        break;
      } catch {
        if (existsSync(bin)) return bin;
        const st = statSync(lock, { throwIfNoEntry: false });
        if (st && Date.now() - st.mtimeMs > 45 * 60_000) rmSync(lock, { recursive: true, force: true });
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    const t0 = Date.now();
    try {
      if (existsSync(bin)) return bin;
      log(`building the OpenTelemetry Collector ${OTELCOL_VERSION} with the Collector Builder (10+ min cold on 2 cores) into ${build}`);
      const env = goEnv(gobin);
      await execFileP('go', ['install', `${CORE}/cmd/builder@${OTELCOL_VERSION}`], { env, maxBuffer: 64 * 1024 * 1024 });
      const manifestPath = join(build, 'manifest.yaml');
      writeFileSync(manifestPath, manifest(join(build, 'out')));
      // The builder's own `go mod tidy` fails: it also resolves the components' test imports,
      // and the proxy refuses one of them (otlpencodingextension, tested by fileexporter, is
      // not on the proxy at all). The builder has written main.go and go.mod by then, so:
      // let it fail there, then tidy with -e (tolerates that miss) and build.
      const out = join(build, 'out');
      try {
        await execFileP(join(gobin, 'builder'), ['--config', manifestPath, '--skip-compilation'], { env, cwd: build, maxBuffer: 64 * 1024 * 1024 });
      } catch (e) {
        if (!existsSync(join(out, 'go.mod'))) throw e;
      }
      await execFileP('go', ['mod', 'tidy', '-e'], { env, cwd: out, maxBuffer: 64 * 1024 * 1024 });
      await execFileP('go', ['build', '-trimpath', '-ldflags=-s', '-o', 'otelcol-bench', '.'], { env, cwd: out, maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`building the OpenTelemetry Collector failed: ${e.stderr?.slice(-4000) ?? e.message}`);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
    log(`OpenTelemetry Collector built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return bin;
  })();
  installing.catch(() => {
    installing = undefined;
  });
  return installing;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'install') {
  installOtelcol().then((b) => console.log(b), (e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
