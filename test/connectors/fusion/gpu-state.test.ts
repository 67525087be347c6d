// GpuState on its own: what arrives first must not decide where a GPU's data lands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GpuState } from '../../../connectors/fusion/gpu-state.js';
import { encodeRequest } from '../../../src/otlp/json-encode.js';

const GPU = 'GPU-5e2c1a8e-9f3b-4c1d-8a7e-0b1c2d3e4f50';
const T0 = 1_795_000_000_000n * 1_000_000n; // ns
const at = (ms: number): string => String(T0 + BigInt(ms) * 1_000_000n);
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const utilization = (node: string | undefined) =>
  encodeRequest('metrics', {
    resourceMetrics: [
      {
        resource: { attributes: node === undefined ? [] : [str('host.name', node)] },
        scopeMetrics: [{ metrics: [{ name: 'hw.gpu.utilization', unit: '1', gauge: { dataPoints: [100, 500, 900].map((ms, i) => ({ timeUnixNano: at(ms), asDouble: [0.4, 0.8, 0.6][i], attributes: [str('gpu.uuid', GPU)] })) } }] }],
      },
    ],
  });
const xid = { node: undefined, uuid: GPU, timeNs: T0 + 700n * 1_000_000n, kind: 'gpu.xid', xid: 79, fatal: true, meaning: 'GPU has fallen off the bus', message: 'GPU 0 XID 79' };

for (const order of ['samples first', 'event first'] as const) {
  test(`an XID log naming no node and a node's samples meet on one GPU (${order})`, () => {
    const gpus = new GpuState(60_000, () => Number(T0 / 1_000_000n));
    if (order === 'event first') assert.equal(gpus.addEvent({ ...xid }), true);
    gpus.addMetrics(utilization('gpu-node-17'));
    if (order === 'samples first') assert.equal(gpus.addEvent({ ...xid }), true);
    assert.equal(gpus.size, 1, 'one GPU, not one per node guess');
    // a span of a service that names its GPU but not its node
    const g = gpus.resolve(undefined, GPU, undefined, undefined);
    assert.ok(g);
    assert.equal(g.node, 'gpu-node-17');
    const s = gpus.summarize(g, T0, T0 + 1000n * 1_000_000n);
    assert.equal(s.utilizationAvg, 60);
    assert.equal(s.samples, 3);
    assert.deepEqual(
      g.events.map((e) => e.xid),
      [79],
    );
    // and a span that names the node finds the same GPU
    assert.equal(gpus.resolve(undefined, GPU, undefined, 'gpu-node-17'), g);
  });
}

test('node-less data stays apart once two nodes are known (a gateway cannot tell whose it is)', () => {
  const gpus = new GpuState(60_000, () => Number(T0 / 1_000_000n));
  gpus.addMetrics(utilization('node-a'));
  gpus.addMetrics(utilization('node-b'));
  gpus.addMetrics(utilization(undefined));
  assert.equal(gpus.size, 3);
  assert.equal(gpus.resolve(undefined, GPU, undefined, 'node-a')!.node, 'node-a');
});
