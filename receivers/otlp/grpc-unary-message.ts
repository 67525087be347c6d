// The one length-prefixed request message of a unary gRPC call, put together from the HTTP/2
// DATA chunks as they arrive. The declared length is checked before anything is buffered; a
// message that arrives in one chunk is a view of it (no copy); otherwise it is copied into one
// buffer allocated at the declared length, as long as a shared budget allows (so that clients
// declaring large messages and sending nothing cannot make the process allocate for them),
// and kept as a list of chunks beyond that budget.
import { PREFIX_BYTES } from './grpc-wire.js';

export class MessageError extends Error {
  constructor(
    readonly code: 'bad_request' | 'body_too_large',
    message: string,
  ) {
    super(message);
  }
}

/** bytes that calls in progress may hold in buffers allocated ahead of their data */
export interface PreallocBudget {
  left: number;
}

/** a message larger than this is never allocated ahead of its data */
const PREALLOC_MAX = 4 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

export class UnaryMessage {
  compressed = false;
  /** declared length, -1 until the prefix has arrived */
  length = -1;
  /** bytes of this message taken from the budget (given back by release) */
  private reserved = 0;
  private head: Buffer | undefined;
  private headGot = 0;
  private whole: Buffer | undefined;
  private chunks: Buffer[] | undefined;
  private got = 0;

  constructor(
    private readonly limit: number,
    private readonly budget: PreallocBudget,
  ) {}

  /** Takes one DATA chunk; throws MessageError when the call breaks the framing or the limit. */
  push(chunk: Buffer): void {
    let off = 0;
    if (this.length < 0) {
      if (this.headGot === 0 && chunk.length >= PREFIX_BYTES) {
        this.prefix(chunk);
        off = PREFIX_BYTES;
      } else {
        // the prefix split across DATA frames: rare, never on the hot path
        this.head ??= Buffer.allocUnsafe(PREFIX_BYTES);
        off = chunk.copy(this.head, this.headGot, 0, PREFIX_BYTES - this.headGot);
        this.headGot += off;
        if (this.headGot < PREFIX_BYTES) return;
        this.prefix(this.head);
      }
    }
    const n = chunk.length - off;
    if (n === 0) return;
    if (this.got + n > this.length) throw new MessageError('bad_request', 'more than one request message in a unary call');
    if (this.got === 0 && n === this.length) {
      this.whole = off === 0 ? chunk : chunk.subarray(off);
    } else if (this.whole !== undefined) {
      chunk.copy(this.whole, this.got, off);
    } else if (this.chunks !== undefined) {
      this.chunks.push(off === 0 ? chunk : chunk.subarray(off));
    } else if (this.length <= PREALLOC_MAX && this.budget.left >= this.length) {
      this.budget.left -= this.length;
      this.reserved = this.length;
      this.whole = Buffer.allocUnsafe(this.length);
      chunk.copy(this.whole, 0, off);
    } else {
      this.chunks = [off === 0 ? chunk : chunk.subarray(off)];
    }
    this.got += n;
  }

  /** At END_STREAM: the message bytes (still compressed when `compressed`). */
  finish(): Buffer {
    if (this.length < 0) throw new MessageError('bad_request', this.headGot === 0 ? 'no request message in a unary call' : 'truncated message prefix');
    if (this.got < this.length) throw new MessageError('bad_request', `truncated request message: ${this.got} of ${this.length} bytes`);
    if (this.length === 0) return EMPTY;
    if (this.chunks !== undefined) return Buffer.concat(this.chunks, this.length);
    return this.whole!;
  }

  /** Gives the preallocated bytes back to the budget (once the call is answered or gone). */
  release(): void {
    this.budget.left += this.reserved;
    this.reserved = 0;
  }

  private prefix(b: Buffer): void {
    const flag = b[0]!;
    if (flag > 1) throw new MessageError('bad_request', `invalid compressed flag ${flag} in the message prefix`);
    const length = b.readUInt32BE(1);
    if (length > this.limit) throw new MessageError('body_too_large', `request message of ${length} bytes exceeds max_recv_msg_size (${this.limit} bytes)`);
    this.compressed = flag === 1;
    this.length = length;
  }
}
