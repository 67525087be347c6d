// A real S3 server for tests and benchmarks: MinIO built from the Go module proxy at a pinned
// commit (the repository is archived, so no release tag will move under us), cached outside
// the repository, started on a free loopback port with a temporary data directory.
//
//   node dist/test/harness/minio.js install   # build once (≈5 min cold on 2 cores)
//   node dist/test/harness/minio.js run       # start one and print its endpoint until ^C
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { cacheDir, cachedGoInstall } from './cached-build.js';

/** Last commit of github.com/minio/minio on the module proxy (2026-02-12), go 1.24, no replace directives. */
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';
const MINIO_MODULE = 'github.com/minio/minio';

export function minioBinaryPath(): string {
  return join(cacheDir(), 'minio', MINIO_VERSION, 'bin', 'minio');
}

/** Builds MinIO with `go install` unless the pinned binary is already cached; returns its path. */
export const installMinio = cachedGoInstall({ name: 'MinIO', module: MINIO_MODULE, version: MINIO_VERSION, binary: minioBinaryPath, hint: 'Go >= 1.24 needed' });

export interface MinioServer {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly port: number;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  readonly dataDir: string;
  /** a client with the root credentials and path-style addressing */
  readonly client: S3Client;
  /** Stop the server (SIGTERM, then SIGKILL); data and port are kept for start(). */
  stop(): Promise<void>;
  /** (Re)start on the same port with the same data directory; resolves when ready. */
  start(): Promise<void>;
  createBucket(name: string): Promise<void>;
  /** Stop and delete the data directory. Safe to call twice and after a failed start. */
  close(): Promise<void>;
}

export interface StartMinioOptions {
  accessKey?: string;
  secretKey?: string;
  /** ms to wait for readiness */
  readyTimeoutMs?: number;
  /** a file for the server's output (default: `<dataDir>.log`) */
  logFile?: string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test that crashes must not leave a server behind.
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  srv.close();
  await once(srv, 'close');
  return port;
}

export async function startMinio(opts: StartMinioOptions = {}): Promise<MinioServer> {
  const bin = await installMinio();
  installExitHook();
  const accessKey = opts.accessKey ?? 'atc-test-access';
  const secretKey = opts.secretKey ?? 'atc-test-secret-key';
  const region = 'us-east-1';
  const dataDir = mkdtempSync(join(tmpdir(), 'atc-minio-'));
  const logPath = opts.logFile ?? `${dataDir}.log`;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let logStream: WriteStream | undefined;
  let exitInfo = '';

  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
  });

  let closed = false;
  let keepLog = false;

  async function start(): Promise<void> {
    // A restart scheduled by a test that already failed must not outlive close().
    if (closed) throw new Error('MinIO server already closed');
    if (child) return;
    logStream ??= createWriteStream(logPath, { flags: 'a' });
    const c = spawn(bin, ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${await freePort()}`, '--quiet'], {
      env: {
        ...process.env,
        MINIO_ROOT_USER: accessKey,
        MINIO_ROOT_PASSWORD: secretKey,
        MINIO_REGION: region,
        MINIO_BROWSER: 'off',
        MINIO_UPDATE: 'off',
        // No phoning home and no scanner load during short test runs.
        MINIO_CALLHOME_ENABLE: 'off',
        MINIO_SCANNER_SPEED: 'slowest',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    live.add(c);
    exitInfo = '';
    c.stdout?.pipe(logStream, { end: false });
    c.stderr?.pipe(logStream, { end: false });
    c.on('exit', (code, sig) => {
      live.delete(c);
      exitInfo = `exited with ${sig ?? code}`;
      if (child === c) child = undefined;
    });
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (!child) {
        keepLog = true;
        throw new Error(`MinIO ${exitInfo} before it was ready; see ${logPath}`);
      }
      try {
        const res = await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        keepLog = true;
        await stop();
        throw new Error(`MinIO not ready on ${endpoint} after ${readyTimeoutMs} ms; see ${logPath}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function stop(): Promise<void> {
    const c = child;
    if (!c) return;
    child = undefined;
    if (c.exitCode === null && c.signalCode === null) {
      const exited = once(c, 'exit');
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    live.delete(c);
  }

  async function close(): Promise<void> {
    closed = true;
    await stop();
    client.destroy();
    logStream?.end();
    rmSync(dataDir, { recursive: true, force: true });
    if (!keepLog && !opts.logFile) rmSync(logPath, { force: true });
  }

  async function createBucket(name: string): Promise<void> {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  }

  try {
    await start();
  } catch (err) {
    await close();
    throw err;
  }
  return { endpoint, port, accessKey, secretKey, region, dataDir, client, stop, start, createBucket, close };
}

// CLI: `install` builds (for .ci/run, before the tests), `run` starts one for manual use.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cmd = process.argv[2] ?? 'install';
  if (cmd === 'install') {
    const t0 = Date.now();
    const bin = await installMinio();
    console.log(`${bin} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } else if (cmd === 'run') {
    const t0 = Date.now();
    const m = await startMinio();
    console.log(`MinIO ready in ${Date.now() - t0} ms: endpoint=${m.endpoint} access=${m.accessKey} secret=${m.secretKey} data=${m.dataDir}`);
    const bye = (): void => void m.close().then(() => process.exit(0));
    process.on('SIGINT', bye);
    process.on('SIGTERM', bye);
  } else {
    console.error('usage: minio.js install|run');
    process.exit(2);
  }
}
