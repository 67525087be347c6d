// OTLP/gRPC load generator in its own process: raw protobuf bodies through a grpc-js client
// with pass-through serializers, fixed concurrency, for a duration; JSON result on stdout.
import { credentials, makeGenericClientConstructor, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { spanRequest } from './otlp-fixtures.js';

const [target, concurrencyArg, secondsArg, spansArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 16);
const seconds = Number(secondsArg ?? 5);
const spansPerRequest = Number(spansArg ?? 100);
const identity = (b: Buffer): Buffer => b;
const Ctor = makeGenericClientConstructor(
  { Export: { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
  'TraceService',
);
const client = new Ctor(target ?? '127.0.0.1:4317', credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 }) as unknown as Client & {
  Export(b: Buffer, md: Metadata, cb: (e: ServiceError | null) => void): void;
};
const bodies = Array.from({ length: 64 }, (_, i) => Buffer.from(spanRequest(spansPerRequest, i)));
let next = 0;
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let stop = false;

async function worker(): Promise<void> {
  while (!stop) {
    const body = bodies[next++ % bodies.length]!;
    const t0 = process.hrtime.bigint();
    const code = await new Promise<number>((resolve) => client.Export(body, new Metadata(), (e) => resolve(e ? e.code : 0)));
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    statuses[code] = (statuses[code] ?? 0) + 1;
  }
}

const started = Date.now();
setTimeout(() => (stop = true), seconds * 1000);
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsed = (Date.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
const ok = statuses['0'] ?? 0;
process.stdout.write(JSON.stringify({ requests: latencies.length, spans: ok * spansPerRequest, spansPerSec: (ok * spansPerRequest) / elapsed, p50: pct(0.5), p99: pct(0.99), statuses, bodyBytes: bodies[0]!.length }) + '\n');
client.close();
