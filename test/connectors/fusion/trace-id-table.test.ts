// The typed-array trace id table against a Map keyed by the same ids as strings, under random
// sets and deletes (collisions are certain at its load factors; small tables wrap around),
// growth and shrinking, and ids that differ in one byte only. Then fusion itself
// over reused trace slots and per-batch acknowledgements, with expectations from the inputs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { AckSet } from '../../../src/acks/ack-set.js';
import { createDefaultConfig } from '../../../connectors/fusion/config.js';
import { FusionCore } from '../../../connectors/fusion/fusion-core.js';
import { TraceIdTable } from '../../../connectors/fusion/trace-id-table.js';
import { decodeRequest, encodeRequest } from '../../../src/otlp/index.js';
import { HealthRegistry } from '../../../src/telemetry/health.js';
import { PromMetrics } from '../../../src/telemetry/registry.js';
import { rng } from '../../harness/prng.js';

function randomId(r: () => number): Buffer {
  const b = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** every id in the model maps to its value in the table, and the sizes agree */
function assertSame(t: TraceIdTable, model: Map<string, number>, ids: Buffer[]): void {
  assert.equal(t.size, model.size);
  for (const id of ids) {
    const want = model.get(id.toString('latin1')) ?? -1;
    assert.equal(t.get(id, 0), want);
    assert.equal(t.getKey(id.toString('latin1')), want);
  }
}

describe('TraceIdTable', () => {
  test('random sets and deletes in small tables (collisions, wrap-around) agree with a Map', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      // a fixed hash seed per round; 16 slots hold 11 entries before growing
      const t = new TraceIdTable(16, seed * 7919);
      const model = new Map<string, number>();
      const ids = Array.from({ length: 11 }, () => randomId(r));
      for (let op = 0; op < 400; op++) {
        const id = ids[Math.floor(r() * ids.length)]!;
        const key = id.toString('latin1');
        if (r() < 0.55) {
          const v = Math.floor(r() * 1000);
          t.set(id, 0, v);
          model.set(key, v);
        } else {
          assert.equal(t.delete(id, 0), model.get(key) ?? -1);
          model.delete(key);
        }
        assertSame(t, model, ids);
      }
      assert.equal(t.slots, 16, 'never more than 11 entries: no growth');
    }
  });

  test('grows with its entries and shrinks after them; ids in a buffer at any offset', () => {
    const r = rng(99);
    const t = new TraceIdTable(16, 12345);
    const model = new Map<string, number>();
    // ids packed at odd offsets of one buffer, as spans sit in a batch
    const packed = Buffer.alloc(20_000 * 17 + 3);
    const ids: Buffer[] = [];
    for (let i = 0; i < 20_000; i++) {
      const id = randomId(r);
      id.copy(packed, 3 + i * 17);
      ids.push(id);
      t.set(packed, 3 + i * 17, i);
      model.set(id.toString('latin1'), i);
    }
    assertSame(t, model, ids);
    assert.ok(t.slots >= 20_000 / 0.7 && t.slots <= 20_000 / 0.3, `slots ${t.slots} for 20,000 entries`);
    const grown = t.slots;
    for (let i = 0; i < 19_900; i++) {
      assert.equal(t.delete(ids[i]!, 0), i);
      model.delete(ids[i]!.toString('latin1'));
    }
    assertSame(t, model, ids);
    assert.ok(t.slots < grown / 10, `shrunk: ${t.slots} slots of ${grown} for 100 entries`);
  });

  test('ids differing in one byte are different ids', () => {
    const t = new TraceIdTable(16, 1);
    const base = Buffer.alloc(16, 0xab);
    for (let i = 0; i < 16; i++) {
      const id = Buffer.from(base);
      id[i] = 0xac;
      t.set(id, 0, i);
    }
    t.set(base, 0, 100);
    assert.equal(t.size, 17);
    for (let i = 0; i < 16; i++) {
      const id = Buffer.from(base);
      id[i] = 0xac;
      assert.equal(t.get(id, 0), i);
    }
    assert.equal(t.get(base, 0), 100);
  });
});

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const T = (i: number): string => i.toString(16).padStart(32, '0');
const S = (i: number): string => i.toString(16).padStart(16, '0');
const BASE_MS = 1_795_000_000_000;

function spans(list: { trace: number; id: number }[]): Uint8Array {
  return encodeRequest('traces', {
    resourceSpans: [{ resource: { attributes: [str('service.name', 'llm')] }, scopeSpans: [{ scope: { name: 's' }, spans: list.map((s) => ({ traceId: T(s.trace), spanId: S(s.id), parentSpanId: S(999), name: `span ${s.id}`, startTimeUnixNano: String(BigInt(BASE_MS) * 1_000_000n), endTimeUnixNano: String(BigInt(BASE_MS + 5) * 1_000_000n) })) }] }],
  });
}

function logsFor(list: { trace: number; span: number; body: string }[]): Uint8Array {
  return encodeRequest('logs', { resourceLogs: [{ resource: { attributes: [str('service.name', 'llm')] }, scopeLogs: [{ logRecords: list.map((l) => ({ timeUnixNano: String(BigInt(BASE_MS) * 1_000_000n), severityNumber: 9, body: { stringValue: l.body }, traceId: T(l.trace), spanId: S(l.span) })) }] }] });
}

type J = Record<string, unknown>;
interface Out { span: J; call: number }

function core(cfg: Partial<ReturnType<typeof createDefaultConfig>> = {}) {
  let clock = BASE_MS;
  const out: Out[] = [];
  const acks: AckSet[] = [];
  let calls = 0;
  const c = new FusionCore({ ...createDefaultConfig(), decisionWaitMs: 1000, rootWaitMs: 100, rootlessWaitMs: 1000, documents: false, ...cfg }, { id: 'fusion', logger: pino({ level: 'silent' }), metrics: new PromMetrics({ processMetrics: false }), health: new HealthRegistry().scope('connector') }, {
    traces: (data, _items, a) => {
      calls++;
      acks.push(a);
      const req = decodeRequest('traces', data) as J;
      for (const rs of (req['resourceSpans'] ?? []) as J[]) for (const ss of (rs['scopeSpans'] ?? []) as J[]) for (const s of (ss['spans'] ?? []) as J[]) out.push({ span: s, call: calls });
    },
    anomalies: () => {},
  }, () => clock);
  return { c, out, acks, advance: (ms: number) => { clock += ms; c.tick(); } };
}

const logBodies = (s: J): string[] => ((s['events'] ?? []) as J[]).filter((e) => e['name'] === 'log').map((e) => ((e['attributes'] as J[]).find((a) => a['key'] === 'log.body')!['value'] as J)['stringValue'] as string);

describe('fusion over reused trace slots', () => {
  test('a trace that left frees its slot: the next trace in it gets its own logs; late logs still find the first', () => {
    const f = core();
    f.c.addSpans(spans([{ trace: 1, id: 11 }]));
    f.advance(1100); // trace 1 leaves; its slot is free
    assert.equal(f.c.heldTraces, 0);
    f.c.addSpans(spans([{ trace: 2, id: 21 }])); // takes the freed slot
    f.c.addLogs(logsFor([{ trace: 2, span: 21, body: 'for two' }, { trace: 1, span: 11, body: 'late for one' }]));
    f.advance(1100);
    const two = f.out.filter((o) => o.span['traceId'] === T(2));
    assert.equal(two.length, 1);
    assert.deepEqual(logBodies(two[0]!.span), ['for two']);
    const one = f.out.filter((o) => o.span['traceId'] === T(1));
    assert.equal(one.length, 2, 'the span, then a late fragment');
    assert.deepEqual(logBodies(one[0]!.span), []);
    assert.equal(one[1]!.span['parentSpanId'], S(11));
    assert.deepEqual(logBodies(one[1]!.span), ['late for one']);
  });

  test('thousands of traces through a few slots: each comes out once, in arrival order', () => {
    const f = core();
    let id = 0;
    for (let round = 0; round < 50; round++) {
      f.c.addSpans(spans(Array.from({ length: 100 }, (_, k) => ({ trace: 10_000 + round * 100 + k, id: ++id }))));
      f.advance(1100);
      assert.equal(f.c.heldTraces, 0);
    }
    assert.deepEqual(f.out.map((o) => o.span['spanId']), Array.from({ length: 5000 }, (_, k) => S(k + 1)));
  });

  test('a batch feeding three traces is acknowledged once, after the last of them left', () => {
    const f = core();
    let done = 0;
    f.c.addSpans(spans([{ trace: 1, id: 1 }, { trace: 2, id: 2 }, { trace: 1, id: 3 }]), AckSet.of(() => done++));
    f.advance(500);
    f.c.addSpans(spans([{ trace: 3, id: 4 }, { trace: 2, id: 5 }]), AckSet.of(() => done++));
    // trace 1 (first batch only) leaves at 1000 ms; trace 2's second span moved it to 1500 ms, with trace 3
    f.advance(600);
    assert.equal(f.out.length, 2, 'trace 1: two spans');
    f.acks.forEach((a) => a.complete('delivered'));
    assert.equal(done, 0, 'the first batch also fed trace 2, still held');
    f.advance(500);
    assert.equal(f.out.length, 5);
    f.acks.slice(1).forEach((a) => a.complete('delivered'));
    assert.equal(done, 2);
  });
});

test('clear() empties a table and keeps its slots; it works as new afterwards', () => {
  const t = new TraceIdTable(16, 12345);
  const id = (i: number): Buffer => {
    const b = Buffer.alloc(16);
    b.writeUInt32LE(i, 0);
    b.writeUInt32LE(i * 2654435761 >>> 0, 12);
    return b;
  };
  for (let i = 0; i < 5000; i++) t.set(id(i), 0, i);
  const slots = t.slots;
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.slots, slots);
  for (let i = 0; i < 5000; i++) assert.equal(t.get(id(i), 0), -1, `id ${i} gone`);
  for (let i = 5000; i < 8000; i++) t.set(id(i), 0, i - 5000);
  for (let i = 0; i < 8000; i++) assert.equal(t.get(id(i), 0), i < 5000 ? -1 : i - 5000);
  assert.equal(t.size, 3000);
});
