// Our own OTLP test peers on loopback: an HTTP server and a gRPC server (grpc-js, pass-through
// bytes) that record every request and answer from a script — throttle with 429/503 and
// Retry-After, RESOURCE_EXHAUSTED with RetryInfo, partial success, or plain success.
import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Signal } from '../../../src/component.js';
import { decompress } from '../../../src/compression/codecs.js';
import { encodeMessage } from '../../../src/otlp/index.js';
import { REJECTED_FIELD, RESPONSE_MESSAGE } from '../../../src/otlp/schema.js';
import { GRPC_METHOD } from '../../../exporters/otlp/otlp-exporter.js';

export interface PeerRequest {
  at: number;
  signal: Signal;
  /** the request body after undoing its content encoding */
  body: Buffer;
  encoding: string | undefined;
  headers: Record<string, string>;
}

export type HttpAnswer =
  | { status: 200; partial?: { rejected: number; message: string } }
  | { status: number; retryAfter?: string; message?: string };

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };

export function partialBody(signal: Signal, rejected: number, message: string): Uint8Array {
  return encodeMessage(RESPONSE_MESSAGE[signal], { partialSuccess: { [REJECTED_FIELD[signal]]: String(rejected), errorMessage: message } });
}

export interface HttpPeer {
  url: string;
  requests: PeerRequest[];
  /** answers for the next requests, in order; then 200 */
  script: HttpAnswer[];
  close(): Promise<void>;
}

export async function startHttpPeer(opts: { tls?: { key: Buffer; cert: Buffer } } = {}): Promise<HttpPeer> {
  const requests: PeerRequest[] = [];
  const script: HttpAnswer[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const signal = PATHS[req.url ?? ''];
      if (!signal) return void res.writeHead(404).end();
      const raw = Buffer.concat(chunks);
      const encoding = req.headers['content-encoding'];
      const body = encoding === 'gzip' ? decompress('gzip', raw) : encoding === 'zstd' ? decompress('zstd', raw) : raw;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      requests.push({ at: Date.now(), signal, body, encoding, headers });
      const a = script.shift() ?? { status: 200 };
      if (a.status === 200) {
        const partial = 'partial' in a ? a.partial : undefined;
        const b = partial ? partialBody(signal, partial.rejected, partial.message) : new Uint8Array(0);
        return void res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': b.length }).end(b);
      }
      const h: Record<string, string | number> = { 'content-type': 'application/x-protobuf' };
      if ('retryAfter' in a && a.retryAfter !== undefined) h['retry-after'] = a.retryAfter;
      const b = encodeMessage('Status_rpc', { code: 14, message: ('message' in a && a.message) || 'throttled by the test peer' });
      res.writeHead(a.status, { ...h, 'content-length': b.length }).end(b);
    });
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    script,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export type GrpcAnswer =
  | { code: 0; partial?: { rejected: number; message: string } }
  | { code: number; message?: string; retryDelayMs?: number };

export interface GrpcPeer {
  endpoint: string;
  requests: PeerRequest[];
  script: GrpcAnswer[];
  close(): Promise<void>;
}

/** google.rpc.Status with one google.rpc.RetryInfo detail, as grpc-status-details-bin. */
function retryInfoStatus(code: number, message: string, delayMs: number): Buffer {
  const seconds = Math.floor(delayMs / 1000);
  const nanos = (delayMs % 1000) * 1e6;
  // RetryInfo { retry_delay(1): Duration { seconds(1), nanos(2) } }, hand-encoded
  const duration = Buffer.from([...varint(0x08, seconds), ...(nanos ? varint(0x10, nanos) : [])]);
  const retryInfo = Buffer.concat([Buffer.from([0x0a, duration.length]), duration]);
  return Buffer.from(encodeMessage('Status_rpc', { code, message, details: [{ typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', value: retryInfo.toString('base64') }] }));
}

function varint(tag: number, v: number): number[] {
  const out = [tag];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

export async function startGrpcPeer(): Promise<GrpcPeer> {
  const requests: PeerRequest[] = [];
  const script: GrpcAnswer[] = [];
  const server = new grpc.Server();
  const pass = (b: Buffer): Buffer => b;
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    const def: grpc.ServiceDefinition = {
      Export: { path: GRPC_METHOD[signal], requestStream: false, responseStream: false, requestSerialize: pass, requestDeserialize: pass, responseSerialize: pass, responseDeserialize: pass },
    };
    server.addService(def, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = String(v);
        requests.push({ at: Date.now(), signal, body: call.request, encoding: headers['grpc-encoding'], headers });
        const a = script.shift() ?? { code: 0 };
        if (a.code === 0) {
          const partial = 'partial' in a ? a.partial : undefined;
          return cb(null, Buffer.from(partial ? partialBody(signal, partial.rejected, partial.message) : new Uint8Array(0)));
        }
        const md = new grpc.Metadata();
        const msg = ('message' in a && a.message) || 'refused by the test peer';
        if ('retryDelayMs' in a && a.retryDelayMs !== undefined) md.set('grpc-status-details-bin', retryInfoStatus(a.code, msg, a.retryDelayMs));
        cb({ code: a.code, details: msg, metadata: md });
      },
    });
  }
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return {
    endpoint: `127.0.0.1:${port}`,
    requests,
    script,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
