// OTLP/HTTP load generator, run as its own process so it does not share the collector's
// event loop: sends one pre-encoded request body at a fixed concurrency for a duration and
// reports requests, spans, status counts and latency percentiles as JSON on stdout.
import { Agent, request } from 'node:http';
import { spanRequest } from './otlp-fixtures.js';

const [url, concurrencyArg, secondsArg, spansArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 16);
const seconds = Number(secondsArg ?? 5);
const spansPerRequest = Number(spansArg ?? 100);
const target = new URL(url ?? 'http://127.0.0.1:4318/v1/traces');
// Distinct bodies (own ids and values), rotated, so that compression sees realistic data
// rather than one request repeated.
const bodies = Array.from({ length: 64 }, (_, i) => Buffer.from(spanRequest(spansPerRequest, i)));
let nextBody = 0;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

const latencies: number[] = [];
const statuses: Record<string, number> = {};
let stop = false;

function once(): Promise<void> {
  const body = bodies[nextBody++ % bodies.length]!;
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
      },
    );
    req.on('error', () => {
      statuses['error'] = (statuses['error'] ?? 0) + 1;
      resolve();
    });
    req.end(body);
  });
}

async function worker(): Promise<void> {
  while (!stop) await once();
}

const started = Date.now();
setTimeout(() => (stop = true), seconds * 1000);
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsed = (Date.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
const ok = statuses['200'] ?? 0;
process.stdout.write(
  JSON.stringify({ requests: latencies.length, okRequests: ok, spans: ok * spansPerRequest, elapsed, spansPerSec: (ok * spansPerRequest) / elapsed, p50: pct(0.5), p99: pct(0.99), statuses, bodyBytes: bodies[0]!.length }) + '\n',
);
agent.destroy();
