// Installs every real server and tool the suite uses, before any test starts, so that a
// cold machine spends its install time once and up front (each harness also installs on
// demand and caches outside the repository, in ${ATC_CACHE_DIR:-~/.cache/ai-trace-collector}).
// Run by scripts/run-tests.mjs; `node dist/test/harness/install-all.js` does it by hand.
import { ensureKcat, installKafka } from './kafka.js';
import { installMinio } from './minio.js';
import { installPrometheus } from './prometheus.js';
import { installChromium } from './chromium.js';
import { installNodeExporter } from './node-exporter.js';
import { installTelemetrygen } from './telemetrygen.js';
import { installPythonOtlp } from './python-otlp.js';

const log = (l: string): void => {
  process.stderr.write(`[install] ${l}\n`);
};

export async function installAll(): Promise<void> {
  const started = Date.now();
  // Sequential on purpose: two Go or Maven builds at once on a 2-core machine only slow both.
  const steps: [string, () => Promise<unknown>][] = [
    ['Apache Kafka (Maven Central)', () => installKafka(log)],
    ['kcat (Debian)', () => ensureKcat()],
    ['MinIO (go install)', () => installMinio(log)],
    ['Prometheus (Debian)', () => installPrometheus(log)],
    ['node-exporter (Debian)', () => Promise.resolve(installNodeExporter())],
    ['telemetrygen (go install)', () => installTelemetrygen(log)],
    ['Python protobuf + opentelemetry-proto (PyPI)', () => installPythonOtlp(log)],
    ['Chromium (Debian)', () => installChromium(log)],
  ];
  for (const [name, run] of steps) {
    const t = Date.now();
    await run();
    log(`${name}: ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  log(`all test servers ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  installAll().catch((e: Error) => {
    process.stderr.write(`[install] failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
