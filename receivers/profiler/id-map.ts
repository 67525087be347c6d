// id → int for the ids Kineto hands out (correlation, External id): mostly dense and rising, so
// paged typed arrays (4 bytes per id); switches to a Map when the ids turn out sparse.
const PAGE = 1024;

export class IdMap {
  private pages: Map<number, Int32Array> | undefined = new Map();
  private sparse: Map<number, number> | undefined;
  private count = 0;

  /** the value stored for `id`; -1 when none */
  get(id: number): number {
    if (this.sparse) return this.sparse.get(id) ?? -1;
    const p = this.pages!.get(Math.floor(id / PAGE));
    return p ? p[id % PAGE]! - 1 : -1;
  }

  /** stores `v` (≥ 0) for `id` unless it has one already: the first in file order wins */
  setFirst(id: number, v: number): void {
    if (this.sparse) {
      if (!this.sparse.has(id)) this.sparse.set(id, v);
      return;
    }
    const pages = this.pages!;
    const key = Math.floor(id / PAGE);
    let p = pages.get(key);
    if (!p) {
      // more than 16 pages per 1024 ids stored: sparse ids, a Map costs less
      if (pages.size > 64 && pages.size * 64 > this.count) {
        this.toSparse();
        this.setFirst(id, v);
        return;
      }
      pages.set(key, (p = new Int32Array(PAGE)));
    }
    const i = id % PAGE;
    if (p[i] === 0) {
      p[i] = v + 1;
      this.count++;
    }
  }

  private toSparse(): void {
    const m = new Map<number, number>();
    for (const [key, p] of this.pages!) for (let i = 0; i < PAGE; i++) if (p[i] !== 0) m.set(key * PAGE + i, p[i]! - 1);
    this.sparse = m;
    this.pages = undefined;
  }
}
