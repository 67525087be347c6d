// OTLP/HTTP in → Kafka out against a real broker: spans/s sustained with zero loss (every
// accepted span acknowledged by the broker), bytes on the wire per span with zstd and without
// compression, and the collector's CPU seconds per million spans.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka } from '../test/harness/kafka.js';
import { runIngest } from './otlp-http-ingest.js';
import { printTable } from './table.js';

function metric(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && line.includes(labels) && !line.startsWith('#')) sum += Number(line.split(' ').pop());
  return sum;
}

function topicBytes(logDir: string, topic: string): number {
  let n = 0;
  for (const d of readdirSync(logDir).filter((x) => x.startsWith(`${topic}-`))) {
    for (const f of readdirSync(join(logDir, d)).filter((x) => x.endsWith('.log'))) n += statSync(join(logDir, d, f)).size;
  }
  return n;
}

export async function kafkaBench(seconds = Number(process.env['ATC_BENCH_SECONDS'] ?? 5)): Promise<void> {
  const kafka = await startKafka({ partitions: 6 });
  const rows: Record<string, string | number>[] = [];
  try {
    for (const compression of ['zstd', 'none'] as const) {
      let text = '';
      const topic = `bench-${compression}-${Date.now()}`;
      const r = await runIngest(16, seconds, 100, {
        exporter: `kafka: { brokers: ["${kafka.brokers[0]}"], compression: ${compression}, traces: { topic: ${topic} } }`,
        onMetrics: (t) => (text = t),
        // zero loss: wait until the broker acknowledged every accepted span
        settled: (t) => metric(t, 'atc_exporter_sent_spans_total') >= metric(t, 'atc_receiver_accepted_spans_total'),
      });
      const accepted = metric(text, 'atc_receiver_accepted_spans_total');
      const sent = metric(text, 'atc_exporter_sent_spans_total');
      // record batches are stored as they were produced (compressed): the log size is the wire size
      const wire = topicBytes(kafka.logDir, topic);
      rows.push({
        compression,
        'spans/s': r.spansPerSec,
        'accepted spans': accepted,
        'acknowledged by broker': sent,
        lost: accepted - sent,
        'wire bytes / span': sent > 0 ? wire / sent : NaN,
        'p99 ms': r.p99,
        'collector CPU s / 1M spans': r.cpuPerMillion,
      });
    }
  } finally {
    await kafka.close();
  }
  printTable(`OTLP/HTTP → Kafka (real broker, 16 concurrent, 100-span requests of 20 attributes, ${seconds}s each)`, rows);
}

if (import.meta.url === `file://${process.argv[1]}`) await kafkaBench();
