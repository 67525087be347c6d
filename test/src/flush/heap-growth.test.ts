// Which configurations get the larger heap growing factor: those with a connector that holds
// seconds of data (fusion), unless the operator set the factor on the node command line.
import '../../../components.js'; // registers the component factories
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCollectorConfig } from '../../../src/config/collector-config.js';
import { parseRawConfig } from '../../../src/config/load.js';
import { heapGrowingPercentFor, LARGE_LIVE_HEAP_GROWING_PERCENT } from '../../../src/flush/heap-growth.js';

function config(yaml: string) {
  const { raw, errors } = parseRawConfig(yaml, []);
  assert.ok(errors.empty, errors.toString());
  return parseCollectorConfig(raw);
}

const plain = config(`
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters: { file: { directory: /tmp/x } }
service: { pipelines: { traces: { receivers: [otlp], exporters: [file] } } }
`);
const fused = config(`
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
connectors: { fusion/gpu: {} }
exporters: { file: { directory: /tmp/x } }
service:
  pipelines:
    traces/in: { receivers: [otlp], exporters: [fusion/gpu] }
    traces: { receivers: [fusion/gpu], exporters: [file] }
`);

test('fusion configured: the larger growing factor; without it, V8 keeps its own', () => {
  assert.equal(heapGrowingPercentFor(fused, []), LARGE_LIVE_HEAP_GROWING_PERCENT);
  assert.equal(heapGrowingPercentFor(plain, []), undefined);
});

test('a factor the operator gave node (either spelling) is left as it is', () => {
  assert.equal(heapGrowingPercentFor(fused, ['--max-semi-space-size=4', '--heap-growing-percent=50']), undefined);
  assert.equal(heapGrowingPercentFor(fused, ['--heap_growing_percent=300']), undefined);
  assert.equal(heapGrowingPercentFor(fused, ['--max-semi-space-size=4']), LARGE_LIVE_HEAP_GROWING_PERCENT);
});
