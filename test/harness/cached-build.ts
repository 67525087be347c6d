// Servers and tools built or installed once into the shared cache outside the repository
// (Kafka, MinIO, telemetrygen, the Python OTLP decoder, the OpenTelemetry Collector): test
// files run in parallel processes, so one process builds under a lock directory (holding its
// pid) while the others wait for its result; a dead builder's lock is taken over.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export type Log = (line: string) => void;

const stderrLog: Log = (l) => process.stderr.write(`${l}\n`);

export function cacheDir(): string {
  return process.env['ATC_CACHE_DIR'] || join(homedir(), '.cache', 'ai-trace-collector');
}

export interface CachedBuild {
  /** what the install returns: a binary or interpreter path */
  result: string;
  /** a path that exists once the build finished (default: `result`) */
  done?: string;
  /** the lock directory (its parent is created) */
  lock: string;
  /**
   * a lock whose builder process is gone is taken over at once; one older than this too (a
   * builder that hangs, or one of another machine sharing the cache)
   */
  staleMs: number;
  /** how often a waiting process looks again (default 1 s) */
  pollMs?: number;
  /** what is built, for the log and the error: "MinIO v0.0.0-…" */
  name: string;
  /** added to the error when the build fails: "Go >= 1.24 needed" */
  hint?: string;
  /** builds under the lock; `done` must exist once it resolves */
  build(log: Log): Promise<void>;
}

/**
 * An install function for one cached build: resolves at once when the build is cached,
 * otherwise builds it (or waits for another process that does). One build per process at a
 * time; a failed one is tried again on the next call. `spec` is read at the first call, so
 * ATC_CACHE_DIR set before then counts.
 */
export function cachedBuild(spec: () => CachedBuild): (log?: Log) => Promise<string> {
  let installing: Promise<string> | undefined;
  return (log = stderrLog) => {
    if (!installing) {
      installing = buildOnce(spec(), log);
      installing.catch(() => {
        installing = undefined;
      });
    }
    return installing;
  };
}

async function buildOnce(b: CachedBuild, log: Log): Promise<string> {
  const done = b.done ?? b.result;
  if (existsSync(done)) return b.result;
  mkdirSync(dirname(b.lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(b.lock);
      writeFileSync(join(b.lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (existsSync(done)) return b.result;
    if (lockAbandoned(b.lock, b.staleMs)) rmSync(b.lock, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, b.pollMs ?? 1000));
  }
  const t0 = Date.now();
  try {
    // another process may have finished between our look and our lock
    if (existsSync(done)) return b.result;
    await b.build(log);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`building ${b.name} failed${b.hint ? ` (${b.hint})` : ''}: ${e.stderr?.slice(-4000) || e.message}`);
  } finally {
    rmSync(b.lock, { recursive: true, force: true });
  }
  if (!existsSync(done)) throw new Error(`building ${b.name} finished without ${done}`);
  log(`${b.name} built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return b.result;
}

function lockAbandoned(lock: string, staleMs: number): boolean {
  const st = statSync(lock, { throwIfNoEntry: false });
  if (!st) return false;
  if (Date.now() - st.mtimeMs > staleMs) return true;
  let owner = NaN;
  try {
    owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // being created or removed right now
  }
  return Number.isInteger(owner) && owner > 0 && !isAlive(owner);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The environment for `go` builds: module and build caches in the shared cache dir, never in
 * the repository; -modcacherw so that `rm -rf` of the cache works; binaries into `gobin`.
 */
export function goEnv(gobin: string): NodeJS.ProcessEnv {
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

/** `go install module@version` into `gobin`. */
export async function goInstall(module: string, version: string, gobin: string): Promise<void> {
  mkdirSync(gobin, { recursive: true });
  await execFileP('go', ['install', `${module}@${version}`], { env: goEnv(gobin), maxBuffer: 64 * 1024 * 1024 });
}

/**
 * A Go program built with `go install module@version` into the folder of `binary()`
 * (`<cache>/<name>/<version>/bin/<program>`), its lock beside that folder.
 */
export function cachedGoInstall(o: { name: string; module: string; version: string; binary: () => string; hint?: string }): (log?: Log) => Promise<string> {
  return cachedBuild(() => {
    const gobin = dirname(o.binary());
    return {
      name: `${o.name} ${o.version}`,
      ...(o.hint === undefined ? {} : { hint: o.hint }),
      result: o.binary(),
      lock: join(dirname(gobin), 'build.lock'),
      staleMs: 30 * 60_000,
      build: async (log) => {
        log(`building ${o.name} ${o.version} with go install (minutes on a cold cache) into ${gobin}`);
        await goInstall(o.module, o.version, gobin);
      },
    };
  });
}

/** Runs the `install` command of a harness module run as a script: prints the path, or the error and exits 1. */
export function installFromCommandLine(moduleUrl: string, install: () => Promise<string>): void {
  if (process.argv[1] !== fileURLToPath(moduleUrl) || process.argv[2] !== 'install') return;
  install().then(
    (p) => console.log(p),
    (e: Error) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
