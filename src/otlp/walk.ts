// Walks the shared shape of every OTLP export request without decoding it:
//   request.1 → Resource<X> { 1: resource, 2: Scope<X> { 1: scope, 2: item } }
// (spans, log records and metrics alike), handing out byte ranges. A callback form of
// RequestCursor.
import { RequestCursor } from './request-cursor.js';

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
  const c = new RequestCursor().begin(buf);
  while (c.nextResource()) {
    const ctx: ItemContext<R> = { resource: onResource(c.resourceStart, c.resourceEnd), scopeStart: 0, scopeEnd: 0 };
    while (c.nextScope()) {
      ctx.scopeStart = c.scopeStart;
      ctx.scopeEnd = c.scopeEnd;
      while (c.nextItem()) onItem(c.itemStart, c.itemEnd, ctx);
    }
  }
}
