// Trace requests fusion holds for its whole window: spans of two traces per request, none of
// them a root; span names r<request>-s<k> identify each span in the output. And the collector
// config the durability tests run them through.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRequest } from '../../src/otlp/index.js';

const T = (i: number): string => i.toString(16).padStart(32, '0');
const S = (i: number): string => i.toString(16).padStart(16, '0');

export function heldSpans(request: number, perRequest: number): Uint8Array {
  return encodeRequest('traces', {
    resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: perRequest }, (_, k) => ({ traceId: T(request * 2 + (k % 2) + 1), spanId: S(k + 2), parentSpanId: S(1), name: `r${request}-s${k}`, startTimeUnixNano: '1', endTimeUnixNano: '2' })) }] }],
  });
}

/**
 * Writes `<dir>/config.yaml` and returns its path: receiver `id` (configured by `yaml`, a YAML
 * flow mapping) → fusion holding every trace for a minute → file exporter into `<dir>/out`
 * (fsync), with durability: disk (write-ahead log in `<dir>/wal`).
 */
export function heldFusionConfig(dir: string, id: string, yaml: string): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(path, `receivers: { ${id}: ${yaml} }
connectors: { fusion: { decision_wait: 60s, root_wait: 60s, documents: false } }
exporters: { file: { directory: ${dir}/out, fsync: true } }
buffer: { durability: disk, wal: { directory: ${dir}/wal }, flush_interval: 50ms }
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: info } }
  pipelines: { traces/in: { receivers: [${id}], exporters: [fusion] }, traces: { receivers: [fusion], exporters: [file] } }
`);
  return path;
}
