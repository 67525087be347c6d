// A typed array that grows by half again when full: the per-event columns of the pass-1 index
// (no JS object per event, and at most a third of the room unused).

export class Growable<T extends Float64Array | Int32Array | Uint16Array | Uint8Array> {
  a: T;
  constructor(private readonly make: (n: number) => T) {
    this.a = make(1024);
  }
  set(i: number, v: number): void {
    if (i >= this.a.length) {
      const b = this.make(Math.max(i + 1, Math.ceil(this.a.length * 1.5)));
      b.set(this.a);
      this.a = b;
    }
    this.a[i] = v;
  }
}

/** flow events of one phase (s: at the launch, f: at the GPU activity): id, thread and time */
export class FlowList {
  readonly id = new Growable((n) => new Float64Array(n));
  readonly thread = new Growable((n) => new Int32Array(n));
  readonly ts = new Growable((n) => new Float64Array(n));
  n = 0;
  push(id: number, thread: number, ts: number): void {
    const i = this.n++;
    this.id.set(i, id);
    this.thread.set(i, thread);
    this.ts.set(i, ts);
  }
}
