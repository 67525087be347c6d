// Grouping an emission's spans by resource and scope, with the structures reused from call to
// call: against a grouping computed here with fresh Maps (the order groups were first seen in),
// over random interleavings, scope views shared by two resources, and emissions of different
// sizes one after another (a reused list longer than the next emission must not leak spans).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeldSpan, type ResourceInfo } from '../../../connectors/fusion/model.js';
import { SpanGroups } from '../../../connectors/fusion/span-groups.js';
import { rng } from '../../harness/prng.js';

function resource(name: string): ResourceInfo {
  return { raw: Buffer.from(name), service: name, gpuUuid: undefined, pid: undefined, node: undefined };
}

function span(r: ResourceInfo, scope: Uint8Array): HeldSpan {
  const s = new HeldSpan();
  s.resource = r;
  s.scope = scope;
  return s;
}

/** the expected grouping: [resource raw, [scope, spans][]][] in first-seen order */
function expected(spans: HeldSpan[]): [Uint8Array, [Uint8Array, HeldSpan[]][]][] {
  const out = new Map<Uint8Array, Map<Uint8Array, HeldSpan[]>>();
  for (const s of spans) {
    let byScope = out.get(s.resource.raw);
    if (!byScope) out.set(s.resource.raw, (byScope = new Map()));
    const list = byScope.get(s.scope);
    if (list) list.push(s);
    else byScope.set(s.scope, [s]);
  }
  return [...out].map(([r, m]) => [r, [...m]]);
}

function actual(g: SpanGroups): [Uint8Array, [Uint8Array, HeldSpan[]][]][] {
  const out: [Uint8Array, [Uint8Array, HeldSpan[]][]][] = [];
  for (let i = 0; i < g.count; i++) {
    const r = g.resources[i]!;
    const scopes: [Uint8Array, HeldSpan[]][] = [];
    for (let j = 0; j < r.count; j++) {
      const sg = r.scopes[j]!;
      scopes.push([sg.scope, sg.spans.slice(0, sg.count)]);
    }
    out.push([r.resource, scopes]);
  }
  return out;
}

test('groups as fresh maps would, call after call, with scope views shared across resources', () => {
  const r = rng(11);
  const resources = Array.from({ length: 6 }, (_, i) => resource(`r${i}`));
  const shared = new Uint8Array(3);
  const scopes = resources.map(() => [new Uint8Array(2), new Uint8Array(2), shared]);
  const g = new SpanGroups();
  for (let round = 0; round < 40; round++) {
    // emissions of very different sizes, runs of one request's spans and interleavings
    const n = round % 3 === 0 ? 1 + Math.floor(r() * 5) : Math.floor(r() * 400);
    const spans: HeldSpan[] = [];
    while (spans.length < n) {
      const ri = Math.floor(r() * resources.length);
      const si = Math.floor(r() * 3);
      const run = 1 + Math.floor(r() * 8);
      for (let k = 0; k < run && spans.length < n; k++) spans.push(span(resources[ri]!, scopes[ri]![si]!));
    }
    for (const s of spans) g.add(s);
    const want = expected(spans);
    assert.deepEqual(actual(g).map(([res, sc]) => [res, sc.map(([scope, list]) => [scope, list.length])]), want.map(([res, sc]) => [res, sc.map(([scope, list]) => [scope, list.length])]));
    // identity, not only shape: the very span objects, resources and scope views
    const got = actual(g);
    for (let i = 0; i < want.length; i++) {
      assert.equal(got[i]![0], want[i]![0]);
      for (let j = 0; j < want[i]![1].length; j++) {
        assert.equal(got[i]![1][j]![0], want[i]![1][j]![0]);
        want[i]![1][j]![1].forEach((s, k) => assert.equal(got[i]![1][j]![1][k], s));
      }
    }
    g.clear();
    assert.equal(g.count, 0);
  }
});

test('clear lets go of every span, resource and scope of the emission', () => {
  const g = new SpanGroups();
  const res = resource('big');
  const scope = new Uint8Array(5);
  const spans = Array.from({ length: 50 }, () => span(res, scope));
  for (const s of spans) g.add(s);
  g.clear();
  // nothing the reused structures hold still refers to the emission's objects
  for (const r of g.resources) {
    assert.notEqual(r.resource, res.raw);
    for (const sg of r.scopes) {
      assert.notEqual(sg.scope, scope);
      for (const s of sg.spans) assert.ok(!spans.includes(s));
    }
  }
});
