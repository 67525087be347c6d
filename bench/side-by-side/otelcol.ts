// The OpenTelemetry Collector for side-by-side runs: built once with the Collector Builder
// (ocb) from the Go module proxy at a pinned version, with only the components the
// workloads use, into the shared cache outside the repository (like the test servers).
//   node dist/bench/side-by-side/otelcol.js install
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheDir, cachedBuild, goEnv, goInstall, installFromCommandLine, type Log } from '../../test/harness/cached-build.js';

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

/** Builds the Collector unless the pinned binary is cached; returns its path. */
export const installOtelcol = cachedBuild(() => ({
  name: `the OpenTelemetry Collector ${OTELCOL_VERSION}`,
  result: otelcolPath(),
  lock: join(home(), 'build.lock'),
  staleMs: 45 * 60_000,
  pollMs: 2000,
  build: buildOtelcol,
}));

async function buildOtelcol(log: Log): Promise<void> {
  const gobin = join(home(), 'bin');
  const build = join(home(), 'build');
  mkdirSync(build, { recursive: true });
  log(`building the OpenTelemetry Collector ${OTELCOL_VERSION} with the Collector Builder (10+ min cold on 2 cores) into ${build}`);
  const env = goEnv(gobin);
  await goInstall(`${CORE}/cmd/builder`, OTELCOL_VERSION, gobin);
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
}

installFromCommandLine(import.meta.url, installOtelcol);
