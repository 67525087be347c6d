// A scrape over plain HTTP/1.1 with the body read into a buffer the target keeps. node:http
// hands each socket read (64 KiB) over as a new Buffer through a stream: for a 14 MiB
// exposition that is ~220 buffers, their concatenation and ~4× the CPU of the reads
// themselves. Here the socket reads into one scratch buffer (net's `onread`), the response head
// and framing (Content-Length, chunked, or up to the connection's end) are read by hand, and
// the body is copied into the target's ScrapeBody; a gzip body is inflated into it by a zlib
// stream. One request per connection (`Connection: close`): a scrape every few seconds pays a
// loopback or LAN handshake, cheap next to its body. HTTPS goes through http-client.ts.
import { connect } from 'node:net';
import { createGunzip, type Gunzip } from 'node:zlib';
import { HttpError, type GetResult } from './http-client.js';
import type { Reservation } from './memory-budget.js';

/** A response head larger than this is refused (node:http's default limit is 16 KiB). */
const MAX_HEAD = 64 * 1024;
const SCRATCH = 64 * 1024;

/**
 * One target's body buffer, kept from scrape to scrape: it grows to the largest body it held.
 * One scrape at a time: the socket reads into its scratch buffer.
 */
export class ScrapeBody {
  private buf = Buffer.allocUnsafe(0);
  length = 0;
  readonly scratch = Buffer.allocUnsafe(SCRATCH);

  /** Room for `n` bytes in all (a declared Content-Length): one allocation, no doubling. */
  reserve(n: number): void {
    if (n > this.buf.length) this.resize(n);
  }

  append(src: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.length + n > this.buf.length) this.resize(Math.max(this.buf.length * 2, this.length + n, 64 * 1024));
    src.copy(this.buf, this.length, start, end);
    this.length += n;
  }

  /** The body: a view, valid until the next scrape of the target. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Gives back a buffer far larger than the last body (a target whose output shrank). */
  fit(): void {
    if (this.buf.length > 4 * this.length + 1024 * 1024) this.buf = Buffer.allocUnsafe(0);
  }

  private resize(n: number): void {
    // uninitialised: only bytes written are ever read
    const next = Buffer.allocUnsafe(n);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}

// chunked transfer coding states (RFC 9112 §7.1)
const SIZE = 0;
const EXT = 1;
const SIZE_LF = 2;
const DATA = 3;
const DATA_CR = 4;
const DATA_LF = 5;
const TRAILER = 6;
const TRAILER_LINE = 7;
const END_LF = 8;
const DONE = 9;

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** The response head: status and headers (names lowercased; repeated ones joined with ", "). */
function parseHead(text: string): { status: number; headers: Record<string, string> } {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0]!);
  if (!m) throw new HttpError(`not an HTTP/1.x response: ${JSON.stringify(lines[0]!.slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const colon = l.indexOf(':');
    if (colon <= 0 || l.charCodeAt(0) === 32 || l.charCodeAt(0) === 9) throw new HttpError(`malformed response header line: ${JSON.stringify(l.slice(0, 80))}`);
    const name = l.slice(0, colon).toLowerCase();
    if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name)) throw new HttpError(`malformed response header name: ${JSON.stringify(name.slice(0, 80))}`);
    const value = l.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(m[1]), headers };
}

/**
 * GET `url` (http:) into `into`; the result's body is `into.view()`. Errors are HttpErrors
 * worded as http-client.ts words them (timeouts, body_size_limit, memory budget, truncation).
 */
export function plainGet(url: URL, opts: { headers: Record<string, string>; timeoutMs: number; maxBytes: number; budget?: Reservation; into: ScrapeBody }): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const into = opts.into;
    into.length = 0;
    let request = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\nAccept-Encoding: gzip\r\n`;
    for (const [k, v] of Object.entries(opts.headers)) {
      if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) return reject(new HttpError(`header ${JSON.stringify(k)} holds a line break`));
      request += `${k}: ${v}\r\n`;
    }
    request += '\r\n';

    let settled = false;
    let head: Buffer | undefined;
    let status = 0;
    let headers: Record<string, string> = {};
    /** body bytes left (Content-Length), -1: chunked or up to the connection's end */
    let left = -1;
    let declared = -1;
    let chunked = false;
    let state = SIZE;
    let chunkLeft = 0;
    let digits = 0;
    let received = 0;
    let gz: Gunzip | undefined;
    let bodyDone = false;

    const scratch = into.scratch;
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), onread: { buffer: scratch, callback: (n: number): boolean => {
          onBytes(scratch, 0, n);
          return true;
        } } });
    const timer = setTimeout(() => fail(new HttpError(`timed out after ${opts.timeoutMs}ms (scrape_timeout)`)), opts.timeoutMs);

    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      gz?.destroy();
      return true;
    };
    const fail = (e: Error): void => {
      if (settle()) reject(e instanceof HttpError ? e : new HttpError(e.message));
    };
    const succeed = (): void => {
      if (settle()) resolve({ status, headers, body: into.view() });
    };

    /** Decoded body bytes (after gzip): limits, then into the target's buffer. */
    const deliver = (b: Buffer, s: number, e: number): void => {
      const n = e - s;
      received += n;
      if (received > opts.maxBytes) return fail(new HttpError(`body exceeds body_size_limit (${opts.maxBytes} bytes)`));
      if (opts.budget && !opts.budget.take(n)) return fail(new HttpError("scrape_memory_budget exhausted: other scrapes hold the receiver's scrape memory"));
      into.append(b, s, e);
    };

    /** Body bytes as framed on the wire (gzip still applied). */
    const body = (b: Buffer, s: number, e: number): void => {
      if (s === e) return;
      if (gz) gz.write(Buffer.from(b.subarray(s, e))); // the scratch buffer is read into again
      else deliver(b, s, e);
    };

    const endBody = (): void => {
      if (bodyDone) return;
      bodyDone = true;
      if (gz) gz.end();
      else succeed();
    };

    const onHead = (text: string): boolean => {
      const h = parseHead(text);
      // interim responses (100 Continue, 103 Early Hints): the real one follows
      if (h.status >= 100 && h.status < 200 && h.status !== 101) return false;
      status = h.status;
      headers = h.headers;
      if (status !== 200) {
        succeed(); // the caller reports the status; the body is not read
        return true;
      }
      const te = headers['transfer-encoding'];
      const cl = headers['content-length'];
      if (te !== undefined) {
        // chunked is the only transfer coding servers send scrapers (Content-Length is then ignored, RFC 9112 §6.3)
        if (te.trim().toLowerCase() !== 'chunked') throw new HttpError(`unsupported transfer-encoding "${te}"`);
        chunked = true;
      } else if (cl !== undefined) {
        const values = cl.split(',').map((x) => x.trim());
        if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) throw new HttpError(`invalid content-length "${cl}"`);
        declared = left = Number(values[0]);
      }
      const ce = (headers['content-encoding'] ?? '').toLowerCase();
      if (ce !== 'gzip' && ce !== 'x-gzip' && declared > opts.maxBytes) throw new HttpError(`body exceeds body_size_limit (${opts.maxBytes} bytes)`);
      if (ce === 'gzip' || ce === 'x-gzip') {
        gz = createGunzip();
        gz.on('data', (c: Buffer) => deliver(c, 0, c.length));
        gz.on('error', (e: Error) => fail(new HttpError(`gzip: ${e.message}`)));
        gz.on('end', succeed);
      } else if (declared >= 0) into.reserve(declared);
      if (left === 0) endBody();
      return true;
    };

    const onChunked = (b: Buffer, s: number, e: number): void => {
      let p = s;
      while (p < e && state !== DONE) {
        const c = b[p]!;
        switch (state) {
          case SIZE: {
            const d = hexDigit(c);
            if (d >= 0) {
              if (++digits > 12) throw new HttpError('malformed chunked encoding: chunk size too large');
              chunkLeft = chunkLeft * 16 + d;
            } else if (c === 59 /* ; */ || c === 32 || c === 9) state = EXT;
            else if (c === 13) state = SIZE_LF;
            else throw new HttpError('malformed chunked encoding: bad chunk size');
            p++;
            break;
          }
          case EXT:
            if (c === 13) state = SIZE_LF;
            else if (c === 10) throw new HttpError('malformed chunked encoding: bare LF');
            p++;
            break;
          case SIZE_LF:
            if (c !== 10 || digits === 0) throw new HttpError('malformed chunked encoding: bad chunk size line');
            state = chunkLeft === 0 ? TRAILER : DATA;
            digits = 0;
            p++;
            break;
          case DATA: {
            const m = Math.min(chunkLeft, e - p);
            body(b, p, p + m);
            if (settled) return;
            p += m;
            chunkLeft -= m;
            if (chunkLeft === 0) state = DATA_CR;
            break;
          }
          case DATA_CR:
            if (c !== 13) throw new HttpError('malformed chunked encoding: chunk longer than its size');
            state = DATA_LF;
            p++;
            break;
          case DATA_LF:
            if (c !== 10) throw new HttpError('malformed chunked encoding: bare CR');
            state = SIZE;
            p++;
            break;
          case TRAILER:
            state = c === 13 ? END_LF : TRAILER_LINE;
            p++;
            break;
          case TRAILER_LINE:
            if (c === 10) state = TRAILER;
            p++;
            break;
          case END_LF:
            if (c !== 10) throw new HttpError('malformed chunked encoding: bad end');
            state = DONE;
            p++;
            break;
        }
      }
      if (state === DONE) endBody();
    };

    const onBytes = (b: Buffer, s: number, e: number): void => {
      if (settled || bodyDone) return;
      try {
        let p = s;
        while (status === 0 && p < e) {
          // the head, which may come in pieces
          const from = head === undefined ? 0 : Math.max(0, head.length - 3);
          head = head === undefined ? Buffer.from(b.subarray(p, e)) : Buffer.concat([head, b.subarray(p, e)]);
          const at = head.indexOf('\r\n\r\n', from, 'latin1');
          if (at < 0 ? head.length > MAX_HEAD : at > MAX_HEAD) throw new HttpError(`response head larger than ${MAX_HEAD} bytes`);
          if (at < 0) return;
          // what followed the head in this read
          p = e - (head.length - (at + 4));
          const text = head.toString('latin1', 0, at);
          head = undefined;
          if (!onHead(text)) continue;
          if (settled) return;
        }
        if (p >= e || bodyDone) return;
        if (chunked) onChunked(b, p, e);
        else if (left >= 0) {
          const m = Math.min(left, e - p);
          left -= m;
          body(b, p, p + m);
          if (left === 0) endBody();
        } else body(b, p, e);
      } catch (err) {
        fail(err as Error);
      }
    };

    socket.on('connect', () => socket.write(request));
    socket.on('error', (e: Error) => fail(e));
    const closed = (): void => {
      if (settled || bodyDone) return;
      if (status === 0) fail(new HttpError('connection closed before the response head'));
      else if (chunked) fail(new HttpError('connection closed before the body was complete (truncated)'));
      else if (left > 0) fail(new HttpError(`body truncated: ${declared - left} of ${declared} bytes`));
      else endBody(); // delimited by the connection's end
    };
    socket.on('end', closed);
    socket.on('close', closed);
  });
}
