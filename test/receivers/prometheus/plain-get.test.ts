// plainGet (the scrape's own HTTP/1.1 reader) against real servers: node:http (Content-Length,
// chunked in uneven writes, gzip), the real node-exporter (Go's net/http, gzip), and a raw
// socket server for what those never do (a head and chunk framing split at every byte, bodies
// cut short, malformed framing). Bodies are compared with what the server sent, byte for byte.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { MemoryBudget } from '../../../receivers/prometheus/memory-budget.js';
import { plainGet, ScrapeBody } from '../../../receivers/prometheus/plain-get.js';
import { startNodeExporter } from '../../harness/node-exporter.js';

const servers: (Server | NetServer)[] = [];
const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<URL> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return new URL(`http://127.0.0.1:${(s.address() as AddressInfo).port}/metrics`);
}

/** A server that answers every request with `raw` written in `pieces` (each after a short pause), then closes or hangs. */
async function rawServer(raw: Buffer, pieces: number[], end: 'close' | 'hang' = 'close'): Promise<URL> {
  const s = createNetServer((sock) => {
    sockets.push(sock);
    sock.on('error', () => {});
    sock.once('data', async () => {
      let at = 0;
      for (const n of [...pieces, raw.length]) {
        if (at >= raw.length) break;
        sock.write(raw.subarray(at, Math.min(raw.length, at + n)));
        at += n;
        await new Promise((r) => setTimeout(r, 2));
      }
      if (end === 'close') sock.end();
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return new URL(`http://127.0.0.1:${(s.address() as AddressInfo).port}/metrics`);
}

/** Exposition-like text of about `bytes`, different for each seed. */
function text(bytes: number, seed: number): Buffer {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const l = `metric_${i % 50}{gpu="${i % 8}",UUID="GPU-${createHash('sha1').update(`${seed}/${i}`).digest('hex').slice(0, 24)}"} ${(i * 7919 + seed) % 100000}\n`;
    lines.push(l);
    n += l.length;
  }
  return Buffer.from(lines.join(''));
}

const opts = (into: ScrapeBody, extra: Partial<Parameters<typeof plainGet>[1]> = {}): Parameters<typeof plainGet>[1] => ({ headers: { accept: 'text/plain' }, timeoutMs: 5000, maxBytes: 64 * 1024 * 1024, into, ...extra });

test('node:http: Content-Length, chunked in uneven writes and gzip bodies arrive byte for byte; the buffer is reused', { timeout: 30_000 }, async () => {
  const big = text(5 * 1024 * 1024, 1);
  const small = text(3000, 2);
  let seen: IncomingMessage | undefined;
  const url = await httpServer((req, res) => {
    seen = req;
    const body = req.url === '/small' ? small : big;
    if (req.url === '/gzip') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-encoding': 'gzip' }).end(gzipSync(body));
    } else if (req.url === '/chunked') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      // writes of 1, 2, 3, … 70,000 bytes: chunk boundaries everywhere relative to the reads
      let at = 0;
      for (let n = 1; at < body.length; n = n < 70_000 ? n * 3 + 1 : 1) {
        res.write(body.subarray(at, at + n));
        at += n;
      }
      res.end();
    } else res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': body.length }).end(body);
  });
  const into = new ScrapeBody();
  const at = (path: string): URL => new URL(path, url);
  for (const path of ['/metrics', '/chunked', '/gzip', '/small', '/metrics']) {
    const r = await plainGet(at(path), opts(into, { headers: { accept: 'text/plain', 'x-test': 'yes' } }));
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4');
    assert.ok(r.body.equals(path === '/small' ? small : big), `${path}: ${r.body.length} bytes`);
  }
  assert.equal(seen!.headers['x-test'], 'yes');
  assert.equal(seen!.headers['accept-encoding'], 'gzip');
  assert.equal(seen!.headers['host'], url.host);
});

test('the real node-exporter (Go net/http, gzip): the same exposition as fetch reads', { timeout: 30_000 }, async () => {
  const ne = await startNodeExporter();
  try {
    const into = new ScrapeBody();
    const r = await plainGet(new URL(ne.url), opts(into));
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], 'gzip', 'asked for gzip, got it');
    const ours = r.body.toString('utf8');
    const theirs = await (await fetch(ne.url)).text();
    // values move between two scrapes; the metadata and the series do not
    const meta = (t: string): string[] => t.split('\n').filter((l) => l.startsWith('# '));
    const families = (t: string): Set<string> => new Set(t.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0]!));
    assert.deepEqual(meta(ours), meta(theirs));
    assert.deepEqual(families(ours), families(theirs));
    assert.ok(meta(ours).length > 100 && ours.endsWith('\n'));
  } finally {
    await ne.stop();
  }
});

test('a head and chunked framing split at every byte; extensions and trailers', { timeout: 30_000 }, async () => {
  const body = 'a_metric{x="1"} 1\nb_metric 2\n';
  const raw = Buffer.from(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\na_met\r\n${(body.length - 5).toString(16)}\r\n${body.slice(5)}\r\n0\r\nX-Trailer: t\r\n\r\n`);
  const url = await rawServer(raw, Array.from({ length: raw.length }, () => 1));
  const r = await plainGet(url, opts(new ScrapeBody()));
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), body);
  // no framing at all: the body runs to the connection's end
  const r2 = await plainGet(await rawServer(Buffer.from(`HTTP/1.0 200 OK\r\n\r\n${body}`), [10, 7]), opts(new ScrapeBody()));
  assert.equal(r2.body.toString(), body);
});

test('cut short, malformed, too large, too slow, over budget: rejected with the reason', { timeout: 30_000 }, async () => {
  const into = new ScrapeBody();
  const fails = async (url: URL, re: RegExp, extra: Partial<Parameters<typeof plainGet>[1]> = {}): Promise<void> => {
    await assert.rejects(plainGet(url, opts(into, extra)), re);
  };
  await fails(await rawServer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly_this 1\n'), [40]), /body truncated: 12 of 100 bytes/);
  await fails(await rawServer(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly_this 1\n'), [60]), /connection closed before the body was complete \(truncated\)/);
  await fails(await rawServer(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nx\r\n0\r\n\r\n'), []), /malformed chunked encoding: bad chunk size/);
  await fails(await rawServer(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n'), []), /chunk longer than its size/);
  await fails(await rawServer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nabcdef'), []), /invalid content-length/);
  await fails(await rawServer(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'), []), /unsupported transfer-encoding "gzip, chunked"/);
  await fails(await rawServer(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'), []), /not an HTTP\/1.x response/);
  await fails(await rawServer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n'), []), /connection closed before the response head/);
  await fails(await rawServer(Buffer.from(`HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(70_000)}\r\n\r\n`), []), /response head larger than 65536 bytes/);
  await fails(await rawServer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n\r\nnot gzip!!'), []), /^Error: gzip: /);
  const big = text(300_000, 3);
  const sized = await httpServer((_req, res) => res.writeHead(200, { 'content-length': big.length }).end(big));
  await fails(sized, /body exceeds body_size_limit \(100000 bytes\)/, { maxBytes: 100_000 });
  const chunked = await httpServer((_req, res) => {
    res.writeHead(200);
    res.write(big.subarray(0, 150_000));
    res.end(big.subarray(150_000));
  });
  await fails(chunked, /body exceeds body_size_limit \(100000 bytes\)/, { maxBytes: 100_000 });
  const bomb = await httpServer((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(10_000_000, 'a'))));
  await fails(bomb, /body exceeds body_size_limit \(1000000 bytes\)/, { maxBytes: 1_000_000 });
  const budget = new MemoryBudget(200_000);
  const held = budget.reservation();
  await fails(sized, /scrape_memory_budget exhausted/, { budget: held });
  held.release();
  assert.equal(budget.inUse(), 0);
  const t0 = Date.now();
  await fails(await rawServer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial 1\n'), [], 'hang'), /timed out after 300ms \(scrape_timeout\)/, { timeoutMs: 300 });
  assert.ok(Date.now() - t0 < 2000, 'cut at the timeout');
  const closed = await httpServer(() => {});
  const port = Number(closed.port);
  servers.pop()!.close();
  await new Promise((r) => setTimeout(r, 50));
  await fails(new URL(`http://127.0.0.1:${port}/metrics`), /ECONNREFUSED/);
  await assert.rejects(plainGet(sized, opts(into, { headers: { 'x-bad': 'a\r\nInjected: 1' } })), /line break/);
  // a refusal status is returned (the receiver reports it) without its body being read
  const missing = await httpServer((_req, res) => res.writeHead(404).end('not here'));
  const r = await plainGet(missing, opts(into));
  assert.equal(r.status, 404);
  // and the buffer still works after all that
  const ok = await plainGet(sized, opts(into));
  assert.ok(ok.body.equals(big));
});
