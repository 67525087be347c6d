// Go's telemetrygen sends traces, logs and metrics over OTLP/gRPC and OTLP/HTTP; every span,
// record and point is counted in the stored files.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { readStored, startCollector, storedLogRecords, storedMetrics, storedSpans } from '../../harness/collector.js';
import { installTelemetrygen, runTelemetrygen } from '../../harness/telemetrygen.js';
import type { OtlpReceiver } from '../../../receivers/otlp/otlp-receiver.js';

const YAML = (dataDir: string): string => `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:0 }
      http: { endpoint: 127.0.0.1:0 }
exporters:
  file: { directory: ${dataDir}, fsync: false }
spill: { directory: ${dataDir}.spill }
service:
  telemetry:
    metrics: { endpoint: 127.0.0.1:0 }
    logs:
      level: \${env:ATC_TEST_LOG_LEVEL:-silent}
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
    logs: { receivers: [otlp], exporters: [file] }
    metrics: { receivers: [otlp], exporters: [file] }
`;

describe('telemetrygen interop', { timeout: 600_000 }, () => {
  before(async () => {
    await installTelemetrygen();
  });

  for (const proto of ['grpc', 'http'] as const) {
    test(`telemetrygen over OTLP/${proto}: traces, logs, metrics counted`, { timeout: 90_000 }, async () => {
      const c = await startCollector({ yaml: YAML });
      try {
        const r = c.service.receivers.get('otlp') as OtlpReceiver;
        const endpoint = proto === 'grpc' ? `127.0.0.1:${r.grpcAddress()!.port}` : `127.0.0.1:${r.httpAddress()!.port}`;
        await runTelemetrygen('traces', endpoint, { http: proto === 'http', count: 100, workers: 2, extra: ['--child-spans', '2'] });
        await runTelemetrygen('logs', endpoint, { http: proto === 'http', count: 150 });
        await runTelemetrygen('metrics', endpoint, { http: proto === 'http', count: 120, extra: ['--metric-type', 'Sum'] });
      } finally {
        await c.shutdown();
      }
      const stored = readStored(c.dataDir);
      // each trace is a root span plus --child-spans children, per worker
      assert.equal(storedSpans(stored).length, 2 * 100 * 3);
      assert.equal(storedLogRecords(stored).length, 150);
      const points = storedMetrics(stored).reduce((n, m) => n + ((m['sum'] as { dataPoints?: unknown[] } | undefined)?.dataPoints?.length ?? 0), 0);
      assert.equal(points, 120);
      assert.equal(await c.service.metrics.value('atc_receiver_accepted_spans_total', { transport: proto }), 600);
    });
  }
});
