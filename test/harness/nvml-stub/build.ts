// Builds the NVML stub (nvml-stub.c) with the system C compiler into a cache directory outside
// the repository, once per source version, and writes scenario files for it. Tests load the
// result through the NVML receiver's real koffi path, as they would libnvidia-ml.so.1.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/test/harness/nvml-stub/ or test/harness/nvml-stub/. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('repository root not found above ' + fileURLToPath(import.meta.url));
}

export const STUB_SOURCE = join(repoRoot(), 'test', 'harness', 'nvml-stub', 'nvml-stub.c');

export function cacheDir(): string {
  return join(process.env['ATC_CACHE_DIR'] ?? join(homedir(), '.cache', 'ai-trace-collector'), 'nvml-stub');
}

/**
 * Returns the path of the compiled stub (named libnvidia-ml.so.1 like the real library),
 * compiling it when the source or flags changed. `legacy` leaves out the versioned symbols.
 */
export function buildNvmlStub(opts: { legacy?: boolean } = {}): string {
  const src = readFileSync(STUB_SOURCE);
  const flags = ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-pthread', '-fvisibility=hidden'];
  if (opts.legacy) flags.push('-DNVML_STUB_LEGACY');
  const hash = createHash('sha256').update(src).update(flags.join(' ')).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), hash);
  const out = join(dir, 'libnvidia-ml.so.1');
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync(process.env['CC'] ?? 'cc', [...flags, '-o', tmp, STUB_SOURCE], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    renameSync(tmp, out); // atomic: concurrent test files may build the same stub
  } catch (e) {
    rmSync(tmp, { force: true });
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`compiling the NVML stub failed: ${(err.stderr?.toString() || err.message).slice(0, 4000)}`);
  }
  return out;
}

export interface StubDevice {
  uuid?: string;
  name?: string;
  utilization?: [gpu: number, memory: number];
  memory?: { total: number; free: number; used: number };
  temperature?: number;
  powerMw?: number;
  clocks?: Partial<Record<'graphics' | 'sm' | 'mem' | 'video', number>>;
  clocksEventReasons?: number;
  processes?: { pid: number; usedBytes: number }[];
  supportedEvents?: number;
  /** call → NVML return code name (NOT_SUPPORTED, GPU_IS_LOST, ...); '*' for every call */
  errors?: Record<string, string>;
}

export interface StubEvent {
  id: number;
  device: number;
  type: 'xid' | 'ecc_single' | 'ecc_double' | 'pstate' | 'clock' | 'power_source' | 'unavailable' | number;
  data?: number;
}

export interface StubScenario {
  initError?: string;
  driverVersion?: string;
  devices: StubDevice[];
  events?: StubEvent[];
}

export function scenarioText(s: StubScenario): string {
  const lines: string[] = [];
  if (s.initError) lines.push(`init_error ${s.initError}`);
  if (s.driverVersion) lines.push(`driver_version ${s.driverVersion}`);
  lines.push(`devices ${s.devices.length}`);
  s.devices.forEach((d, i) => {
    if (d.uuid) lines.push(`uuid ${i} ${d.uuid}`);
    if (d.name) lines.push(`name ${i} ${d.name}`);
    if (d.utilization) lines.push(`utilization ${i} ${d.utilization[0]} ${d.utilization[1]}`);
    if (d.memory) lines.push(`memory ${i} ${d.memory.total} ${d.memory.free} ${d.memory.used}`);
    if (d.temperature !== undefined) lines.push(`temperature ${i} ${d.temperature}`);
    if (d.powerMw !== undefined) lines.push(`power ${i} ${d.powerMw}`);
    for (const [k, v] of Object.entries(d.clocks ?? {})) lines.push(`clock ${i} ${k} ${v}`);
    if (d.clocksEventReasons !== undefined) lines.push(`clocks_event_reasons ${i} 0x${d.clocksEventReasons.toString(16)}`);
    for (const p of d.processes ?? []) lines.push(`process ${i} ${p.pid} ${p.usedBytes}`);
    if (d.supportedEvents !== undefined) lines.push(`supported_events ${i} 0x${d.supportedEvents.toString(16)}`);
    for (const [call, code] of Object.entries(d.errors ?? {})) lines.push(`error ${i} ${call} ${code}`);
  });
  for (const e of s.events ?? []) lines.push(`event ${e.id} ${e.device} ${e.type} ${e.data ?? 0}`);
  return lines.join('\n') + '\n';
}

/** Writes the scenario atomically (write + rename), so the stub never reads half a file. */
export function writeScenario(path: string, s: StubScenario): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, scenarioText(s));
  renameSync(tmp, path);
}
