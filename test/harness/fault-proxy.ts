// A loopback HTTP proxy that injects faults in front of a real server: 503 SlowDown answers,
// connection resets and slow responses, each on a share of requests (deterministic cycle).
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultPlan {
  /** per 10 requests: how many get each fault (the rest pass through) */
  slowDown: number;
  reset: number;
  slow: number;
  slowMs: number;
}

export interface FaultProxy {
  url: string;
  counts: Record<'pass' | 'slowDown' | 'reset' | 'slow', number>;
  setPlan(p: FaultPlan): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, plan: FaultPlan): Promise<FaultProxy> {
  const t = new URL(target);
  let current = plan;
  let n = 0;
  const counts = { pass: 0, slowDown: 0, reset: 0, slow: 0 };
  const server: Server = createServer((req, res) => {
    const slot = n++ % 10;
    const p = current;
    if (slot < p.slowDown) {
      counts.slowDown++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml', 'retry-after': '1' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    if (slot < p.slowDown + p.reset) {
      counts.reset++;
      req.socket.destroy();
      return;
    }
    const slow = slot < p.slowDown + p.reset + p.slow;
    if (slow) counts.slow++;
    else counts.pass++;
    const forward = (): void => {
      const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (slow) setTimeout(forward, p.slowMs);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    setPlan: (p) => (current = p),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
