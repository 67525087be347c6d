// The broker goes away mid-stream, cleanly (SIGTERM) and then by crash (SIGKILL), and comes
// back on the same port and data: every export still ends acknowledged, nothing is lost, and
// the exporter recovers without help (RetryingExporter around it, short intervals here).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Batch, Exporter, ExportResult } from '../../../src/component.js';
import { ConfigErrors } from '../../../src/config/errors.js';
import { parseConfig } from '../../../exporters/kafka/config.js';
import { kafkaExporterFactory } from '../../../exporters/kafka/index.js';
import { ensureKcat, startKafka, type KafkaServer } from '../../harness/kafka.js';
import { kcatValues } from '../../harness/kafka-readers.js';
import { flatten, makeBatch, makeRequest, testContext } from './fixtures.js';

let kafka: KafkaServer | undefined;
let exp: Exporter | undefined;

before(async () => {
  // kcat reads the topic back at the end; install it (apt-get) now, not mid-test.
  await ensureKcat();
  kafka = await startKafka({ partitions: 3 });
}, { timeout: 240_000 });

after(async () => {
  await exp?.shutdown().catch(() => {});
  await kafka?.close();
}, { timeout: 60_000 });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('broker stopped and killed mid-stream, then restarted: all batches acknowledged, nothing lost', { timeout: 300_000 }, async (t) => {
  assert.ok(kafka);
  const k = kafka;
  const topic = 'spans-restart';
  const errors = new ConfigErrors();
  const cfg = parseConfig(
    {
      brokers: k.brokers,
      traces: { topic },
      partition_traces_by_id: true,
      timeout: '3s',
      retry: { initial_interval: '100ms', max_interval: '1s', max_elapsed_time: '150s' },
    },
    'exporters.kafka',
    errors,
  );
  assert.ok(errors.empty, errors.toString());
  const ctx = testContext();
  exp = kafkaExporterFactory.create(cfg, ctx);
  await exp.start();

  const N = 150;
  const batches: Batch[] = Array.from({ length: N }, (_, i) => makeBatch('traces', makeRequest('traces', { tag: `batch${i}`, resources: 1, scopesPerResource: 1, itemsPerScope: 8 })));
  const results: ExportResult[] = [];
  let acked = 0;
  let next = 0;
  const e = exp;
  // Three exports in flight at a time, as the flush worker fans batches out.
  const worker = async (): Promise<void> => {
    while (next < N) {
      const i = next++;
      results[i] = await e.export(batches[i]!);
      acked++;
      await sleep(30);
    }
  };
  const timeline: string[] = [];
  const chaos = async (): Promise<void> => {
    await waitFor(() => acked >= 30, 60_000, '30 batches');
    let t0 = Date.now();
    await k.stop();
    timeline.push(`stopped at ${acked} acked (${Date.now() - t0} ms)`);
    await sleep(2_000);
    t0 = Date.now();
    await k.start();
    timeline.push(`restarted at ${acked} acked (${Date.now() - t0} ms)`);
    await waitFor(() => acked >= 90, 120_000, '90 batches');
    await k.kill();
    timeline.push(`killed at ${acked} acked`);
    await sleep(1_000);
    t0 = Date.now();
    await k.start();
    timeline.push(`restarted at ${acked} acked (${Date.now() - t0} ms)`);
  };
  const started = Date.now();
  await Promise.all([worker(), worker(), worker(), chaos()]);
  const elapsed = Date.now() - started;

  const failed = results.map((r, i) => [i, r] as const).filter(([, r]) => r.outcome !== 'success');
  assert.deepEqual(failed.map(([i, r]) => `${i}: ${r.outcome}`), [], 'every export acknowledged');

  const sent = batches.flatMap((b) => flatten('traces', b.data));
  const got = flatten('traces', await kcatValues(k.brokers, topic, 60_000));
  const have = new Set(got);
  const lost = sent.filter((s) => !have.has(s));
  assert.equal(lost.length, 0, `${lost.length} of ${sent.length} spans lost`);
  const duplicates = got.length - have.size;
  const retries = ctx.metrics.get('atc_exporter_retries_total', { exporter: 'kafka', signal: 'traces' });
  assert.ok(retries > 0, 'the outage was seen (retries counted)');
  assert.equal(ctx.ready.get('kafka'), true, 'ready again');
  t.diagnostic(`${timeline.join('; ')}; ${N} batches in ${elapsed} ms, ${retries} retries, ${duplicates} duplicate spans`);
});
