// The side-by-side load generator, run as its own process (pinned to its own core):
// replays pre-encoded 100-span requests with fresh ids over keep-alive connections, flat out
// or at a fixed rate, and records which requests the collector acknowledged.
//   node dist/bench/side-by-side/load-generator.js --target http://127.0.0.1:4318/v1/traces \
//     --connections 64 --seconds 10 [--rate 500] [--grpc] --key <hex> --nonce <n> --acked <file>
// Prints one JSON line of results; writes acked[seq] (1 = acknowledged, 2 = refused or failed)
// to the --acked file for the delivery count.
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:http2';
import { parseArgs } from 'node:util';
import { credentials, makeGenericClientConstructor, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { frameMessage } from '../../receivers/otlp/grpc-wire.js';
import { RequestFactory } from './fixture.js';

const { values: a } = parseArgs({
  options: {
    target: { type: 'string' },
    connections: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '0' },
    spans: { type: 'string', default: '100' },
    grpc: { type: 'boolean', default: false },
    key: { type: 'string' },
    nonce: { type: 'string' },
    acked: { type: 'string' },
    'max-requests': { type: 'string', default: '2000000' },
  },
});
const connections = Number(a.connections);
const seconds = Number(a.seconds);
const rate = Number(a.rate);
const spans = Number(a.spans);
const maxRequests = Number(a['max-requests']);
const key = Buffer.from(a.key ?? '', 'hex');
const nonce = Number(a.nonce);
if (!a.target || key.length !== 16 || !Number.isFinite(nonce)) throw new Error('--target, --key (32 hex digits) and --nonce are required');
const factories = Array.from({ length: 8 }, (_, v) => new RequestFactory(spans, v, key, nonce));
const acked = new Uint8Array(maxRequests);
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let nextSeq = 0;

type Send = (body: Buffer) => Promise<string>;

function httpSender(): { send: Send; close(): void } {
  const u = new URL(a.target!);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const send: Send = (body) =>
    new Promise((resolve) => {
      const req = request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
          res.on('error', () => resolve('error'));
        },
      );
      req.on('error', () => resolve('error'));
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** grpc-js's own client (ATC_BENCH_GRPC_CLIENT=grpc-js): it saturates its core at 130–160k spans/s, before ours does */
function grpcJsSender(): { send: Send; close(): void } {
  const identity = (b: Buffer): Buffer => b;
  const Ctor = makeGenericClientConstructor(
    { Export: { path: EXPORT_PATH, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    'TraceService',
  );
  type ExportClient = Client & { Export(b: Buffer, md: Metadata, cb: (e: ServiceError | null) => void): void };
  const client = new Ctor(a.target!, credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 }) as unknown as ExportClient;
  const send: Send = (body) => new Promise((resolve) => client.Export(body, new Metadata(), (e) => resolve(e ? `grpc-${e.code}` : '200')));
  return { send, close: () => client.close() };
}

/**
 * Unary gRPC calls on node:http2 directly, as a channel does on the wire: one connection, a
 * stream per call (HEADERS, one length-prefixed message, END_STREAM), grpc-status from the
 * trailers (or from a trailers-only response). A tenth of grpc-js's CPU per call.
 */
function http2Sender(): { send: Send; close(): void } {
  const session = connect(`http://${a.target!}`, { settings: { initialWindowSize: 1 << 20 } });
  session.on('error', () => {});
  const send: Send = (body) =>
    new Promise((resolve) => {
      let status: string | undefined;
      const req = session.request({ ':method': 'POST', ':path': EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers' });
      req.on('response', (h) => {
        if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
      });
      req.on('trailers', (t) => {
        if (t['grpc-status'] !== undefined) status = String(t['grpc-status']);
      });
      req.on('data', () => {});
      req.on('end', () => resolve(status === '0' ? '200' : `grpc-${status ?? 'none'}`));
      req.on('error', () => resolve('error'));
      // prefix and message in one write, as grpc-js makes it (a prefix written alone would be a
      // DATA frame of its own)
      req.end(frameMessage(body));
    });
  return { send, close: () => session.close() };
}

const grpcSender = (): { send: Send; close(): void } => (process.env['ATC_BENCH_GRPC_CLIENT'] === 'grpc-js' ? grpcJsSender() : http2Sender());

const sender = a.grpc ? grpcSender() : httpSender();
const started = performance.now();
// the generator's own CPU over the run (the cores bench shares a core between it and ours)
const cpuAtStart = process.cpuUsage();
const end = started + seconds * 1000;

async function worker(w: number): Promise<void> {
  const f = factories[w % factories.length]!;
  const body = Buffer.alloc(f.template.length);
  for (;;) {
    const seq = nextSeq;
    if (seq >= maxRequests) return;
    // At a fixed rate request `seq` is due at its slot; latency counts from the slot, so a
    // collector that falls behind shows it (no coordinated omission).
    const due = rate > 0 ? started + (seq * 1000) / rate : performance.now();
    if (due >= end) return;
    nextSeq++;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    f.fill(body, seq);
    const status = await sender.send(body);
    latencies.push(performance.now() - due);
    statuses[status] = (statuses[status] ?? 0) + 1;
    acked[seq] = status === '200' ? 1 : 2;
  }
}

await Promise.all(Array.from({ length: connections }, (_, w) => worker(w)));
const elapsed = (performance.now() - started) / 1000;
sender.close();
latencies.sort((x, y) => x - y);
const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
const okRequests = statuses['200'] ?? 0;
if (a.acked) writeFileSync(a.acked, acked.subarray(0, nextSeq));
process.stdout.write(
  JSON.stringify({
    requests: nextSeq,
    okRequests,
    spansAcked: okRequests * spans,
    elapsed,
    spansPerSec: (okRequests * spans) / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    max: latencies[latencies.length - 1] ?? 0,
    statuses,
    bodyBytes: factories[0]!.template.length,
    cpuSeconds: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(cpuAtStart)),
  }) + '\n',
);
