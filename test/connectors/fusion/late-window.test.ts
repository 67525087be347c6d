// What fusion remembers of emitted traces for late logs: the late window's generations of id
// tables against a Map of each trace's last emission (random traces, some emitted twice, over
// many generations, with expiry by age and by bytes); then fusion itself: late logs get
// fragments with the parent, name, times, resource and scope of the span they belong to, read
// from the outline; late_window_bytes forgets the oldest traces (counted) and bounds the bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { createDefaultConfig } from '../../../connectors/fusion/config.js';
import { FusionCore } from '../../../connectors/fusion/fusion-core.js';
import { LateWindow } from '../../../connectors/fusion/late-window.js';
import { word } from '../../../connectors/fusion/id-hash.js';
import { decodeRequest, encodeRequest } from '../../../src/otlp/index.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { PromMetrics } from '../../../src/telemetry/registry.js';
import { rng } from '../../harness/prng.js';

describe('late window generations', () => {
  test('each trace is found in its last emission while that is remembered, by age and by bytes', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const r = rng(seed);
      const windowMs = 8000; // generations of 1 s
      const maxBytes = seed % 2 === 0 ? 3000 : 1e9; // odd seeds: age only
      const w = new LateWindow(windowMs, maxBytes);
      const ids: Buffer[] = [];
      /** trace → its last emission; emission → [at, bytes] */
      const last = new Map<string, number>();
      const emissions: { at: number; bytes: number }[] = [];
      let now = 1_000_000;
      for (let seq = 0; seq < 400; seq++) {
        now += Math.floor(r() * 200);
        const n = 1 + Math.floor(r() * 5);
        for (let k = 0; k < n; k++) {
          // a third of the time, a trace seen before leaves again (spans after it left)
          let id: Buffer;
          if (ids.length > 0 && r() < 0.33) id = ids[Math.floor(r() * ids.length)]!;
          else {
            id = Buffer.alloc(16);
            for (let i = 0; i < 16; i++) id[i] = Math.floor(r() * 256);
            ids.push(id);
          }
          w.remember(Int32Array.of(word(id, 0), word(id, 4), word(id, 8), word(id, 12)), 0, seq, now);
          last.set(id.toString('latin1'), seq);
        }
        const bytes = 50 + Math.floor(r() * 100);
        w.add(seq, now, new Uint8Array(bytes).fill(seq & 0xff), n);
        emissions.push({ at: now, bytes });
        w.bound();
        if (seq % 7 === 0) w.expire(now);
        // expected: the newest emissions within maxBytes, and not older than the window when last expired
        let oldest = seq + 1;
        let sum = 0;
        while (oldest > 0 && sum + emissions[oldest - 1]!.bytes <= maxBytes) sum += emissions[--oldest]!.bytes;
        assert.equal(w.base >= oldest, true);
        assert.equal(w.bytes <= maxBytes, true);
        for (const id of ids) {
          const key = id.toString('latin1');
          const e = w.find(key);
          const want = last.get(key)!;
          if (want >= w.base) {
            assert.ok(e, `seed ${seed}: emission ${want} remembered`);
            assert.equal(e, w.get(want));
          } else assert.equal(e, undefined, `seed ${seed}: emission ${want} forgotten (base ${w.base})`);
        }
        // only emissions that are due are gone
        if (seq % 7 === 0) for (let s = w.base; s <= seq; s++) assert.equal(now - emissions[s]!.at <= windowMs, true);
        if (maxBytes === 1e9 && seq % 7 === 0) assert.equal(w.base, emissions.findIndex((e) => now - e.at <= windowMs));
      }
      assert.ok(w.generationCount <= 12, `generations are dropped with their emissions (${w.generationCount})`);
      // every remembered outline still holds its own bytes (its chunk was not reused under it)
      for (let s = w.base; s < 400; s++) assert.ok(w.get(s)!.outline.every((b) => b === (s & 0xff)), `seed ${seed}: outline ${s} intact`);
    }
  });

  test('outline memory: chunks come back once their emissions are forgotten, and remembered outlines stay intact', () => {
    const w = new LateWindow(1000, 1e12);
    let now = 0;
    // 40 s at 25 emissions a second of 100 KB outlines: 100 MB written through a 1 s window
    for (let seq = 0; seq < 1000; seq++) {
      now += 40;
      w.add(seq, now, new Uint8Array(100_000).fill(seq % 251), 1);
      w.expire(now);
      for (const s of [w.base, seq, (w.base + seq) >> 1]) {
        const o = w.get(s)!.outline;
        assert.equal(o.length, 100_000);
        assert.ok(o[0] === s % 251 && o[o.length - 1] === s % 251 && o[o.length >> 1] === s % 251, `outline ${s} intact at ${seq}`);
      }
    }
    // a 1 s window holds ~2.5 MB: the current chunk, one filling up behind it, and spares
    assert.ok(w.outlineChunksAllocated <= 4, `${w.outlineChunksAllocated} chunks for 100 MB of outlines`);
    // an outline larger than half a chunk (8 MiB here) gets a buffer of its own
    w.add(1000, now, new Uint8Array(5 << 20).fill(7), 1);
    assert.equal(w.get(1000)!.outline.length, 5 << 20);
    w.clear();
    assert.equal(w.bytes, 0);
  });
});

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const T = (i: number): string => i.toString(16).padStart(32, '0');
const S = (i: number): string => i.toString(16).padStart(16, '0');
const BASE_MS = 1_795_000_000_000;
const ns = (ms: number): string => String(BigInt(BASE_MS + ms) * 1_000_000n);

interface SpanIn {
  trace: number;
  id: number;
  parent?: number;
  start: number;
  end: number;
  category?: string;
}

/** spans under two resources (services a and b) and scopes */
function spans(a: SpanIn[], b: SpanIn[] = []): Uint8Array {
  const span = (s: SpanIn) => ({
    traceId: T(s.trace), spanId: S(s.id), ...(s.parent !== undefined ? { parentSpanId: S(s.parent) } : {}), name: `op ${s.id}`,
    startTimeUnixNano: ns(s.start), endTimeUnixNano: ns(s.end), attributes: [str('http.route', '/x'), ...(s.category ? [str('kineto.category', s.category)] : [])],
  });
  return encodeRequest('traces', {
    resourceSpans: [
      { resource: { attributes: [str('service.name', 'a')] }, scopeSpans: [{ scope: { name: 'scope-a', version: '1' }, spans: a.map(span) }] },
      ...(b.length ? [{ resource: { attributes: [str('service.name', 'b')] }, scopeSpans: [{ scope: { name: 'scope-b' }, spans: b.map(span) }] }] : []),
    ],
  });
}

function logsFor(list: { trace: number; span: number; body: string }[]): Uint8Array {
  return encodeRequest('logs', { resourceLogs: [{ resource: { attributes: [str('service.name', 'a')] }, scopeLogs: [{ logRecords: list.map((l) => ({ timeUnixNano: ns(0), severityNumber: 9, body: { stringValue: l.body }, traceId: T(l.trace), spanId: S(l.span) })) }] }] });
}

type J = Record<string, unknown>;
interface Out { span: J; service: string; scope: string }

function core(cfg: Partial<ReturnType<typeof createDefaultConfig>> = {}) {
  let clock = BASE_MS;
  const out: Out[] = [];
  const metrics = new PromMetrics({ processMetrics: false });
  const c = new FusionCore({ ...createDefaultConfig(), decisionWaitMs: 1000, rootWaitMs: 100, rootlessWaitMs: 1000, documents: false, ...cfg }, { id: 'fusion', logger: pino({ level: 'silent' }), metrics, health: new HealthRegistry().scope('connector') }, {
    traces: (data) => {
      const req = decodeRequest('traces', data) as J;
      for (const rs of (req['resourceSpans'] ?? []) as J[]) {
        const service = (((rs['resource'] as J)['attributes'] as J[]).find((a) => a['key'] === 'service.name')!['value'] as J)['stringValue'] as string;
        for (const ss of (rs['scopeSpans'] ?? []) as J[]) for (const s of (ss['spans'] ?? []) as J[]) out.push({ span: s, service, scope: (ss['scope'] as J)['name'] as string });
      }
    },
    anomalies: () => {},
  }, () => clock);
  return { c, out, metrics, advance: (ms: number) => { clock += ms; c.tick(); } };
}

const logBodies = (s: J): string[] => ((s['events'] ?? []) as J[]).filter((e) => e['name'] === 'log').map((e) => ((e['attributes'] as J[]).find((a) => a['key'] === 'log.body')!['value'] as J)['stringValue'] as string);
const isFragment = (s: J): boolean => ((s['attributes'] ?? []) as J[]).some((a) => a['key'] === 'fusion.fragment');

describe('fusion late logs from the outline', () => {
  test('a fragment hangs from the span of its log (else the root; never a profiler span) with its name, times, resource and scope', () => {
    const f = core();
    // trace 1: root 10 (service a), child 11 (service b), profiler span 12 under 11 (service a)
    f.c.addSpans(spans([{ trace: 1, id: 10, start: 0, end: 900 }, { trace: 1, id: 12, parent: 11, start: 300, end: 350, category: 'kernel' }], [{ trace: 1, id: 11, parent: 10, start: 100, end: 700 }]));
    // trace 2, in its own emission later: one rootless span
    f.advance(200);
    f.c.addSpans(spans([{ trace: 2, id: 20, parent: 99, start: 40, end: 60 }]));
    f.advance(1100);
    f.advance(1100);
    assert.equal(f.c.heldTraces, 0);
    assert.equal(f.out.length, 4);
    f.c.addLogs(logsFor([
      { trace: 1, span: 11, body: 'on the child' },
      { trace: 1, span: 12, body: 'on the kernel' },
      { trace: 1, span: 77, body: 'unknown span' },
      { trace: 2, span: 20, body: 'on two' },
      { trace: 3, span: 30, body: 'no such trace' },
    ]));
    const frags = f.out.slice(4);
    assert.ok(frags.every((o) => isFragment(o.span)));
    const byParent = new Map(frags.map((o) => [`${o.span['traceId'] as string}/${o.span['parentSpanId'] as string}`, o]));
    assert.equal(frags.length, 3, 'child, root (kernel and unknown together), trace 2');
    const child = byParent.get(`${T(1)}/${S(11)}`)!;
    assert.deepEqual([child.span['name'], child.span['startTimeUnixNano'], child.span['endTimeUnixNano'], child.service, child.scope], ['op 11', ns(100), ns(700), 'b', 'scope-b']);
    assert.deepEqual(logBodies(child.span), ['on the child']);
    const root = byParent.get(`${T(1)}/${S(10)}`)!;
    assert.deepEqual([root.span['name'], root.span['startTimeUnixNano'], root.span['endTimeUnixNano'], root.service, root.scope], ['op 10', ns(0), ns(900), 'a', 'scope-a']);
    assert.deepEqual(logBodies(root.span).sort(), ['on the kernel', 'unknown span']);
    const two = byParent.get(`${T(2)}/${S(20)}`)!;
    assert.deepEqual([two.span['name'], two.span['startTimeUnixNano'], two.service], ['op 20', ns(40), 'a']);
    assert.equal(f.c.waitingLogs, 1, 'the log of an unknown trace waits for its spans');
  });

  test('late_window_bytes: the oldest traces are forgotten (counted), the newest still get fragments', async () => {
    const bound = 4096;
    const f = core({ lateWindowBytes: bound });
    // 100 traces, one emission each (~60 B of outline per one-span trace plus resource and scope)
    for (let i = 1; i <= 100; i++) {
      f.c.addSpans(spans([{ trace: i, id: 1000 + i, parent: 1, start: i, end: i + 1 }]));
      f.advance(1100);
      assert.ok(f.c.lateWindowBytes <= bound, `${f.c.lateWindowBytes} B kept`);
    }
    assert.equal(f.out.length, 100);
    const forgotten = await f.metrics.value('atc_fusion_late_window_forgotten_traces_total');
    assert.ok(forgotten > 0 && forgotten < 100, `${forgotten} forgotten`);
    f.c.addLogs(logsFor([{ trace: 1, span: 1001, body: 'too late' }, { trace: 100, span: 1100, body: 'in time' }]));
    const frags = f.out.slice(100);
    assert.equal(frags.length, 1);
    assert.equal(frags[0]!.span['traceId'], T(100));
    assert.equal(frags[0]!.span['parentSpanId'], S(1100));
    assert.equal(f.c.waitingLogs, 1, 'the forgotten trace\'s log waits as a log before spans');
    // trace 100 - forgotten .. 100 are remembered: the oldest of them still gets a fragment
    const oldestKept = forgotten + 1;
    f.c.addLogs(logsFor([{ trace: oldestKept, span: 1000 + oldestKept, body: 'oldest kept' }, { trace: oldestKept - 1, span: 999 + oldestKept, body: 'newest forgotten' }]));
    assert.deepEqual(f.out.slice(101).map((o) => o.span['traceId']), [T(oldestKept)]);
  });

  test('late_window 0: nothing remembered, late logs wait, the held table empties', () => {
    const f = core({ lateWindowMs: 0 });
    for (let i = 1; i <= 20; i++) f.c.addSpans(spans([{ trace: i, id: i, parent: 1, start: 0, end: 1 }]));
    f.advance(1100);
    assert.equal(f.out.length, 20);
    assert.equal(f.c.lateWindowBytes, 0);
    f.c.addLogs(logsFor([{ trace: 3, span: 3, body: 'late' }]));
    assert.equal(f.out.length, 20);
    assert.equal(f.c.waitingLogs, 1);
    // spans of trace 3 coming again are a new held trace that takes the waiting log
    f.c.addSpans(spans([{ trace: 3, id: 3, parent: 1, start: 0, end: 1 }]));
    f.advance(1100);
    assert.deepEqual(logBodies(f.out[20]!.span), ['late']);
  });
});
