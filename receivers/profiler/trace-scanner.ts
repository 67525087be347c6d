// A streaming reader for Kineto trace JSON: one top-level object whose `traceEvents` array holds
// the events. Each event is read where it lies in the chunk by the handler, in one walk that finds
// its fields and its end; an event (or header value) cut by the chunk's end is kept and read
// again with the next chunk(s), waiting until the kept bytes have doubled so that a large event
// is read a bounded number of times. Memory is bounded by the largest single value: one over
// `maxValueBytes` is skipped (by bracket depth, across chunks) instead of kept.

import { COLON, COMMA, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, BACKSLASH, scanned, stringEnd, valueEnd } from './json-bytes.js';

export class TraceFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceFormatError';
  }
}

export interface ScanHandler {
  /** a top-level key other than traceEvents, with its parsed value (undefined when over the cap) */
  onKey(key: string, value: unknown): void;
  /** `traceEvents` begins: every header key before it has been seen */
  onEventsStart(): void;
  /**
   * The element of traceEvents whose '{' is at `start` (at byte `offset` of the inflated input):
   * returns the index after it, or a negative number when `b` ends first (it is offered again,
   * from its start, with more input). `b` is only valid during the call.
   */
  onEvent(b: Uint8Array, start: number, offset: number): number;
  onEventsEnd(): void;
}

const enum Mode {
  Start, // before the top-level '{'
  Key, // expecting a key or '}' at depth 1
  Colon, // after a key
  Value, // expecting a value's first byte
  EventsItem, // inside traceEvents, expecting an element, ',' or ']'
  AfterValue, // expecting ',' or '}' at depth 1
  Skip, // skipping a value over the size cap
  Done, // after the top-level '}'
}

export class TraceScanner {
  private mode = Mode.Start;
  private key = '';
  /** bytes from the start of an unfinished token, kept for the next chunk(s) */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** input offset of the first kept byte */
  private pendingOff = 0;
  /** read the kept bytes again once there are this many */
  private retryAt = 0;
  /** input offset of the next chunk's first byte */
  private base = 0;
  /** Skip mode: the value being skipped (an event, or the header value of `key`) */
  private skipEvent = false;
  private skipDepth = 0;
  private skipInStr = false;
  private skipEscape = false;
  private skipStarted = false;
  eventCount = 0;

  constructor(
    private readonly h: ScanHandler,
    /** the largest single element or header value kept (a bigger one is skipped) */
    private readonly maxValueBytes = 64 * 1024 * 1024,
  ) {}

  get done(): boolean {
    return this.mode === Mode.Done;
  }

  write(chunk: Uint8Array): void {
    const base = this.base;
    this.base += chunk.length;
    this.feed(chunk, base);
  }

  /** `chunk` (at input offset `chunkBase`) after what came before it */
  private feed(chunk: Uint8Array, chunkBase: number): void {
    if (this.mode === Mode.Skip) {
      this.skipInto(chunk, 0, chunkBase);
      return;
    }
    const from = this.pendingBytes > 0 ? this.resume(chunk) : 0;
    if (from < 0) return;
    const stop = this.scan(chunk, chunkBase, from);
    if (stop >= 0) this.keep(chunk, stop, chunkBase + stop, false);
  }

  /**
   * Reads the kept token again with the start of `chunk` (as much as was kept, at least 64 KiB:
   * not a copy of the whole chunk). Returns where reading goes on in `chunk`; -1 when all of it
   * was read or kept.
   */
  private resume(chunk: Uint8Array): number {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > this.maxValueBytes) {
      this.overCap();
      return -1;
    }
    if (this.pendingBytes < this.retryAt) {
      this.pending[this.pending.length - 1] = Buffer.from(chunk); // kept: a copy, the chunk is not ours
      return -1;
    }
    const kept = this.pendingBytes - chunk.length;
    const take = Math.min(chunk.length, Math.max(kept, 65536));
    const parts = this.pending;
    parts[parts.length - 1] = chunk.subarray(0, take);
    const joint = Buffer.concat(parts, kept + take);
    const off = this.pendingOff;
    this.pending = [];
    this.pendingBytes = 0;
    const stop = this.scan(joint, off, 0);
    if (stop >= 0 && stop < kept) {
      // the kept token needs more than that: with all of the chunk
      if (take === chunk.length) this.keep(joint, stop, off + stop, true);
      else {
        const b = Buffer.concat([joint.subarray(stop), chunk.subarray(take)]);
        const again = this.scan(b, off + stop, 0);
        if (again >= 0) this.keep(b, again, off + stop + again, true);
      }
      return -1;
    }
    const from = stop >= 0 ? stop - kept : take;
    return from >= chunk.length ? -1 : from;
  }

  /** The state machine over b[from..]; returns where an unfinished token starts (-1: none). */
  private scan(b: Uint8Array, base: number, from: number): number {
    const n = b.length;
    const h = this.h;
    let i = from;
    while (i < n) {
      const mode = this.mode;
      if (mode === Mode.EventsItem) {
        // the hot loop: event after event
        const c = b[i]!;
        if (c === LBRACE) {
          const e = h.onEvent(b, i, base + i);
          if (e < 0) return i;
          this.eventCount++;
          i = e;
        } else if (c === COMMA || c <= 0x20) i++;
        else if (c === RBRACKET) {
          this.mode = Mode.AfterValue;
          h.onEventsEnd();
          i++;
        } else throw new TraceFormatError(`traceEvents element ${this.eventCount} is not an object`);
        continue;
      }
      const c = b[i]!;
      if (c <= 0x20) {
        i++;
        continue;
      }
      switch (mode) {
        case Mode.Start:
          if (c !== LBRACE) throw new TraceFormatError(`expected "{" at the start, got ${JSON.stringify(String.fromCharCode(c))}`);
          this.mode = Mode.Key;
          i++;
          break;
        case Mode.Key:
          if (c === QUOTE) {
            const e = stringEnd(b, i + 1, n);
            if (e < 0) return i;
            this.key = Buffer.from(b.buffer, b.byteOffset + i + 1, e - i - 1).toString('utf8');
            if (scanned.escaped) this.key = JSON.parse(`"${this.key}"`) as string;
            this.mode = Mode.Colon;
            i = e + 1;
          } else if (c === RBRACE) {
            this.mode = Mode.Done;
            i++;
          } else throw new TraceFormatError('expected a key in the top-level object');
          break;
        case Mode.Colon:
          if (c !== COLON) throw new TraceFormatError(`expected ":" after "${this.key}"`);
          this.mode = Mode.Value;
          i++;
          break;
        case Mode.Value: {
          if (this.key === 'traceEvents' && c === LBRACKET) {
            this.mode = Mode.EventsItem;
            h.onEventsStart();
            i++;
            break;
          }
          const e = valueEnd(b, i, n);
          if (e < 0) return i;
          let value: unknown;
          try {
            value = JSON.parse(Buffer.from(b.buffer, b.byteOffset + i, e - i).toString('utf8'));
          } catch (err) {
            throw new TraceFormatError(`bad value for "${this.key}": ${(err as Error).message}`);
          }
          this.mode = Mode.AfterValue;
          h.onKey(this.key, value);
          i = e;
          break;
        }
        case Mode.AfterValue:
          if (c === COMMA) this.mode = Mode.Key;
          else if (c === RBRACE) this.mode = Mode.Done;
          else throw new TraceFormatError(`expected "," or "}" after "${this.key}"`);
          i++;
          break;
        case Mode.Done:
          throw new TraceFormatError('data after the end of the top-level object');
      }
    }
    return -1;
  }

  /** keeps b[from..] (input offset `off`; a copy unless `own`) to be read again with more input */
  private keep(b: Uint8Array, from: number, off: number, own: boolean): void {
    const tail = own && from === 0 ? b : Buffer.from(b.subarray(from)); // a copy: not the chunk, nor all of a big concat
    this.pendingOff = off;
    this.pending = [tail];
    this.pendingBytes = tail.length;
    this.retryAt = 2 * tail.length;
    if (this.pendingBytes > this.maxValueBytes) this.overCap();
  }

  /** the kept value is over the cap: skip it (an event is counted, a header value is undefined) */
  private overCap(): void {
    const parts = this.pending;
    let off = this.pendingOff;
    this.pending = [];
    this.pendingBytes = 0;
    this.skipEvent = this.mode === Mode.EventsItem;
    this.skipStarted = false;
    this.skipDepth = 0;
    this.skipInStr = false;
    this.skipEscape = false;
    this.mode = Mode.Skip;
    for (const p of parts) {
      this.feed(p, off);
      off += p.length;
    }
  }

  /** Skip mode over b[i..]: a value by bracket depth, strings included; then back to reading. */
  private skipInto(b: Uint8Array, i: number, base: number): void {
    const n = b.length;
    let depth = this.skipDepth;
    let inStr = this.skipInStr;
    if (this.skipEscape && i < n) {
      this.skipEscape = false;
      i++;
    }
    let ended = false;
    if (!this.skipStarted && i < n) {
      this.skipStarted = true;
      const c = b[i]!;
      if (c === QUOTE) inStr = true;
      else if (c === LBRACE || c === LBRACKET) depth = 1;
      else depth = -1; // a scalar: up to the next delimiter
      i++;
    }
    while (i < n && !ended) {
      const c = b[i]!;
      if (depth < 0) {
        if (c === COMMA || c === RBRACE || c === RBRACKET || c <= 0x20) ended = true;
        else i++;
      } else if (inStr) {
        if (c === BACKSLASH) i += 2;
        else {
          if (c === QUOTE) {
            inStr = false;
            if (depth === 0) ended = true;
          }
          i++;
        }
      } else {
        if (c === QUOTE) inStr = true;
        else if (c === LBRACE || c === LBRACKET) depth++;
        else if ((c === RBRACE || c === RBRACKET) && --depth === 0) ended = true;
        i++;
      }
    }
    if (i > n) {
      this.skipEscape = true; // the input ended on a backslash
      i = n;
    }
    this.skipDepth = depth;
    this.skipInStr = inStr;
    if (!ended) return;
    if (this.skipEvent) {
      this.eventCount++;
      this.mode = Mode.EventsItem;
    } else {
      this.mode = Mode.AfterValue;
      this.h.onKey(this.key, undefined);
    }
    if (i < n) this.feed(b.subarray(i), base + i);
  }

  /** Call at the end of input: throws when the object is incomplete. */
  end(): void {
    if (this.pendingBytes > 0 && this.mode !== Mode.Skip) {
      // kept bytes not read again yet (waiting for more): the last chance
      const b = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      if (this.scan(b, this.pendingOff, 0) >= 0) throw new TraceFormatError('the trace ends inside a value');
    }
    if (this.mode !== Mode.Done) throw new TraceFormatError('the trace ends before its top-level object is complete');
  }
}
