// Who still reads a batch's bytes. A buffer handed down a pipeline comes back to its owner for
// reuse once nobody can read it any more: fresh buffers for every batch are external memory,
// and V8 answers external memory growth with collections (with fusion holding batches for its
// join window, most of the flush worker's CPU went there: docs/benchmarks.md, "Fusion").
// The owner starts with one share and drops it once the consumers it called returned; a
// consumer that keeps views past its returned promise (fusion's held spans) takes a share and
// drops it when done. A consumer that cannot say when it is done (a processor) pins the hold:
// the buffer is then left to the garbage collector.

export class BufferHold {
  private shares = 1;
  private pinned = false;

  /** @param onFree gets the buffer back when the last share is dropped, unless pinned */
  constructor(
    readonly buffer: Uint8Array,
    private onFree: ((buffer: Uint8Array) => void) | undefined,
  ) {}

  retain(): void {
    if (this.shares <= 0) throw new Error('BufferHold: retain after the last release');
    this.shares++;
  }

  release(): void {
    if (this.shares <= 0) throw new Error('BufferHold: released more often than held');
    if (--this.shares > 0) return;
    const f = this.onFree;
    this.onFree = undefined;
    if (f !== undefined && !this.pinned) f(this.buffer);
  }

  /** Someone may read the bytes for as long as it likes: never given back. */
  pin(): void {
    this.pinned = true;
  }

  get free(): boolean {
    return this.shares === 0;
  }
}
