// Iterates any Export*ServiceRequest without decoding it, all three signals alike:
//   request { 1: Resource<X> { 1: resource, 2: Scope<X> { 1: scope, 2: item } } }
//   for (c.begin(buf); c.nextResource(); ) for (; c.nextScope(); ) for (; c.nextItem(); ) use(c.itemStart, c.itemEnd)
// A resource or scope may follow its children on the wire: each level is pre-scanned for it.
import { NO } from './fields.js';
import { Reader } from './wire.js';

const ENTRY = NO.ExportTraceServiceRequest.resourceSpans;
const RESOURCE = NO.ResourceSpans.resource;
const SCOPE_ENTRY = NO.ResourceSpans.scopeSpans;
const SCOPE = NO.ScopeSpans.scope;
const ITEM = NO.ScopeSpans.spans;
// The walk is shared by the three signals because their request shapes number alike.
if (
  NO.ExportLogsServiceRequest.resourceLogs !== ENTRY || NO.ExportMetricsServiceRequest.resourceMetrics !== ENTRY ||
  NO.ResourceLogs.resource !== RESOURCE || NO.ResourceMetrics.resource !== RESOURCE ||
  NO.ResourceLogs.scopeLogs !== SCOPE_ENTRY || NO.ResourceMetrics.scopeMetrics !== SCOPE_ENTRY ||
  NO.ScopeLogs.scope !== SCOPE || NO.ScopeMetrics.scope !== SCOPE ||
  NO.ScopeLogs.logRecords !== ITEM || NO.ScopeMetrics.metrics !== ITEM
) throw new Error('request-cursor: the signals\' request shapes differ');

const EMPTY = new Uint8Array(0);

export class RequestCursor {
  /** the Resource<X> entry, and its Resource ([0, 0) when absent) */
  entryStart = 0;
  entryEnd = 0;
  resourceStart = 0;
  resourceEnd = 0;
  /** the Scope<X> entry, and its InstrumentationScope ([0, 0) when absent) */
  scopeEntryStart = 0;
  scopeEntryEnd = 0;
  scopeStart = 0;
  scopeEnd = 0;
  /** the current span, log record or metric */
  itemStart = 0;
  itemEnd = 0;
  /** where the current item's entry (its key and length, then [itemStart, itemEnd)) begins */
  itemEntryStart = 0;
  private readonly top = new Reader(EMPTY);
  private readonly rs = new Reader(EMPTY);
  private readonly ss = new Reader(EMPTY);

  get buf(): Uint8Array {
    return this.top.buf;
  }

  begin(buf: Uint8Array, start = 0, end = buf.length): this {
    this.top.target(buf, start, end);
    this.rs.target(buf, 0, 0);
    this.ss.target(buf, 0, 0);
    return this;
  }

  nextResource(): boolean {
    const top = this.top;
    while (top.more()) {
      top.tag();
      if (top.field !== ENTRY || top.wt !== 2) {
        top.skip();
        continue;
      }
      top.lenBounds();
      this.entryStart = top.start;
      this.entryEnd = top.stop;
      this.resourceStart = 0;
      this.resourceEnd = 0;
      const rs = this.rs.reset(top.start, top.stop);
      while (rs.more()) {
        rs.tag();
        if (rs.field === RESOURCE && rs.wt === 2) {
          rs.lenBounds();
          this.resourceStart = rs.start;
          this.resourceEnd = rs.stop;
        } else rs.skip();
      }
      rs.reset(top.start, top.stop);
      this.ss.reset(0, 0);
      return true;
    }
    return false;
  }

  nextScope(): boolean {
    const rs = this.rs;
    while (rs.more()) {
      rs.tag();
      if (rs.field !== SCOPE_ENTRY || rs.wt !== 2) {
        rs.skip();
        continue;
      }
      rs.lenBounds();
      this.scopeEntryStart = rs.start;
      this.scopeEntryEnd = rs.stop;
      this.scopeStart = 0;
      this.scopeEnd = 0;
      const ss = this.ss.reset(rs.start, rs.stop);
      while (ss.more()) {
        ss.tag();
        if (ss.field === SCOPE && ss.wt === 2) {
          ss.lenBounds();
          this.scopeStart = ss.start;
          this.scopeEnd = ss.stop;
        } else ss.skip();
      }
      ss.reset(rs.start, rs.stop);
      return true;
    }
    return false;
  }

  nextItem(): boolean {
    const ss = this.ss;
    while (ss.more()) {
      this.itemEntryStart = ss.pos;
      ss.tag();
      if (ss.field !== ITEM || ss.wt !== 2) {
        ss.skip();
        continue;
      }
      ss.lenBounds();
      this.itemStart = ss.start;
      this.itemEnd = ss.stop;
      return true;
    }
    return false;
  }
}
