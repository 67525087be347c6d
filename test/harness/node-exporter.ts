// A real node-exporter for tests: Debian's prometheus-node-exporter, installed with apt-get
// when missing (as root, so CI on a fresh machine does it), started on a free loopback port.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const NODE_EXPORTER_BIN = '/usr/bin/prometheus-node-exporter';

export function installNodeExporter(): string {
  if (existsSync(NODE_EXPORTER_BIN)) return NODE_EXPORTER_BIN;
  if (process.getuid?.() !== 0) throw new Error(`${NODE_EXPORTER_BIN} missing; install the Debian package prometheus-node-exporter (needs root)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus-node-exporter'], { env, stdio: 'pipe', timeout: 300_000 });
  } catch {
    execFileSync('apt-get', ['update'], { env, stdio: 'pipe', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus-node-exporter'], { env, stdio: 'pipe', timeout: 300_000 });
  }
  return NODE_EXPORTER_BIN;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export interface NodeExporter {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startNodeExporter(): Promise<NodeExporter> {
  const bin = installNodeExporter();
  const port = await freePort();
  const child: ChildProcess = spawn(bin, [`--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}/metrics`;
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node-exporter exited: ${stderr}`);
    try {
      const r = await fetch(url);
      if (r.ok) {
        await r.arrayBuffer();
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > 15_000) {
      child.kill('SIGKILL');
      throw new Error(`node-exporter not ready after 15 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const exitHook = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', exitHook);
  return {
    url,
    port,
    stop: async () => {
      process.off('exit', exitHook);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
