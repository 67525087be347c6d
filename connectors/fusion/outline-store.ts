// Where the late window keeps its outlines: copied into large chunks that are reused once every
// emission in them was forgotten. One new buffer per emission (a few hundred KB, kept ~15 s at
// 50k spans/s) was ~4 MB/s of ArrayBuffers, which V8 counts as external memory: crossing its
// limit starts a full collection of fusion's large heap (docs/benchmarks.md, "fifth pass").

/**
 * Chunk size for a late window of `maxBytes`: an eighth of it, between 256 KiB and 8 MiB. An
 * emission's outline is ~80 B per span: a tick's emission at 95k spans/s is ~1.5 MB, so at the
 * default 64 MiB a chunk takes five of them.
 */
export function outlineChunkBytes(maxBytes: number): number {
  return Math.min(8 << 20, Math.max(256 << 10, Math.floor(maxBytes / 8)));
}
/** emptied chunks kept for the next ones */
const FREE_CHUNKS = 2;

export interface OutlineChunk {
  readonly buf: Uint8Array;
  /** bytes handed out */
  used: number;
  /** outlines in it not yet released */
  live: number;
}

export class OutlineStore {
  private current: OutlineChunk | undefined;
  private readonly free: OutlineChunk[] = [];
  /** chunks allocated so far (tests: reuse) */
  allocated = 0;

  constructor(private readonly chunkBytes: number) {}

  /** Copies `bytes` into a chunk; the copy stays valid until its chunk is released. */
  copy(bytes: Uint8Array): { view: Uint8Array; chunk: OutlineChunk } {
    const n = bytes.length;
    // larger than half a chunk: a buffer of its own, not reused (rare: a huge emission)
    if (n > this.chunkBytes >> 1) {
      const chunk = this.newChunk(n);
      chunk.buf.set(bytes);
      chunk.used = n;
      chunk.live = 1;
      return { view: chunk.buf, chunk };
    }
    let c = this.current;
    if (c === undefined || c.used + n > c.buf.length) {
      if (c !== undefined && c.live === 0) c.used = 0;
      else c = this.current = this.free.pop() ?? this.newChunk(this.chunkBytes);
    }
    const view = c.buf.subarray(c.used, c.used + n);
    view.set(bytes);
    c.used += n;
    c.live++;
    return { view, chunk: c };
  }

  /** The outline in `chunk` is forgotten; an emptied chunk is reused. */
  release(chunk: OutlineChunk): void {
    chunk.live--;
    if (chunk.live > 0 || chunk === this.current) return;
    chunk.used = 0;
    if (chunk.buf.length === this.chunkBytes && this.free.length < FREE_CHUNKS) this.free.push(chunk);
  }

  private newChunk(n: number): OutlineChunk {
    this.allocated++;
    return { buf: new Uint8Array(n), used: 0, live: 0 };
  }
}
