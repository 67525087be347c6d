// Walks the shared shape of every OTLP export request without decoding it:
//   request.1 → Resource<X> { 1: resource, 2: Scope<X> { 1: scope, 2: item } }
// (spans, log records and metrics alike), handing out byte ranges.
import { Reader } from './wire.js';

export interface ItemContext<R> {
  /** what onResource returned for this entry's Resource (or for an absent one) */
  resource: R;
  /** InstrumentationScope bytes range ([0, 0) when absent) */
  scopeStart: number;
  scopeEnd: number;
}

export function walkRequest<R>(
  buf: Uint8Array,
  onResource: (start: number, end: number) => R,
  onItem: (start: number, end: number, ctx: ItemContext<R>) => void,
): void {
  const top = new Reader(buf);
  const rs = new Reader(buf);
  while (top.more()) {
    top.tag();
    if (top.field !== 1 || top.wt !== 2) {
      top.skip();
      continue;
    }
    top.lenBounds();
    // resource first (it may come after the scopes on the wire), then every scope's items
    let resStart = 0;
    let resEnd = 0;
    const scopes: number[] = [];
    rs.reset(top.start, top.stop);
    while (rs.more()) {
      rs.tag();
      if (rs.field === 1 && rs.wt === 2) {
        rs.lenBounds();
        resStart = rs.start;
        resEnd = rs.stop;
      } else if (rs.field === 2 && rs.wt === 2) {
        rs.lenBounds();
        scopes.push(rs.start, rs.stop);
      } else rs.skip();
    }
    const ctx: ItemContext<R> = { resource: onResource(resStart, resEnd), scopeStart: 0, scopeEnd: 0 };
    for (let i = 0; i < scopes.length; i += 2) {
      const sr = new Reader(buf, scopes[i]!, scopes[i + 1]!);
      const items: number[] = [];
      ctx.scopeStart = 0;
      ctx.scopeEnd = 0;
      while (sr.more()) {
        sr.tag();
        if (sr.field === 1 && sr.wt === 2) {
          sr.lenBounds();
          ctx.scopeStart = sr.start;
          ctx.scopeEnd = sr.stop;
        } else if (sr.field === 2 && sr.wt === 2) {
          sr.lenBounds();
          items.push(sr.start, sr.stop);
        } else sr.skip();
      }
      for (let k = 0; k < items.length; k += 2) onItem(items[k]!, items[k + 1]!, ctx);
    }
  }
}
