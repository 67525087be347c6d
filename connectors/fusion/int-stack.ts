// A stack of non-negative integers in a typed array. A JS array used as a stack gives its storage
// up as it empties (V8 trims one under half full on pop) and allocates it again as it refills:
// fusion's free slots go down and up by thousands per emission.
export class IntStack {
  private items: Int32Array;
  size = 0;

  constructor(capacity = 1024) {
    this.items = new Int32Array(Math.max(1, capacity));
  }

  push(v: number): void {
    if (this.size === this.items.length) {
      const bigger = new Int32Array(this.items.length * 2);
      bigger.set(this.items);
      this.items = bigger;
    }
    this.items[this.size++] = v;
  }

  /** The top value, taken off; -1 when empty. */
  pop(): number {
    return this.size > 0 ? this.items[--this.size]! : -1;
  }

  /** The top value, left on; -1 when empty. */
  peek(): number {
    return this.size > 0 ? this.items[this.size - 1]! : -1;
  }
}
