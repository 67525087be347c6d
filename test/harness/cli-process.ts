// Runs the built CLI as a child process, the way users run it.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../main.js', import.meta.url));

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, cwd: opts.cwd, env: { ...process.env, ...opts.env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface RunningCollector {
  child: ChildProcess;
  otlpUrl: string;
  /** the OTLP receiver's gRPC port, when it has one */
  grpcPort?: number;
  telemetryUrl: string;
  exited: Promise<number | null>;
  logs: () => string;
}

/**
 * Starts `run` with IPC; resolves when the collector reports its bound ports. `execPath`: the
 * node binary to run it with (default: the one running the tests).
 */
export async function spawnCollector(args: string[], env: NodeJS.ProcessEnv = {}, execPath = process.execPath): Promise<RunningCollector> {
  const child = fork(CLI, ['run', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execPath });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = await new Promise<{ telemetry?: { port: number }; receivers: Record<string, { http?: { port: number }; grpc?: { port: number } }> }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`collector did not start:\n${out}`)), 30_000);
    child.on('message', (m: { type: string }) => {
      if (m.type === 'ready') {
        clearTimeout(t);
        resolve(m as never);
      }
    });
    void exited.then((code) => reject(new Error(`collector exited with ${code}:\n${out}`)));
  });
  return {
    child,
    otlpUrl: `http://127.0.0.1:${ready.receivers['otlp']?.http?.port}`,
    ...(ready.receivers['otlp']?.grpc ? { grpcPort: ready.receivers['otlp'].grpc.port } : {}),
    telemetryUrl: `http://127.0.0.1:${ready.telemetry?.port}`,
    exited,
    logs: () => out,
  };
}
