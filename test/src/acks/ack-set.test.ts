// The finalizer model: shares of one acknowledgement complete it once all are done, with the
// worst status; merge and complete consume a set; a holding connector (fusion) keeps a
// batch's acknowledgement open until every trace it fed was emitted and reached the fan-out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { AckSet, type AckStatus } from '../../../src/acks/ack-set.js';
import type { Batch } from '../../../src/component.js';
import { encodeRequest } from '../../../src/otlp/index.js';
import { fusionConnectorFactory } from '../../../connectors/fusion/index.js';
import { chainPipeline } from '../../../src/flush/pipeline-runner.js';
import { SUCCESS, type Exporter, type ExportResult } from '../../../src/component.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { ForwardingSink } from '../../../src/telemetry/forwarding-sink.js';

function recorder(): { set: AckSet; calls: AckStatus[] } {
  const calls: AckStatus[] = [];
  return { set: AckSet.of((s) => calls.push(s)), calls };
}

describe('AckSet', () => {
  test('completes once, when the last share completes, with the worst status', () => {
    const a = recorder();
    const s1 = a.set.share();
    const s2 = a.set.share();
    a.set.complete('delivered');
    s1.complete('dropped');
    assert.deepEqual(a.calls, []);
    s1.complete('failed'); // already consumed: ignored
    assert.deepEqual(a.calls, []);
    s2.complete('delivered');
    assert.deepEqual(a.calls, ['dropped']);
  });

  test('merge takes the sets over; completing the merged set completes each once', () => {
    const a = recorder();
    const b = recorder();
    const aShare = a.set.share();
    const merged = AckSet.merge([a.set, b.set, aShare]);
    assert.equal(a.set.empty, true);
    assert.equal(b.set.empty, true);
    a.set.complete('failed'); // empty now: nothing happens
    merged.complete('delivered');
    assert.deepEqual(a.calls, ['delivered']);
    assert.deepEqual(b.calls, ['delivered']);
  });

  test('absorb moves shares; an empty set completes nothing', () => {
    const a = recorder();
    const holder = AckSet.none();
    holder.absorb(a.set.share()).absorb(a.set.share());
    a.set.complete('delivered');
    assert.deepEqual(a.calls, []);
    holder.complete('delivered');
    assert.deepEqual(a.calls, ['delivered']);
    AckSet.none().complete('failed');
  });
});

const T = (i: number): string => i.toString(16).padStart(32, '0');
const S = (i: number): string => i.toString(16).padStart(16, '0');
const spans = (list: [trace: number, span: number, root: boolean][]): Uint8Array =>
  encodeRequest('traces', {
    resourceSpans: [{ scopeSpans: [{ spans: list.map(([t, s, root]) => ({ traceId: T(t), spanId: S(s), ...(root ? {} : { parentSpanId: S(1) }), name: `t${t}s${s}`, startTimeUnixNano: '1', endTimeUnixNano: '2' })) }] }],
  });

describe('fusion holds the acknowledgements of what it holds', () => {
  test('a batch is acknowledged once every trace it fed was emitted and exported, not before', async () => {
    const errors = new ConfigErrors();
    // max_traces 2: a third trace evicts the two oldest early, the third stays held
    const cfg = fusionConnectorFactory.parseConfig({ decision_wait: '60s', root_wait: '60s', max_traces: 2, documents: false }, 'connectors.fusion', errors);
    assert.deepEqual(errors.list, []);
    const metrics = new ForwardingSink();
    const fusion = fusionConnectorFactory.create(cfg, { id: 'fusion', logger: pino({ level: 'silent' }), metrics, health: { setReady: () => {} } });
    const exported: string[][] = [];
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const exporter: Exporter = {
      start: async () => {},
      shutdown: async () => {},
      export: async (b: Batch): Promise<ExportResult> => {
        exported.push([...new Set([...Buffer.from(b.data).toString('latin1').matchAll(/t(\d)s\d/g)].map((m) => m[0]))].sort());
        await gate; // the sink is slow: the acknowledgement must wait for its answer
        return SUCCESS;
      },
    };
    // traces/in → fusion (a connector, as an exporter) → traces → the slow exporter
    const out = chainPipeline({ id: 'traces', signal: 'traces', processors: [], exporters: [{ id: 'file', exporter }] }, metrics, pino({ level: 'silent' }));
    fusion.connect('traces', out.entry);
    const input: Exporter = { start: async () => {}, shutdown: async () => {}, export: async (b) => (await fusion.consume({ ...b, acks: b.acks!.share() }), SUCCESS) };
    const p = chainPipeline({ id: 'traces/in', signal: 'traces', processors: [], exporters: [{ id: 'fusion', exporter: input }] }, metrics, pino({ level: 'silent' }));
    await fusion.start();
    const first = recorder();
    const second = recorder();
    const third = recorder();
    await p.entry({ signal: 'traces', data: spans([[1, 1, false], [2, 1, false]]), items: 2, createdAt: 0, acks: first.set });
    await p.entry({ signal: 'traces', data: spans([[2, 2, false]]), items: 1, createdAt: 0, acks: second.set });
    // returned from the chain, but the traces are held: nothing acknowledged
    assert.deepEqual([first.calls, second.calls, exported], [[], [], []]);
    await p.entry({ signal: 'traces', data: spans([[3, 1, false]]), items: 1, createdAt: 0, acks: third.set });
    await new Promise((r) => setTimeout(r, 20));
    // traces 1 and 2 were evicted and are at the sink, which has not answered
    assert.deepEqual(exported, [['t1s1', 't2s1', 't2s2']]);
    assert.deepEqual([first.calls, second.calls], [[], []]);
    release();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([first.calls, second.calls, third.calls], [['delivered'], ['delivered'], []]);
    // shutdown emits trace 3: acknowledged once the sink answers
    gate = new Promise<void>((r) => (release = r));
    const stopping = fusion.shutdown();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(third.calls, []);
    release();
    await stopping;
    assert.deepEqual(third.calls, ['delivered']);
  });
});
