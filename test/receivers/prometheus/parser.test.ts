/* eslint-disable @typescript-eslint/no-explicit-any -- the test walks decoded OTLP/JSON of known shape */
// The exposition parser: text format and OpenMetrics, histograms and summaries, NaN/Inf,
// escapes, and the malformed cases that must fail with a line number.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExpositionError, parseExposition } from '../../../receivers/prometheus/parser.js';
import { encodeScrape, StartTimes } from '../../../receivers/prometheus/to-otlp.js';
import { decodeRequest, scanRequest } from '../../../src/otlp/index.js';

const TEXT = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47
# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045
neg_inf -Inf
not_a_number NaN
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="0.2"} 100392
http_request_duration_seconds_bucket{le="0.5"} 129389
http_request_duration_seconds_bucket{le="1"} 133988
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
`;

test('text format: the reference example from the Prometheus docs', () => {
  const r = parseExposition(TEXT, false);
  assert.equal(r.samples, 20);
  const byName = new Map(r.families.map((f) => [f.name, f]));
  assert.equal(byName.get('http_requests_total')!.type, 'counter');
  assert.deepEqual(byName.get('http_requests_total')!.samples[0]!.labels, ['method', 'post', 'code', '200']);
  assert.equal(byName.get('http_requests_total')!.samples[0]!.ts, 1395066363000);
  assert.deepEqual(byName.get('msdos_file_access_time_seconds')!.samples[0]!.labels, ['path', 'C:\\DIR\\FILE.TXT', 'error', 'Cannot find file:\n"FILE.TXT"']);
  assert.equal(byName.get('something_weird')!.samples[0]!.value, Infinity);
  assert.equal(byName.get('something_weird')!.samples[0]!.ts, -3982045);
  assert.equal(byName.get('neg_inf')!.samples[0]!.value, -Infinity);
  assert.ok(Number.isNaN(byName.get('not_a_number')!.samples[0]!.value));
  assert.equal(byName.get('http_request_duration_seconds')!.samples.length, 8);
  assert.equal(byName.get('rpc_duration_seconds')!.samples.length, 5);
});

test('OTLP: counters as monotonic cumulative sums, histograms with per-bucket counts, summaries with quantiles', () => {
  const r = parseExposition(TEXT, false);
  const starts = new StartTimes();
  const { bytes, points } = encodeScrape(r, { resource: new Uint8Array(0), labels: ['team', 'gpu'], honorLabels: false, honorTimestamps: true }, 1700000000123, starts, [{ name: 'up', value: 1 }]);
  assert.equal(scanRequest('metrics', bytes).items, points);
  const j = decodeRequest('metrics', bytes) as any;
  const metrics = j.resourceMetrics[0].scopeMetrics[0].metrics as any[];
  const m = (n: string) => metrics.find((x) => x.name === n);
  const sum = m('http_requests_total').sum;
  assert.equal(sum.isMonotonic, true);
  assert.equal(sum.aggregationTemporality, 2);
  assert.equal(sum.dataPoints[0].asDouble, 1027);
  assert.equal(sum.dataPoints[0].timeUnixNano, '1395066363000000000');
  assert.equal(sum.dataPoints[0].startTimeUnixNano, '1700000000123000000');
  assert.deepEqual(sum.dataPoints[0].attributes.map((a: any) => a.key), ['method', 'code', 'team']);
  const h = m('http_request_duration_seconds').histogram.dataPoints[0];
  assert.deepEqual(h.explicitBounds, [0.05, 0.1, 0.2, 0.5, 1]);
  assert.deepEqual(h.bucketCounts.map(Number), [24054, 9390, 66948, 28997, 4599, 10332]);
  assert.equal(h.count, '144320');
  assert.equal(h.sum, 53423);
  const s = m('rpc_duration_seconds').summary.dataPoints[0];
  assert.equal(s.count, '2693');
  assert.deepEqual(s.quantileValues, [{ quantile: 0.01, value: 3102 }, { quantile: 0.5, value: 4773 }, { quantile: 0.99, value: 76656 }]);
  assert.equal(m('up').gauge.dataPoints[0].asDouble, 1);
  // a counter that went down was reset: new start time
  const r2 = parseExposition('# TYPE c_total counter\nc_total 10\n', false);
  const t = { resource: new Uint8Array(0), labels: [], honorLabels: false, honorTimestamps: true };
  const st = new StartTimes();
  const first = decodeRequest('metrics', encodeScrape(r2, t, 1000, st, []).bytes) as any;
  const second = decodeRequest('metrics', encodeScrape(parseExposition('# TYPE c_total counter\nc_total 12\n', false), t, 2000, st, []).bytes) as any;
  const third = decodeRequest('metrics', encodeScrape(parseExposition('# TYPE c_total counter\nc_total 1\n', false), t, 3000, st, []).bytes) as any;
  const startOf = (x: any) => x.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].startTimeUnixNano;
  assert.equal(startOf(first), '1000000000');
  assert.equal(startOf(second), '1000000000');
  assert.equal(startOf(third), '3000000000');
});

test('honor_labels: false renames clashing scraped labels to exported_*, true keeps them', () => {
  const r = parseExposition('m{job="x",instance="scraped",zone="a"} 1\n', false);
  const enc = (honor: boolean) => (decodeRequest('metrics', encodeScrape(r, { resource: new Uint8Array(0), labels: ['zone', 'target-zone'], honorLabels: honor, honorTimestamps: true }, 1, new StartTimes(), []).bytes) as any).resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].attributes.map((a: any) => `${a.key}=${a.value.stringValue}`);
  assert.deepEqual(enc(false), ['job=x', 'instance=scraped', 'exported_zone=a', 'zone=target-zone']);
  assert.deepEqual(enc(true), ['job=x', 'instance=scraped', 'zone=a']);
});

test('OpenMetrics: _total/_created, units, exemplars, float timestamps in seconds, # EOF required', () => {
  const om = `# TYPE foo counter
# UNIT foo seconds
# HELP foo Help with \\"quotes\\"
foo_total{a="1"} 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67
foo_created{a="1"} 1520430000.123
# TYPE hist histogram
hist_bucket{le="1"} 1
hist_bucket{le="+Inf"} 3
hist_count 3
hist_sum 2.5
hist_created 1520430000
# EOF
`;
  const r = parseExposition(om, true);
  const foo = r.families.find((f) => f.name === 'foo')!;
  assert.equal(foo.unit, 'seconds');
  assert.equal(foo.help, 'Help with "quotes"');
  assert.equal(foo.samples[0]!.ts, 1520879607789);
  const j = decodeRequest('metrics', encodeScrape(r, { resource: new Uint8Array(0), labels: [], honorLabels: false, honorTimestamps: true }, 1, new StartTimes(), []).bytes) as any;
  const ms = j.resourceMetrics[0].scopeMetrics[0].metrics;
  assert.equal(ms[0].name, 'foo_total');
  assert.equal(ms[0].unit, 'seconds');
  assert.equal(ms[0].sum.dataPoints[0].startTimeUnixNano, '1520430000123000000');
  assert.throws(() => parseExposition(om.replace('# EOF\n', ''), true), /# EOF/);
});

test('malformed expositions fail with the line and the reason', () => {
  const bad: [string, RegExp][] = [
    ['ok 1\nbad{a="\\q"} 1\n', /line 2: invalid escape "\\q"/],
    ['m{a="1"} 1\nm{a="1",b="unterminated', /line 2: unterminated value for label b/],
    ['m{a="1" 1\n', /expected "," or "}"/],
    ['m 12abc\n', /invalid value "12abc"/],
    ['m{a="1",a="2"} 1\n', /label a given twice/],
    ['# TYPE m summaryish\n', /unknown metric type/],
    ['1m 1\n', /expected a metric name/],
    ['m{0a="x"} 1\n', /invalid label name/],
    ['m\n', /expected a value/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseExposition(text, false), (e: unknown) => e instanceof ExpositionError && re.test(e.message), `${JSON.stringify(text)} → ${re}`);
  }
  const huge = `m{${Array.from({ length: 300 }, (_, i) => `l${i}="v"`).join(',')}} 1\n`;
  assert.equal(parseExposition(huge, false).families[0]!.samples[0]!.labels.length, 600);
  assert.throws(() => parseExposition(huge, false, { labelLimit: 100, labelNameLengthLimit: 0, labelValueLengthLimit: 0, sampleLimit: 0 }), /label_limit \(100\)/);
  const dup = parseExposition('m{a="1"} 1\nm{a="1"} 2\nm{a="2"} 3\n', false);
  assert.equal(dup.duplicates, 1);
  assert.deepEqual(dup.families[0]!.samples.map((s) => s.value), [1, 3]);
});

test('dcgm-exporter exposition: 12 families × 8 GPUs with their labels', () => {
  const text = readFileSync(join(process.cwd(), 'test/fixtures/prometheus/dcgm-exporter.txt'), 'utf8');
  const r = parseExposition(text, false);
  assert.equal(r.families.length, 12);
  assert.equal(r.samples, 96);
  const util = r.families.find((f) => f.name === 'DCGM_FI_DEV_GPU_UTIL')!;
  assert.deepEqual(util.samples[3]!.labels.filter((_, i) => i % 2 === 0), ['gpu', 'UUID', 'pci_bus_id', 'device', 'modelName', 'Hostname', 'DCGM_FI_DRIVER_VERSION', 'container', 'namespace', 'pod']);
  assert.equal(util.samples[3]!.value, 93);
});

test('client_golang OpenMetrics: a counter x_total (family x) next to a gauge x is two families, as Prometheus takes it', () => {
  const om = '# HELP x A gauge.\n# TYPE x gauge\nx 1\n# HELP x A counter.\n# TYPE x counter\nx_total 3\nx_created 1.7e9\n# EOF\n';
  const r = parseExposition(om, true);
  assert.deepEqual(
    r.families.map((f) => [f.name, f.type, f.help, f.samples.map((s) => `${s.name}=${s.value}`)]),
    [
      ['x', 'gauge', 'A gauge.', ['x=1']],
      ['x', 'counter', 'A counter.', ['x_total=3', 'x_created=1700000000']],
    ],
  );
  const { bytes } = encodeScrape(r, { resource: new Uint8Array(), labels: [], honorLabels: false, honorTimestamps: true }, 1_700_000_000_000, new StartTimes(), []);
  assert.equal(scanRequest('metrics', bytes).items, 2);
  const metrics = ((decodeRequest('metrics', bytes)['resourceMetrics'] as Record<string, unknown>[])[0]!['scopeMetrics'] as Record<string, unknown>[])[0]!['metrics'] as Record<string, unknown>[];
  assert.deepEqual(metrics.map((m) => [m['name'], Object.keys(m).find((k) => ['gauge', 'sum'].includes(k))]), [['x', 'gauge'], ['x_total', 'sum']]);
});
