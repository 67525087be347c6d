// What every thread that writes into the ring must agree on, in one small SharedArrayBuffer so
// receiver worker threads see the same values as the main thread (Atomics only):
// - the gate, closed when the ring's drain begins: nothing enters the ring after that, and the
//   drain waits for writers already past the gate (a worker thread may be mid-write);
// - the memory guard's verdict (the process's RSS counts every thread);
// - since when every request has been refused for lack of room (/readyz).
const CLOSED = 0;
const INSIDE = 1;
const OVER_LIMIT = 2;
const REFUSING = 3;
/** Float64 index of the time refusals began */
const SINCE = 2;
const BYTES = 24;

export class IntakeState {
  readonly sab: SharedArrayBuffer;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;

  /** A new state, or one attached to another thread's (its `sab`). */
  constructor(sab = new SharedArrayBuffer(BYTES)) {
    this.sab = sab;
    this.i32 = new Int32Array(sab, 0, 4);
    this.f64 = new Float64Array(sab, 0, 3);
  }

  get closed(): boolean {
    return Atomics.load(this.i32, CLOSED) !== 0;
  }

  /**
   * A writer passes the gate (false: it is closed). Counted before the check, so a close()
   * either is seen here or sees this writer inside, never neither.
   */
  enter(): boolean {
    Atomics.add(this.i32, INSIDE, 1);
    if (Atomics.load(this.i32, CLOSED) === 0) return true;
    Atomics.sub(this.i32, INSIDE, 1);
    return false;
  }

  leave(): void {
    Atomics.sub(this.i32, INSIDE, 1);
  }

  close(): void {
    Atomics.store(this.i32, CLOSED, 1);
  }

  /**
   * Resolves true once no writer is inside the gate (a ring write takes microseconds), false
   * after `timeoutMs` (a thread that died inside it never leaves).
   */
  async settled(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Atomics.load(this.i32, INSIDE) !== 0) {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 1));
    }
    return true;
  }

  get overLimit(): boolean {
    return Atomics.load(this.i32, OVER_LIMIT) !== 0;
  }

  set overLimit(over: boolean) {
    Atomics.store(this.i32, OVER_LIMIT, over ? 1 : 0);
  }

  /** A request taken: the intake is not stuck. Hot path: a load, a store only on a change. */
  accepted(): void {
    if (Atomics.load(this.i32, REFUSING) !== 0) Atomics.store(this.i32, REFUSING, 0);
  }

  /** A request refused for lack of room (ring full, memory limit, log failing) or dropped. */
  refused(now: number): void {
    if (Atomics.load(this.i32, REFUSING) !== 0) return;
    this.f64[SINCE] = now;
    Atomics.store(this.i32, REFUSING, 1);
  }

  /** How long every request has been refused (0 while taking data). */
  refusingFor(now: number): number {
    return Atomics.load(this.i32, REFUSING) === 0 ? 0 : now - this.f64[SINCE]!;
  }
}
