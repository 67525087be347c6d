// Go's telemetrygen (opentelemetry-collector-contrib), built once with `go install` at a
// pinned version into the shared cache outside the repository, for interop tests and
// benchmarks.   node dist/test/harness/telemetrygen.js install
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheDir, cachedGoInstall, installFromCommandLine } from './cached-build.js';

const execFileP = promisify(execFile);

export const TELEMETRYGEN_VERSION = 'v0.161.0';
const MODULE = 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen';

export function telemetrygenPath(): string {
  return join(cacheDir(), 'telemetrygen', TELEMETRYGEN_VERSION, 'bin', 'telemetrygen');
}

/** Builds telemetrygen with `go install` unless the pinned binary is already cached; returns its path. */
export const installTelemetrygen = cachedGoInstall({ name: 'telemetrygen', module: MODULE, version: TELEMETRYGEN_VERSION, binary: telemetrygenPath });

/** Runs `telemetrygen <signal> …` to completion; returns its output. */
export async function runTelemetrygen(signal: 'traces' | 'logs' | 'metrics', endpoint: string, opts: { http?: boolean; count: number; workers?: number; extra?: string[]; timeoutMs?: number }): Promise<string> {
  const bin = await installTelemetrygen();
  const countFlag = { traces: '--traces', logs: '--logs', metrics: '--metrics' }[signal];
  const args = [signal, '--otlp-endpoint', endpoint, '--otlp-insecure', countFlag, String(opts.count), '--workers', String(opts.workers ?? 1), '--rate', '0', ...(opts.http ? ['--otlp-http'] : []), ...(opts.extra ?? [])];
  const { stdout, stderr } = await execFileP(bin, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout + stderr;
}

installFromCommandLine(import.meta.url, installTelemetrygen);
