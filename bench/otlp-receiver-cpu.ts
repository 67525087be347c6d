// The OTLP receivers' own CPU per request, without the pipeline: the gRPC server and the HTTP
// receiver in this process with a consumer that accepts at once (the scan still runs), each
// loaded by its generator in another process (16 concurrent 100-span requests). Alternates
// gRPC and HTTP so that a shared machine's load falls on both. An optional build directory
// takes the gRPC server from there (a build of an earlier commit, for before/after):
//   node dist/bench/otlp-receiver-cpu.js [seconds] [rounds] [other-dist]
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { Consumer, CreateContext } from '../src/component.js';
import { DEFAULT_GRPC, DEFAULT_HTTP } from '../receivers/otlp/config.js';
import { OtlpReceiver } from '../receivers/otlp/otlp-receiver.js';
import { HealthRegistry } from '../src/telemetry/health.js';
import { PromMetrics } from '../src/telemetry/registry.js';
import { printTable } from './table.js';

const [secondsArg, roundsArg, otherDist] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 4);
const rounds = Number(roundsArg ?? 2);
const gen = (name: string): string => fileURLToPath(new URL(`./${name}.js`, import.meta.url));

const consumer: Consumer = { signals: new Set(['traces'] as const), consume: () => Promise.resolve({ status: 'accepted' }) };
const ctx = (): CreateContext => ({ id: 'otlp', logger: pino({ level: 'silent' }), metrics: new PromMetrics({ processMetrics: false }), health: new HealthRegistry().scope('receiver') });

interface Server {
  start(): Promise<number>;
  shutdown(): Promise<void>;
}

async function measure(generator: string, target: (port: number) => string, server: Server): Promise<{ requests: number; usPerRequest: number }> {
  const port = await server.start();
  const c0 = process.cpuUsage();
  const out = await new Promise<string>((resolve, reject) => execFile(process.execPath, [gen(generator), target(port), '16', String(seconds), '100'], (e, so) => (e ? reject(e) : resolve(so))));
  const c = process.cpuUsage(c0);
  await server.shutdown();
  const { requests } = JSON.parse(out) as { requests: number };
  return { requests, usPerRequest: (c.user + c.system) / requests };
}

const grpcModule = otherDist ? `${otherDist}/receivers/otlp/grpc-server.js` : '../receivers/otlp/grpc-server.js';
const { OtlpGrpcServer } = (await import(grpcModule)) as typeof import('../receivers/otlp/grpc-server.js');
const rows: Record<string, string | number>[] = [];
for (let r = 1; r <= rounds; r++) {
  const g = await measure('grpc-load-generator', (p) => `127.0.0.1:${p}`, new OtlpGrpcServer({ ...DEFAULT_GRPC, endpoint: '127.0.0.1:0' }, consumer, ctx()));
  const receiver = new OtlpReceiver({ http: { ...DEFAULT_HTTP, endpoint: '127.0.0.1:0' } }, consumer, ctx());
  const h = await measure('load-generator', (p) => `http://127.0.0.1:${p}/v1/traces`, {
    start: async () => (await receiver.start(), receiver.httpAddress()!.port),
    shutdown: () => receiver.shutdown(),
  });
  rows.push({ round: r, 'gRPC requests': g.requests, 'gRPC CPU µs/request': g.usPerRequest, 'HTTP requests': h.requests, 'HTTP CPU µs/request': h.usPerRequest, 'gRPC ÷ HTTP': g.usPerRequest / h.usPerRequest });
}
printTable(`OTLP receivers alone (accept at once), CPU per 100-span request, ${seconds}s per run${otherDist ? `, gRPC server from ${otherDist}` : ''}`, rows);
process.exit(0);
