// Go's telemetrygen (opentelemetry-collector-contrib), built once with `go install` at a
// pinned version into the shared cache outside the repository, for interop tests and
// benchmarks.   node dist/test/harness/telemetrygen.js install
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './minio.js';

const execFileP = promisify(execFile);

export const TELEMETRYGEN_VERSION = 'v0.161.0';
const MODULE = 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen';

export function telemetrygenPath(): string {
  return join(cacheDir(), 'telemetrygen', TELEMETRYGEN_VERSION, 'bin', 'telemetrygen');
}

let installing: Promise<string> | undefined;

export function installTelemetrygen(log: (l: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  installing ??= (async () => {
    const bin = telemetrygenPath();
    if (existsSync(bin)) return bin;
    const cache = cacheDir();
    const gobin = join(cache, 'telemetrygen', TELEMETRYGEN_VERSION, 'bin');
    mkdirSync(gobin, { recursive: true });
    const lock = join(cache, 'telemetrygen', TELEMETRYGEN_VERSION, 'build.lock');
    for (;;) {
      try {
        mkdirSync(lock);
        break;
      } catch {
        if (existsSync(bin)) return bin;
        const st = statSync(lock, { throwIfNoEntry: false });
        if (st && Date.now() - st.mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    try {
      if (existsSync(bin)) return bin;
      log(`building telemetrygen ${TELEMETRYGEN_VERSION} with go install (minutes on a cold cache) into ${gobin}`);
      await execFileP('go', ['install', `${MODULE}@${TELEMETRYGEN_VERSION}`], {
        env: { ...process.env, GOPATH: join(cache, 'go'), GOBIN: gobin, GOCACHE: process.env['GOCACHE'] || join(cache, 'go-build'), GOFLAGS: '-modcacherw -buildvcs=false', CGO_ENABLED: '0', GOTOOLCHAIN: process.env['GOTOOLCHAIN'] || 'local' },
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`go install ${MODULE}@${TELEMETRYGEN_VERSION} failed: ${e.stderr?.slice(-4000) ?? e.message}`);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
    return bin;
  })();
  installing.catch(() => {
    installing = undefined;
  });
  return installing;
}

/** Runs `telemetrygen <signal> …` to completion; returns its output. */
export async function runTelemetrygen(signal: 'traces' | 'logs' | 'metrics', endpoint: string, opts: { http?: boolean; count: number; workers?: number; extra?: string[]; timeoutMs?: number }): Promise<string> {
  const bin = await installTelemetrygen();
  const countFlag = { traces: '--traces', logs: '--logs', metrics: '--metrics' }[signal];
  const args = [signal, '--otlp-endpoint', endpoint, '--otlp-insecure', countFlag, String(opts.count), '--workers', String(opts.workers ?? 1), '--rate', '0', ...(opts.http ? ['--otlp-http'] : []), ...(opts.extra ?? [])];
  const { stdout, stderr } = await execFileP(bin, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout + stderr;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'install') {
  installTelemetrygen().then((b) => console.log(b), (e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
