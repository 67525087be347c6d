// A streaming structural scanner for Kineto trace JSON: one top-level object whose
// `traceEvents` array holds the events. Memory is bounded by the largest single value: each
// element of `traceEvents` is handed out as the bytes it spans (a view valid only during the
// callback), every other top-level value as its parsed JSON (up to a size cap). Chunks may
// split anything anywhere; strings are skipped with memchr (Buffer.indexOf).

import { BACKSLASH, COLON, COMMA, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET } from './json-bytes.js';

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
  /** one element of traceEvents at byte `offset` of the (inflated) input; `bytes` is only valid during the call */
  onEvent(bytes: Uint8Array, offset: number): void;
  onEventsEnd(): void;
}

const enum Mode {
  Start, // before the top-level '{'
  Key, // expecting a key or '}' at depth 1
  InKey, // inside a key string
  Colon, // after a key
  Value, // expecting a value's first byte
  InValue, // inside a value (generic, depth-tracked)
  EventsItem, // inside traceEvents, expecting an element, ',' or ']'
  InEvent, // inside an element
  AfterValue, // expecting ',' or '}' at depth 1
  Done, // after the top-level '}'
}

export class TraceScanner {
  private mode = Mode.Start;
  private inString = false;
  private escape = false;
  private depth = 0; // nesting within the current value or element
  private key = '';
  private keyParts: Uint8Array[] = [];
  /** bytes of the current value/element carried over from earlier chunks */
  private carry: Uint8Array[] = [];
  private carryBytes = 0;
  private overCap = false;
  private scalar = false;
  eventCount = 0;
  /** input offset of the current chunk's first byte, and of the current event's */
  private base = 0;
  private eventStart = 0;

  constructor(
    private readonly h: ScanHandler,
    /** the largest single element or header value kept (a bigger one is skipped) */
    private readonly maxValueBytes = 64 * 1024 * 1024,
  ) {}

  get done(): boolean {
    return this.mode === Mode.Done;
  }

  write(b: Uint8Array): void {
    const n = b.length;
    let i = 0;
    // start of the current value/element within this chunk (-1: none)
    let start = this.mode === Mode.InValue || this.mode === Mode.InEvent ? 0 : -1;
    let keyStart = this.mode === Mode.InKey ? 0 : -1;
    while (i < n) {
      const mode = this.mode;
      if (mode === Mode.InEvent || mode === Mode.InValue) {
        if (this.scalar) {
          // a scalar top-level value ends at ',' '}' ']' or whitespace
          const c = b[i]!;
          if (c === COMMA || c === RBRACE || c === RBRACKET || c <= 0x20) {
            this.endValue(b, start, i);
            start = -1;
            continue; // the delimiter is read again in the next mode
          }
          i++;
          continue;
        }
        // the hot loop: one element (or value) byte by byte, strings included
        let depth = this.depth;
        let inStr = this.inString;
        if (this.escape) {
          this.escape = false;
          i++;
        }
        let ended = false;
        let nextBs = -2; // -2: not searched yet, -1: none left in this chunk
        let strRun = 0; // bytes of the current string scanned one by one: long ones go to memchr
        while (i < n) {
          const c = b[i]!;
          if (inStr) {
            if (c !== QUOTE && c !== BACKSLASH && ++strRun > 24) {
              strRun = 0;
              // memchr to the next quote, or to the next backslash if that comes first (the
              // next backslash's position is found once and kept: a forward-only search)
              if (nextBs !== -1 && nextBs < i) nextBs = b.indexOf(BACKSLASH, i);
              const q = b.indexOf(QUOTE, i);
              const stop = q < 0 ? n : q;
              i = nextBs !== -1 && nextBs < stop ? nextBs : stop;
              continue;
            }
            if (c === QUOTE) {
              inStr = false;
              i++;
              if (depth === 0) {
                ended = true; // a top-level string value
                break;
              }
            } else if (c === BACKSLASH) i += 2;
            else i++;
            continue;
          }
          if (c === QUOTE) {
            inStr = true;
            strRun = 0;
          }
          else if (c === LBRACE || c === LBRACKET) depth++;
          else if (c === RBRACE || c === RBRACKET) {
            if (--depth === 0) {
              i++;
              ended = true;
              break;
            }
          }
          i++;
        }
        if (i > n) {
          this.escape = true; // the chunk ended on a backslash
          i = n;
        }
        this.depth = depth;
        this.inString = inStr;
        if (ended) {
          if (mode === Mode.InEvent) this.endEvent(b, start, i);
          else this.endValue(b, start, i);
          start = -1;
        }
        continue;
      }
      const c = b[i]!;
      if (mode === Mode.InKey) {
        const q = b.indexOf(QUOTE, i);
        const end = q < 0 ? n : q;
        if (q >= 0 && (end > 0 ? b[end - 1] === BACKSLASH : false)) throw new TraceFormatError('escaped quote in a top-level key');
        if (q < 0) {
          this.keyParts.push(Buffer.from(b.subarray(keyStart < 0 ? 0 : keyStart, n)));
          i = n;
          break;
        }
        this.keyParts.push(b.subarray(keyStart < 0 ? 0 : keyStart, end));
        this.key = Buffer.concat(this.keyParts).toString('utf8');
        this.keyParts = [];
        keyStart = -1;
        this.mode = Mode.Colon;
        i = q + 1;
        continue;
      }
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
            this.mode = Mode.InKey;
            keyStart = i + 1;
            i++;
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
        case Mode.Value:
          if (this.key === 'traceEvents' && c === LBRACKET) {
            this.mode = Mode.EventsItem;
            this.h.onEventsStart();
            i++;
            break;
          }
          this.beginValue(c);
          start = i;
          this.mode = Mode.InValue;
          if (!this.scalar) {
            this.depth = c === LBRACE || c === LBRACKET ? 1 : 0;
            this.inString = c === QUOTE;
            i++;
          }
          break;
        case Mode.EventsItem:
          if (c === COMMA) {
            i++;
          } else if (c === RBRACKET) {
            this.mode = Mode.AfterValue;
            this.h.onEventsEnd();
            i++;
          } else if (c === LBRACE) {
            this.eventStart = this.base + i;
            this.mode = Mode.InEvent;
            this.depth = 1;
            this.carry = [];
            this.carryBytes = 0;
            this.overCap = false;
            this.scalar = false;
            start = i;
            i++;
          } else throw new TraceFormatError(`traceEvents element ${this.eventCount} is not an object`);
          break;
        case Mode.AfterValue:
          if (c === COMMA) this.mode = Mode.Key;
          else if (c === RBRACE) this.mode = Mode.Done;
          else throw new TraceFormatError(`expected "," or "}" after "${this.key}"`);
          i++;
          break;
        case Mode.Done:
          throw new TraceFormatError('data after the end of the top-level object');
        default:
          i++;
      }
    }
    // keep the unfinished value's bytes for the next chunk
    if ((this.mode === Mode.InEvent || this.mode === Mode.InValue) && start >= 0) this.keep(b.subarray(start, n));
    this.base += n;
  }

  private beginValue(c: number): void {
    this.carry = [];
    this.carryBytes = 0;
    this.overCap = false;
    this.inString = false;
    this.scalar = !(c === LBRACE || c === LBRACKET || c === QUOTE);
  }

  private keep(part: Uint8Array): void {
    if (this.overCap) return;
    if (this.carryBytes + part.length > this.maxValueBytes) {
      this.overCap = true;
      this.carry = [];
      this.carryBytes = 0;
      return;
    }
    this.carry.push(Buffer.from(part)); // a copy: the chunk is not ours to keep
    this.carryBytes += part.length;
  }

  private collect(b: Uint8Array, start: number, end: number): Uint8Array | undefined {
    if (this.overCap) return undefined;
    const tail = b.subarray(start < 0 ? 0 : start, end);
    if (this.carry.length === 0) return tail;
    if (this.carryBytes + tail.length > this.maxValueBytes) return undefined;
    const out = Buffer.concat([...this.carry, tail]);
    this.carry = [];
    this.carryBytes = 0;
    return out;
  }

  private endEvent(b: Uint8Array, start: number, end: number): void {
    const bytes = this.collect(b, start, end);
    this.mode = Mode.EventsItem;
    this.eventCount++;
    if (bytes) this.h.onEvent(bytes, this.eventStart);
  }

  private endValue(b: Uint8Array, start: number, end: number): void {
    // a string value: `start` is at its opening quote and the scan stopped after the closing one
    const bytes = this.collect(b, start, end);
    this.mode = Mode.AfterValue;
    this.scalar = false;
    this.inString = false;
    let value: unknown;
    if (bytes) {
      try {
        value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
      } catch (e) {
        throw new TraceFormatError(`bad value for "${this.key}": ${(e as Error).message}`);
      }
    }
    this.h.onKey(this.key, value);
  }

  /** Call at the end of input: throws when the object is incomplete. */
  end(): void {
    if (this.mode === Mode.InValue && this.scalar) {
      this.endValue(new Uint8Array(0), 0, 0);
    }
    if (this.mode !== Mode.Done) throw new TraceFormatError('the trace ends before its top-level object is complete');
  }
}
