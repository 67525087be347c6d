// The OTLP/gRPC server at the HTTP/2 level: hand-built calls from a node:http2 client (declared
// lengths over the limit, truncated and doubled messages, wrong flag bytes, trailers-only
// errors, cancels mid-body, slow bodies, grpc-timeout), garbage on the socket, many streams,
// and a grpc-js client with gzip. Expectations come from what the test sent.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect, constants as h2, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { status as Status } from '@grpc/grpc-js';
import { DEFAULT_GRPC } from '../../../receivers/otlp/config.js';
import { DEFAULT_GRPC_LIMITS, GRPC_SERVICES, OtlpGrpcServer, type GrpcServerLimits } from '../../../receivers/otlp/grpc-server.js';
import { DEFAULT_BUFFER } from '../../../src/config/collector-config.js';
import { encodeRequest } from '../../../src/otlp/index.js';
import { RingConsumer } from '../../../src/pipeline/ring-consumer.js';
import { Ring } from '../../../src/ring/ring.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { PromMetrics } from '../../../src/telemetry/registry.js';
import { exportRaw, rawClient } from './grpc-helpers.js';

const TRACES = GRPC_SERVICES.traces.path;
const LIMIT = 64 * 1024;
const SPANS = 7;
const request = Buffer.from(encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: SPANS }, (_, i) => ({ name: `h2-span-${i}` })) }] }] }));

function prefix(length: number, flag = 0): Buffer {
  const b = Buffer.alloc(5);
  b[0] = flag;
  b.writeUInt32BE(length, 1);
  return b;
}
const framed = (body: Buffer, flag = 0): Buffer => Buffer.concat([prefix(body.length, flag), body]);

interface Env {
  server: OtlpGrpcServer;
  port: number;
  ring: Ring;
  metrics: PromMetrics;
}

async function withServer(fn: (env: Env) => Promise<void>, opts: { limits?: Partial<GrpcServerLimits>; ringBytes?: number; blockTimeoutMs?: number; maxConcurrentStreams?: number } = {}): Promise<void> {
  const ring = Ring.create(opts.ringBytes ?? 1 << 20);
  const metrics = new PromMetrics({ processMetrics: false });
  const consumer = new RingConsumer(ring, 0, new Set(['traces'] as const), { ...DEFAULT_BUFFER, whenFull: 'block', blockTimeoutMs: opts.blockTimeoutMs ?? 50 }, metrics);
  const cfg = { ...DEFAULT_GRPC, endpoint: '127.0.0.1:0', maxRecvMsgSize: LIMIT, maxConcurrentStreams: opts.maxConcurrentStreams ?? DEFAULT_GRPC.maxConcurrentStreams };
  const server = new OtlpGrpcServer(cfg, consumer, { id: 'otlp', logger: pino({ level: 'silent' }), metrics, health: new HealthRegistry().scope('receiver') }, { ...DEFAULT_GRPC_LIMITS, ...opts.limits });
  const port = await server.start();
  try {
    await fn({ server, port, ring, metrics });
  } finally {
    await server.shutdown();
  }
}

interface Answer {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders | undefined;
  data: Buffer;
  /** grpc-status from the trailers, or from the headers of a trailers-only answer */
  status: number | undefined;
  rstCode: number | undefined;
}

/** One call: headers, then `chunks` written one by one (with `gapMs` between), END_STREAM when `end`. */
function call(session: ClientHttp2Session, chunks: Buffer[], opts: { path?: string; headers?: Record<string, string>; end?: boolean; gapMs?: number; cancelAfterMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const req = session.request({ ':method': 'POST', ':path': opts.path ?? TRACES, 'content-type': 'application/grpc', te: 'trailers', ...opts.headers });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    const data: Buffer[] = [];
    req.on('response', (h) => (headers = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (c: Buffer) => data.push(c));
    req.on('error', () => {});
    req.on('close', () => {
      const s = trailers?.['grpc-status'] ?? headers['grpc-status'];
      resolve({ headers, trailers, data: Buffer.concat(data), status: s === undefined ? undefined : Number(s), rstCode: req.rstCode });
    });
    void (async () => {
      for (const c of chunks) {
        if (req.closed) return;
        req.write(c);
        if (opts.gapMs) await sleep(opts.gapMs);
      }
      if (opts.cancelAfterMs !== undefined) {
        await sleep(opts.cancelAfterMs);
        req.close(h2.NGHTTP2_CANCEL);
      } else if (opts.end !== false && !req.closed) req.end();
    })();
  });
}

/** An HTTP/2 frame: 3-byte length, type, flags, stream id (RFC 9113 §4.1). */
function h2Frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

/** HPACK "literal header field without indexing, new name", no Huffman (RFC 7541 §6.2.2); short strings only. */
function hpackLiterals(headers: Record<string, string>): Buffer {
  const out: number[] = [];
  for (const [k, v] of Object.entries(headers)) out.push(0, k.length, ...Buffer.from(k), v.length, ...Buffer.from(v));
  return Buffer.from(out);
}

async function session(port: number, fn: (s: ClientHttp2Session) => Promise<void>): Promise<void> {
  const s = connect(`http://127.0.0.1:${port}`);
  s.on('error', () => {});
  try {
    await fn(s);
  } finally {
    s.close();
  }
}

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const spansInRing = (ring: Ring): number => {
  let n = 0;
  ring.drain((r) => void (n += r.items));
  return n;
};

describe('OTLP/gRPC on node:http2: framing and limits', { timeout: 30_000 }, () => {
  test('a well-formed call: headers, one length-prefixed empty response, grpc-status 0 in trailers; the spans reach the ring', async () => {
    await withServer(async ({ port, ring, metrics }) => {
      await session(port, async (s) => {
        // split across DATA frames, prefix included, to exercise reassembly
        const f = framed(request);
        const a = await call(s, [f.subarray(0, 3), f.subarray(3, 20), f.subarray(20)], { gapMs: 5 });
        assert.equal(a.headers[':status'], 200);
        assert.equal(a.headers['content-type'], 'application/grpc');
        assert.equal(a.headers['grpc-accept-encoding'], 'identity,gzip');
        assert.equal(a.trailers?.['grpc-status'], '0');
        assert.deepEqual([...a.data], [0, 0, 0, 0, 0]);
      });
      assert.equal(spansInRing(ring), SPANS);
      assert.equal(await metrics.value('atc_receiver_accepted_spans_total', { transport: 'grpc' }), SPANS);
      assert.equal(await metrics.value('atc_receiver_requests_total', { transport: 'grpc', status: 'OK' }), 1);
    });
  });

  test('declared length over max_recv_msg_size: RESOURCE_EXHAUSTED trailers-only before any body is sent, stream reset', async () => {
    await withServer(async ({ port, server, metrics }) => {
      await session(port, async (s) => {
        const a = await call(s, [prefix(LIMIT + 1)], { end: false });
        assert.equal(a.status, Status.RESOURCE_EXHAUSTED);
        assert.equal(a.trailers, undefined, 'trailers-only');
        assert.equal(a.headers[':status'], 200);
        assert.match(decodeURIComponent(String(a.headers['grpc-message'])), /exceeds max_recv_msg_size/);
        assert.equal(a.rstCode, h2.NGHTTP2_NO_ERROR);
        // a 4 GiB declaration allocates nothing either
        assert.equal((await call(s, [prefix(0xffffffff)], { end: false })).status, Status.RESOURCE_EXHAUSTED);
      });
      await until('calls to finish', () => server.callsInFlight() === 0);
      assert.equal(await metrics.value('atc_receiver_requests_total', { transport: 'grpc', status: 'RESOURCE_EXHAUSTED' }), 2);
    });
  });

  test('truncated message, truncated prefix, no message, two messages, a wrong flag byte, compressed without grpc-encoding: INVALID_ARGUMENT; nothing stored', async () => {
    await withServer(async ({ port, ring, server }) => {
      await session(port, async (s) => {
        const cases: [string, Buffer[], RegExp][] = [
          ['truncated', [prefix(request.length), request.subarray(0, 10)], /truncated request message: 10 of/],
          ['truncated prefix', [Buffer.from([0, 0, 0])], /truncated message prefix/],
          ['no message', [], /no request message/],
          ['two messages', [framed(request), framed(request)], /more than one request message/],
          ['flag 2', [framed(request, 2)], /invalid compressed flag 2/],
          ['flag 1, identity', [framed(request, 1)], /compressed message without grpc-encoding/],
        ];
        for (const [what, chunks, msg] of cases) {
          const a = await call(s, chunks);
          assert.equal(a.status, Status.INVALID_ARGUMENT, what);
          assert.equal(a.trailers, undefined, `${what}: trailers-only`);
          assert.match(decodeURIComponent(String(a.headers['grpc-message'])), msg, what);
        }
      });
      await until('calls to finish', () => server.callsInFlight() === 0);
      assert.equal(spansInRing(ring), 0);
    });
  });

  test('gzip: a compressed message is stored decompressed; a bad gzip is INVALID_ARGUMENT; a bomb over the limit is RESOURCE_EXHAUSTED; zstd is UNIMPLEMENTED with grpc-accept-encoding', async () => {
    await withServer(async ({ port, ring }) => {
      await session(port, async (s) => {
        const gz = { 'grpc-encoding': 'gzip' };
        assert.equal((await call(s, [framed(gzipSync(request), 1)], { headers: gz })).status, Status.OK);
        // flag 0 under grpc-encoding gzip: this message is not compressed
        assert.equal((await call(s, [framed(request, 0)], { headers: gz })).status, Status.OK);
        assert.equal((await call(s, [framed(Buffer.from('not gzip at all'), 1)], { headers: gz })).status, Status.INVALID_ARGUMENT);
        const bomb = gzipSync(Buffer.alloc(LIMIT * 4));
        assert.ok(bomb.length < LIMIT);
        assert.equal((await call(s, [framed(bomb, 1)], { headers: gz })).status, Status.RESOURCE_EXHAUSTED);
        const z = await call(s, [framed(request, 1)], { headers: { 'grpc-encoding': 'zstd' } });
        assert.equal(z.status, Status.UNIMPLEMENTED);
        assert.equal(z.headers['grpc-accept-encoding'], 'identity,gzip');
      });
      assert.equal(spansInRing(ring), 2 * SPANS);
    });
  });

  test('not POST or not application/grpc: HTTP 415; an unknown path: UNIMPLEMENTED trailers-only', async () => {
    await withServer(async ({ port }) => {
      await session(port, async (s) => {
        assert.equal((await call(s, [framed(request)], { headers: { 'content-type': 'application/json' } })).headers[':status'], 415);
        assert.equal((await call(s, [framed(request)], { headers: { 'content-type': 'application/grpc+json' } })).headers[':status'], 415);
        assert.equal((await call(s, [], { headers: { ':method': 'GET' } })).headers[':status'], 415);
        assert.equal((await call(s, [framed(request)], { headers: { 'content-type': 'application/grpc+proto; charset=x' } })).status, Status.OK);
        const u = await call(s, [framed(request)], { path: '/grpc.health.v1.Health/Check' });
        assert.equal(u.status, Status.UNIMPLEMENTED);
        assert.equal(u.trailers, undefined);
        assert.equal(u.data.length, 0);
        assert.equal(decodeURIComponent(String(u.headers['grpc-message'])), 'unknown method /grpc.health.v1.Health/Check');
      });
    });
  });
});

describe('OTLP/gRPC on node:http2: cancels, deadlines, slow and hostile clients, shutdown', { timeout: 30_000 }, () => {
  test('a client cancelling mid-body (hand-built frames: HEADERS, part of the DATA, RST_STREAM CANCEL): cleaned up, nothing stored, counted CANCELLED', async () => {
    await withServer(async ({ port, server, ring, metrics }) => {
      const f = framed(request);
      const sock = tcpConnect(port, '127.0.0.1');
      sock.on('error', () => {});
      sock.resume();
      await new Promise((resolve) => sock.once('connect', resolve));
      sock.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), h2Frame(4, 0, 0, Buffer.alloc(0))]));
      sock.write(h2Frame(1, 0x4, 1, hpackLiterals({ ':method': 'POST', ':scheme': 'http', ':path': TRACES, ':authority': 'x', 'content-type': 'application/grpc' })));
      sock.write(h2Frame(0, 0, 1, f.subarray(0, 30)));
      await until('the call to start', () => server.callsInFlight() === 1);
      sock.write(h2Frame(3, 0, 1, Buffer.from([0, 0, 0, h2.NGHTTP2_CANCEL])));
      await until('the cancelled call to go', () => server.callsInFlight() === 0);
      // the connection is still good: the whole message on a new stream is served
      sock.write(h2Frame(1, 0x4, 3, hpackLiterals({ ':method': 'POST', ':scheme': 'http', ':path': TRACES, ':authority': 'x', 'content-type': 'application/grpc' })));
      sock.write(h2Frame(0, 0x1, 3, f));
      // the answer's headers are HPACK-compressed: read the outcome from the server's counters
      for (let i = 0; i < 300 && (await metrics.value('atc_receiver_requests_total', { transport: 'grpc', status: 'OK' })) === 0; i++) await sleep(10);
      sock.destroy();
      assert.equal(spansInRing(ring), SPANS);
      assert.equal(await metrics.value('atc_receiver_requests_total', { transport: 'grpc', status: 'CANCELLED' }), 1);
      assert.equal(await metrics.value('atc_receiver_requests_total', { transport: 'grpc', status: 'OK' }), 1);
      assert.equal(await metrics.value('atc_receiver_requests_total', { transport: 'grpc', status: 'INVALID_ARGUMENT' }), 0);
    });
  });

  test('a message trickled past the body timeout: DEADLINE_EXCEEDED, stream reset, call cleaned up', async () => {
    await withServer(
      async ({ port, server }) => {
        await session(port, async (s) => {
          const slow = Array.from({ length: 40 }, (_, i) => (i === 0 ? prefix(request.length) : request.subarray(i - 1, i)));
          const t0 = Date.now();
          const a = await call(s, slow, { gapMs: 50 });
          assert.equal(a.status, Status.DEADLINE_EXCEEDED);
          assert.match(decodeURIComponent(String(a.headers['grpc-message'])), /not complete within 300 ms/);
          assert.ok(Date.now() - t0 < 1500, `cut after ${Date.now() - t0} ms`);
          assert.equal(server.callsInFlight(), 0);
          // the sweep outlives a call (it is not made and cleared per call) but stops itself at
          // its next turn once nothing is being received: an idle receiver runs no timer
          for (let i = 0; i < 3; i++) assert.equal((await call(s, [framed(request)])).status, Status.OK);
          await until('the sweep to stop', () => !server.sweeping, 2000);
        });
      },
      { limits: { bodyTimeoutMs: 300 } },
    );
  });

  test('grpc-timeout shorter than the pipeline takes (ring full, blocking): DEADLINE_EXCEEDED at the deadline', async () => {
    await withServer(
      async ({ port, ring }) => {
        while (ring.write(1, 0, 1, new Uint8Array(0)) === 'ok');
        await session(port, async (s) => {
          const t0 = Date.now();
          const a = await call(s, [framed(request)], { headers: { 'grpc-timeout': '150m' } });
          const took = Date.now() - t0;
          assert.equal(a.status, Status.DEADLINE_EXCEEDED);
          assert.ok(took >= 140 && took < 1500, `answered after ${took} ms`);
          // without a deadline the same call waits for block_timeout and is refused as overload
          assert.equal((await call(s, [framed(request)])).status, Status.RESOURCE_EXHAUSTED);
        });
      },
      { blockTimeoutMs: 2000, ringBytes: 8192 },
    );
  });

  test('garbage bytes, a broken frame and many streams on one connection: the server stays up and serves', async () => {
    await withServer(
      async ({ port, ring, server }) => {
        for (const bytes of [Buffer.from('GET / HTTP/1.1\r\nhost: x\r\n\r\n'), Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 4, 0xff, 0, 0, 0, 0, 1, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0])]), Buffer.alloc(100_000, 0xab)]) {
          await new Promise<void>((resolve) => {
            const sock = tcpConnect(port, '127.0.0.1', () => sock.end(bytes));
            sock.on('error', () => resolve());
            sock.on('close', () => resolve());
            sock.resume();
          });
        }
        // 60 streams at once, before the server's SETTINGS (max 4) can arrive: those beyond
        // the limit are refused (REFUSED_STREAM), the rest are served, nothing else happens
        const N = 60;
        let ok = 0;
        await session(port, async (s) => {
          const answers = await Promise.all(Array.from({ length: N }, () => call(s, [framed(request)])));
          for (const a of answers) {
            if (a.status === Status.OK) ok++;
            else assert.equal(a.rstCode, h2.NGHTTP2_REFUSED_STREAM);
          }
        });
        assert.ok(ok >= 4, `${ok} served`);
        assert.equal(spansInRing(ring), ok * SPANS);
        assert.equal(server.callsInFlight(), 0);
        // and a well-behaved client (grpc-js waits for SETTINGS, queues the rest) gets all served
        const cl = rawClient('traces', port);
        const all = await Promise.all(Array.from({ length: 20 }, () => exportRaw(cl, request)));
        cl.close();
        assert.deepEqual(all.map((r) => r.err?.code ?? 0), Array(20).fill(0));
        assert.equal(spansInRing(ring), 20 * SPANS);
      },
      { maxConcurrentStreams: 4 },
    );
  });

  test('shutdown: GOAWAY to new calls, a call in flight still completes and its spans are stored', async () => {
    const ring = Ring.create(1 << 20);
    const metrics = new PromMetrics({ processMetrics: false });
    const consumer = new RingConsumer(ring, 0, new Set(['traces'] as const), { ...DEFAULT_BUFFER }, metrics);
    const server = new OtlpGrpcServer({ ...DEFAULT_GRPC, endpoint: '127.0.0.1:0' }, consumer, { id: 'otlp', logger: pino({ level: 'silent' }), metrics, health: new HealthRegistry().scope('receiver') });
    const port = await server.start();
    const s = connect(`http://127.0.0.1:${port}`);
    s.on('error', () => {});
    let goaway = false;
    s.on('goaway', () => (goaway = true));
    const f = framed(request);
    const req = s.request({ ':method': 'POST', ':path': TRACES, 'content-type': 'application/grpc' });
    req.on('error', () => {});
    let trailers: IncomingHttpHeaders | undefined;
    req.on('trailers', (t) => (trailers = t));
    req.resume();
    req.write(f.subarray(0, 30));
    await until('the call to start', () => server.callsInFlight() === 1);
    const stopped = server.shutdown();
    await until('GOAWAY', () => goaway);
    req.end(f.subarray(30));
    await new Promise((resolve) => req.on('close', resolve));
    await stopped;
    s.destroy();
    assert.equal(trailers?.['grpc-status'], '0');
    assert.equal(spansInRing(ring), SPANS);
  });
});

describe('OTLP/gRPC on node:http2 with a grpc-js client', { timeout: 30_000 }, () => {
  test('gzip compression enabled on the client: OK, every span counted', async () => {
    await withServer(async ({ port, ring }) => {
      const cl = rawClient('traces', port, { 'grpc.default_compression_algorithm': 2 });
      for (let i = 0; i < 3; i++) assert.equal((await exportRaw(cl, request)).err, null);
      cl.close();
      assert.equal(spansInRing(ring), 3 * SPANS);
    });
  });

  test('a grpc-js client calling an unknown method and a signal no pipeline takes: UNIMPLEMENTED', async () => {
    await withServer(async ({ port }) => {
      const cl = rawClient('logs', port);
      const { err } = await exportRaw(cl, Buffer.alloc(0));
      cl.close();
      assert.equal(err?.code, Status.UNIMPLEMENTED);
      assert.match(err!.details, /no pipeline takes logs/);
    });
  });
});

test('serving gRPC loads no grpc-js (checked in a fresh process: node\'s CommonJS cache after a call)', () => {
  const probe = `
    import { createRequire } from 'node:module';
    import { connect } from 'node:http2';
    const { OtlpGrpcServer } = await import('./receivers/otlp/grpc-server.js');
    const s = new OtlpGrpcServer({ endpoint: '127.0.0.1:0', maxRecvMsgSize: 1024, maxConcurrentStreams: 4 }, { signals: new Set(['traces']), consume: async () => ({ status: 'accepted' }) }, { id: 'otlp', logger: { info() {}, debug() {}, error() {} }, metrics: { inc() {} } });
    const port = await s.start();
    const c = connect('http://127.0.0.1:' + port);
    const req = c.request({ ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export', 'content-type': 'application/grpc' });
    req.end(Buffer.alloc(5));
    req.resume();
    const status = await new Promise((resolve) => req.on('trailers', (t) => resolve(t['grpc-status'])));
    c.close();
    await s.shutdown();
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes('/node_modules/@grpc/'));
    console.log(JSON.stringify({ status, loaded }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: fileURLToPath(new URL('../../../', import.meta.url)), encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { status: '0', loaded: [] });
});
