// Cuts one Export*ServiceRequest into smaller ones along entry boundaries, from the bytes:
// every output keeps each item's resource and scope (their fields copied verbatim), items
// are never cut, and the outputs together hold every item of the input exactly once.
//
// All three signals share one shape, which is what lets this code stay signal-agnostic:
//   request:  resource entries          = field 1 (resource_spans | resource_logs | resource_metrics)
//   resource: scope entries             = field 2 (scope_spans | scope_logs | scope_metrics), other fields = header
//   scope:    items                     = field 2 (spans | log_records | metrics),            other fields = header
// An "item" is a Span, a LogRecord or a Metric (with all its data points).
import { Reader, WT_LEN, putVarint, varintSize } from './wire.js';

const F_RESOURCE_ENTRY = 1;
const F_CHILD = 2;
const TAG_RESOURCE_ENTRY = (F_RESOURCE_ENTRY << 3) | WT_LEN; // 0x0a
const TAG_CHILD = (F_CHILD << 3) | WT_LEN; // 0x12

/** Where every resource, scope and item of a request lies in its bytes. Built once per batch. */
export interface RequestLayout {
  readonly buf: Uint8Array;
  /** per resource: its non-scope fields as [start, end) byte ranges (tags included) */
  readonly resourceHeaders: number[][];
  readonly resourceHeaderLen: number[];
  /** per scope: its resource's index, and its non-item fields as byte ranges */
  readonly scopeResource: number[];
  readonly scopeHeaders: number[][];
  readonly scopeHeaderLen: number[];
  /** per item: its scope's index and the bounds of its message bytes (tag and length excluded) */
  readonly itemScope: number[];
  readonly itemStart: number[];
  readonly itemEnd: number[];
}

/**
 * Maps a request's entries. Fields of the request other than its resource entries do not
 * exist in OTLP and are dropped; unknown fields inside resources and scopes are kept.
 * Throws WireError on malformed bytes.
 */
export function parseLayout(buf: Uint8Array): RequestLayout {
  const L = {
    buf,
    resourceHeaders: [] as number[][],
    resourceHeaderLen: [] as number[],
    scopeResource: [] as number[],
    scopeHeaders: [] as number[][],
    scopeHeaderLen: [] as number[],
    itemScope: [] as number[],
    itemStart: [] as number[],
    itemEnd: [] as number[],
  };
  const top = new Reader(buf);
  const res = new Reader(buf);
  const scope = new Reader(buf);
  while (top.more()) {
    top.tag();
    if (top.field !== F_RESOURCE_ENTRY || top.wt !== WT_LEN) {
      top.skip();
      continue;
    }
    top.lenBounds();
    const r = L.resourceHeaders.length;
    const rHeaders: number[] = [];
    res.reset(top.start, top.stop);
    while (res.more()) {
      const fieldStart = res.pos;
      res.tag();
      if (res.field !== F_CHILD || res.wt !== WT_LEN) {
        res.skip();
        addRange(rHeaders, fieldStart, res.pos);
        continue;
      }
      res.lenBounds();
      const s = L.scopeHeaders.length;
      const sHeaders: number[] = [];
      scope.reset(res.start, res.stop);
      while (scope.more()) {
        const itemFieldStart = scope.pos;
        scope.tag();
        if (scope.field !== F_CHILD || scope.wt !== WT_LEN) {
          scope.skip();
          addRange(sHeaders, itemFieldStart, scope.pos);
          continue;
        }
        scope.lenBounds();
        L.itemScope.push(s);
        L.itemStart.push(scope.start);
        L.itemEnd.push(scope.stop);
      }
      L.scopeResource.push(r);
      L.scopeHeaders.push(sHeaders);
      L.scopeHeaderLen.push(rangesLen(sHeaders));
    }
    L.resourceHeaders.push(rHeaders);
    L.resourceHeaderLen.push(rangesLen(rHeaders));
  }
  return L;
}

function addRange(ranges: number[], start: number, end: number): void {
  // Adjacent fields form one range: fewer copies when building.
  if (ranges.length > 0 && ranges[ranges.length - 1] === start) ranges[ranges.length - 1] = end;
  else ranges.push(start, end);
}

function rangesLen(ranges: number[]): number {
  let n = 0;
  for (let i = 0; i < ranges.length; i += 2) n += ranges[i + 1]! - ranges[i]!;
  return n;
}

/** Bytes of a length-delimited field with a one-byte tag and `len` bytes of content. */
function fieldLen(len: number): number {
  return 1 + varintSize(len) + len;
}

export function itemCount(L: RequestLayout): number {
  return L.itemStart.length;
}

/** Every item index in order: the whole request. */
export function allItems(L: RequestLayout): number[] {
  const out = new Array<number>(L.itemStart.length);
  for (let i = 0; i < out.length; i++) out[i] = i;
  return out;
}

/** Encoded size of the request holding exactly these items (ascending indices). */
export function requestSize(L: RequestLayout, items: readonly number[]): number {
  return layoutRuns(L, items).total;
}

export interface PackResult {
  /** item indices of each output request, in input order; each request is ≤ maxBytes */
  readonly parts: number[][];
  /** items whose request alone (with its resource and scope) exceeds maxBytes */
  readonly oversized: number[];
}

/**
 * Greedily packs `items` (ascending indices) into as few requests of at most `maxBytes` as
 * keeps them in order. Sizes are exact: `buildRequest` of each part is ≤ maxBytes.
 */
export function packItems(L: RequestLayout, items: readonly number[], maxBytes: number): PackResult {
  const parts: number[][] = [];
  const oversized: number[] = [];
  let cur: number[] = [];
  // Size of the part so far = closed + fieldLen(resContent + fieldLen(scopeContent)).
  let closed = 0;
  let openR = -1;
  let openS = -1;
  let resContent = 0; // resource header + closed scope entries of the open resource
  let scopeContent = 0; // scope header + items of the open scope

  const startWith = (k: number): void => {
    const s = L.itemScope[k]!;
    const r = L.scopeResource[s]!;
    const itemLen = fieldLen(L.itemEnd[k]! - L.itemStart[k]!);
    closed = 0;
    openR = r;
    openS = s;
    resContent = L.resourceHeaderLen[r]!;
    scopeContent = L.scopeHeaderLen[s]! + itemLen;
    if (fieldLen(resContent + fieldLen(scopeContent)) > maxBytes) {
      oversized.push(k);
      openR = -1;
      openS = -1;
      return;
    }
    cur = [k];
  };

  for (const k of items) {
    if (openR < 0) {
      startWith(k);
      continue;
    }
    const s = L.itemScope[k]!;
    const r = L.scopeResource[s]!;
    const itemLen = fieldLen(L.itemEnd[k]! - L.itemStart[k]!);
    let nClosed = closed;
    let nRes = resContent;
    let nScope: number;
    if (r === openR && s === openS) {
      nScope = scopeContent + itemLen;
    } else if (r === openR) {
      nRes = resContent + fieldLen(scopeContent);
      nScope = L.scopeHeaderLen[s]! + itemLen;
    } else {
      nClosed = closed + fieldLen(resContent + fieldLen(scopeContent));
      nRes = L.resourceHeaderLen[r]!;
      nScope = L.scopeHeaderLen[s]! + itemLen;
    }
    if (nClosed + fieldLen(nRes + fieldLen(nScope)) <= maxBytes) {
      closed = nClosed;
      resContent = nRes;
      scopeContent = nScope;
      openR = r;
      openS = s;
      cur.push(k);
    } else {
      parts.push(cur);
      cur = [];
      startWith(k);
    }
  }
  if (openR >= 0 && cur.length > 0) parts.push(cur);
  return { parts, oversized };
}

interface Runs {
  total: number;
  /** per resource run: [resourceIndex, contentLen, firstScopeRun, scopeRunCount] */
  res: number[];
  /** per scope run: [scopeIndex, contentLen, firstItemPos, itemCount] (positions in `items`) */
  scopes: number[];
}

function layoutRuns(L: RequestLayout, items: readonly number[]): Runs {
  const res: number[] = [];
  const scopes: number[] = [];
  let total = 0;
  let i = 0;
  while (i < items.length) {
    const r = L.scopeResource[L.itemScope[items[i]!]!]!;
    const firstScopeRun = scopes.length / 4;
    let rContent = L.resourceHeaderLen[r]!;
    // Items of one resource are contiguous in any ascending selection.
    while (i < items.length && L.scopeResource[L.itemScope[items[i]!]!] === r) {
      const s = L.itemScope[items[i]!]!;
      const first = i;
      let sContent = L.scopeHeaderLen[s]!;
      while (i < items.length && L.itemScope[items[i]!] === s) {
        const k = items[i]!;
        sContent += fieldLen(L.itemEnd[k]! - L.itemStart[k]!);
        i++;
      }
      scopes.push(s, sContent, first, i - first);
      rContent += fieldLen(sContent);
    }
    res.push(r, rContent, firstScopeRun, scopes.length / 4 - firstScopeRun);
    total += fieldLen(rContent);
  }
  return { total, res, scopes };
}

/** Encodes the request holding exactly these items (ascending indices). */
export function buildRequest(L: RequestLayout, items: readonly number[]): Uint8Array {
  const runs = layoutRuns(L, items);
  const out = new Uint8Array(runs.total);
  const src = L.buf;
  let pos = 0;
  const copyRanges = (ranges: number[]): void => {
    for (let j = 0; j < ranges.length; j += 2) {
      out.set(src.subarray(ranges[j]!, ranges[j + 1]!), pos);
      pos += ranges[j + 1]! - ranges[j]!;
    }
  };
  for (let ri = 0; ri < runs.res.length; ri += 4) {
    const r = runs.res[ri]!;
    out[pos++] = TAG_RESOURCE_ENTRY;
    pos = putVarint(out, pos, runs.res[ri + 1]!);
    copyRanges(L.resourceHeaders[r]!);
    const firstScope = runs.res[ri + 2]!;
    const scopeCount = runs.res[ri + 3]!;
    for (let si = firstScope * 4; si < (firstScope + scopeCount) * 4; si += 4) {
      const s = runs.scopes[si]!;
      out[pos++] = TAG_CHILD;
      pos = putVarint(out, pos, runs.scopes[si + 1]!);
      copyRanges(L.scopeHeaders[s]!);
      const first = runs.scopes[si + 2]!;
      const count = runs.scopes[si + 3]!;
      for (let p = first; p < first + count; p++) {
        const k = items[p]!;
        const start = L.itemStart[k]!;
        const end = L.itemEnd[k]!;
        out[pos++] = TAG_CHILD;
        pos = putVarint(out, pos, end - start);
        out.set(src.subarray(start, end), pos);
        pos += end - start;
      }
    }
  }
  if (pos !== out.length) throw new Error(`split: built ${pos} bytes, expected ${out.length}`);
  return out;
}

/** Item bytes (the Span, LogRecord or Metric message) of item `k`. */
export function itemBytes(L: RequestLayout, k: number): Uint8Array {
  return L.buf.subarray(L.itemStart[k]!, L.itemEnd[k]!);
}

/**
 * Cuts a request into consecutive runs of whole top-level fields (resource entries), each at
 * most `maxBytes` where a single field allows: a run of whole fields is itself a valid request,
 * so the parts are views of `buf`, not copies, and nothing below the top level is read. A
 * resource entry larger than `maxBytes` comes back as a run of its own, for the caller to cut
 * with parseLayout. Returns [start, end) pairs; throws WireError on malformed bytes.
 */
export function topLevelRuns(buf: Uint8Array, maxBytes: number): number[] {
  const runs: number[] = [];
  const top = new Reader(buf);
  let runStart = 0;
  while (top.more()) {
    const fieldStart = top.pos;
    top.tag();
    top.skip();
    if (top.pos - runStart > maxBytes && fieldStart > runStart) {
      runs.push(runStart, fieldStart);
      runStart = fieldStart;
    }
  }
  if (buf.length > runStart) runs.push(runStart, buf.length);
  return runs;
}

/**
 * Spans, log records or metrics in a request (field 2 of each scope entry), by walking tags
 * only: for the few callers that need a count of parts they cut without parseLayout.
 */
export function countEntryItems(buf: Uint8Array): number {
  const top = new Reader(buf);
  const res = new Reader(buf);
  const scope = new Reader(buf);
  let n = 0;
  while (nextEntry(top, F_RESOURCE_ENTRY)) {
    res.reset(top.start, top.stop);
    while (nextEntry(res, F_CHILD)) {
      scope.reset(res.start, res.stop);
      while (nextEntry(scope, F_CHILD)) n++;
    }
  }
  return n;
}

/** Moves `r` past its next length-delimited field number `field` (bounds in start/stop); false at the end. */
function nextEntry(r: Reader, field: number): boolean {
  while (r.more()) {
    r.tag();
    if (r.field === field && r.wt === WT_LEN) {
      r.lenBounds();
      return true;
    }
    r.skip();
  }
  return false;
}
