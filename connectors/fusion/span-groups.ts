// An emission's spans grouped by resource and scope (object identity, as scanned), groups in
// the order first seen. The maps and lists are reused from emission to emission: made afresh,
// they were a map and a growing list per resource per emission (~200 KB per emission of 10,000
// one-span traces), which lived through scavenges often enough to reach the old generation.
import { HeldSpan } from './model.js';

const EMPTY = new Uint8Array(0);
/** what a list's slots past its count hold: a span of no batch */
const NO_SPAN = new HeldSpan();

export interface ScopeGroup {
  scope: Uint8Array;
  resource: ResourceGroup | undefined;
  /** spans[0, count) */
  spans: HeldSpan[];
  count: number;
}

export interface ResourceGroup {
  resource: Uint8Array;
  /** scopes[0, count) */
  scopes: ScopeGroup[];
  count: number;
}

export class SpanGroups {
  /** resources[0, count), in the order first seen */
  readonly resources: ResourceGroup[] = [];
  count = 0;
  private readonly byResource = new Map<Uint8Array, ResourceGroup>();
  /** one map for every resource's scopes (cleared once per emission, not once per resource) */
  private readonly byScope = new Map<Uint8Array, ScopeGroup>();
  private readonly spareScopes: ScopeGroup[] = [];
  /** the group the last span went to: consecutive spans of one request share it */
  private last: ScopeGroup | undefined;
  private lastResource: Uint8Array = EMPTY;
  private lastScope: Uint8Array = EMPTY;

  add(s: HeldSpan): void {
    const resource = s.resource.raw;
    const scope = s.scope;
    let g = this.last;
    if (g === undefined || resource !== this.lastResource || scope !== this.lastScope) {
      g = this.group(resource, scope);
      this.last = g;
      this.lastResource = resource;
      this.lastScope = scope;
    }
    g.spans[g.count++] = s;
  }

  /** Lets go of every span and view (the lists keep their storage for the next emission). */
  clear(): void {
    for (let i = 0; i < this.count; i++) {
      const r = this.resources[i]!;
      for (let j = 0; j < r.count; j++) {
        const sg = r.scopes[j]!;
        // overwritten, not cut: cutting a list gives its storage up
        sg.spans.fill(NO_SPAN, 0, sg.count);
        sg.count = 0;
        sg.scope = EMPTY;
        sg.resource = undefined;
        this.spareScopes.push(sg);
      }
      r.count = 0;
      r.resource = EMPTY;
    }
    this.count = 0;
    this.byResource.clear();
    this.byScope.clear();
    this.last = undefined;
    this.lastResource = EMPTY;
    this.lastScope = EMPTY;
  }

  private group(resource: Uint8Array, scope: Uint8Array): ScopeGroup {
    let r = this.byResource.get(resource);
    if (r === undefined) {
      r = this.resources[this.count];
      if (r === undefined) this.resources.push((r = { resource, scopes: [], count: 0 }));
      r.resource = resource;
      this.count++;
      this.byResource.set(resource, r);
    }
    let sg = this.byScope.get(scope);
    if (sg === undefined || sg.resource !== r) {
      // a scope view seen under another resource too (not as scanned, but allowed): r's own
      sg = undefined;
      for (let i = 0; i < r.count && sg === undefined; i++) if (r.scopes[i]!.scope === scope) sg = r.scopes[i]!;
      if (sg === undefined) {
        sg = this.spareScopes.pop() ?? { scope, resource: r, spans: [], count: 0 };
        sg.scope = scope;
        sg.resource = r;
        r.scopes[r.count++] = sg;
      }
      this.byScope.set(scope, sg);
    }
    return sg;
  }
}
