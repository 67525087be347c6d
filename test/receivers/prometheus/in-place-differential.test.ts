/* eslint-disable @typescript-eslint/no-explicit-any -- the test compares decoded OTLP/JSON documents */
// The in-place scrape path (ScrapeEncoder: byte scan + series cache) against the general path
// (parseExposition + metric relabeling + encodeScrape), on expositions we did not write: the
// real node-exporter's /metrics and a dcgm-exporter sample from DataDog/integrations-core
// (test/fixtures/prometheus/dcgm-exporter-datadog.txt: dcgm/tests/fixtures/metrics.txt at
// commit 2931c104e40ac0a4125ff3fb608aa2460195b65d). Over consecutive scrapes values change,
// series disappear and come back, counters go down, values become NaN/±Inf and one scrape fails;
// both outputs are decoded by Python's protobuf (an independent decoder) and must hold the
// same data, metric and point order aside.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseExposition } from '../../../receivers/prometheus/parser.js';
import type { RelabelRule } from '../../../receivers/prometheus/relabel.js';
import { applyMetricRelabel, ScrapeEncoder } from '../../../receivers/prometheus/scrape-encoder.js';
import { encodeScrape, StartTimes, type TargetInfo } from '../../../receivers/prometheus/to-otlp.js';
import { startNodeExporter } from '../../harness/node-exporter.js';
import { PythonOtlp } from '../../harness/python-otlp.js';

let py: PythonOtlp;
before(async () => {
  py = await PythonOtlp.start();
});
after(() => py.close());

const NO_LIMITS = { labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0, sampleLimit: 0 };
const DATADOG_DCGM = readFileSync(join(process.cwd(), 'test/fixtures/prometheus/dcgm-exporter-datadog.txt'), 'utf8');

const rule = (r: Partial<RelabelRule> & { action: RelabelRule['action'] }): RelabelRule => ({ sourceLabels: [], separator: ';', regex: /^(?:(.*))$/s, targetLabel: '', replacement: '$1', modulus: 0, ...r });
const RULES: RelabelRule[] = [
  rule({ action: 'drop', sourceLabels: ['__name__'], regex: /^(?:DCGM_FI_PROF_PIPE_.*|node_cpu_guest_seconds_total)$/s }),
  rule({ action: 'replace', sourceLabels: ['device'], regex: /^(?:nvidia(\d+))$/s, targetLabel: 'gpu_index', replacement: 'g$1' }),
  rule({ action: 'labeldrop', regex: /^(?:DCGM_FI_PROCESS_NAME|collector)$/s }),
];

/**
 * Scrape `i` of a body: sample lines changed as a real target's change between scrapes — every
 * fifth series (a different fifth each scrape) missing, values scaled by a factor that goes
 * down on scrape 2 (counters reset), and one series each NaN, +Inf and -Inf.
 */
function variant(text: string, i: number): string {
  const factor = [1, 2, 0.5, 3, 1.25][i % 5]!;
  let k = 0;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      out.push(line);
      continue;
    }
    k++;
    if (k % 5 === i % 5) continue;
    const sp = line.lastIndexOf(' ');
    const v = Number(line.slice(sp + 1));
    let nv = String(v * factor);
    if (k % 11 === i) nv = 'NaN';
    else if (k % 13 === i) nv = '+Inf';
    else if (k % 17 === i) nv = '-Inf';
    out.push(`${line.slice(0, sp)} ${nv}`);
  }
  return out.join('\n');
}

/** Metrics sorted (and each metric's points), so only the data is compared. */
function normalized(json: string): any {
  const doc = JSON.parse(json);
  for (const rm of doc.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const data = m.gauge ?? m.sum ?? m.histogram ?? m.summary;
        data.dataPoints = (data.dataPoints ?? []).map((p: any) => JSON.stringify(p)).sort();
      }
      sm.metrics = (sm.metrics ?? []).map((m: any) => JSON.stringify(m)).sort();
    }
  }
  return doc;
}

async function decoded(bytes: Uint8Array): Promise<any> {
  const v = await py.parseProto('metrics', bytes);
  assert.ok(v.ok, v.text);
  return normalized(v.text);
}

/** Runs both paths over `bodies` (undefined: a failed scrape) and compares every request. */
async function compare(bodies: (string | undefined)[], target: TargetInfo, rules: RelabelRule[]): Promise<{ points: number; enc: ScrapeEncoder }> {
  const enc = new ScrapeEncoder(target, NO_LIMITS, rules);
  const starts = new StartTimes();
  let points = 0;
  for (const [i, body] of bodies.entries()) {
    const scrapeMs = 1_764_000_000_000 + i * 5000;
    const extras = [{ name: 'up', value: body === undefined ? 0 : 1 }];
    const r = body === undefined ? undefined : parseExposition(body, false, NO_LIMITS);
    if (r && rules.length > 0) applyMetricRelabel(r, rules);
    const want = encodeScrape(r, target, scrapeMs, starts, extras);
    if (body !== undefined) {
      const scanned = enc.scan(Buffer.from(body), false);
      assert.equal(enc.lastInPlace, true, `scrape ${i} was read in place`);
      assert.equal(scanned.samples, r!.samples);
    }
    const got = enc.encode(scrapeMs, extras);
    assert.equal(got.points, want.points, `scrape ${i}: points`);
    assert.equal(got.skipped, want.skipped, `scrape ${i}: skipped`);
    assert.deepEqual(await decoded(got.bytes), await decoded(want.bytes), `scrape ${i}: decoded data`);
    points += got.points;
  }
  return { points, enc };
}

const scrapes = (text: string): (string | undefined)[] => [variant(text, 0), variant(text, 1), variant(text, 2), undefined, variant(text, 3), variant(text, 4), variant(text, 0)];

test('dcgm-exporter (DataDog fixture): in place = general path over 7 scrapes, with and without relabeling', async () => {
  const samples = DATADOG_DCGM.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
  assert.equal(samples, 38);
  const target: TargetInfo = { resource: new Uint8Array(0), labels: ['Hostname', 'target-host', 'zone', 'a'], honorLabels: false, honorTimestamps: true };
  const plain = await compare(scrapes(DATADOG_DCGM), target, []);
  assert.ok(plain.points > 6 * 25, `${plain.points} points compared`);
  await compare(scrapes(DATADOG_DCGM), { ...target, honorLabels: true }, RULES);
});

test('a real node-exporter: in place = general path over 7 scrapes of its live output', { timeout: 60_000 }, async () => {
  const ne = await startNodeExporter();
  const bodies: (string | undefined)[] = [];
  try {
    for (let i = 0; i < 6; i++) bodies.push(variant(await (await fetch(ne.url)).text(), i));
  } finally {
    await ne.stop();
  }
  bodies.splice(3, 0, undefined);
  assert.ok(bodies[0]!.includes('# TYPE go_gc_duration_seconds summary'), 'a summary family is in the mix');
  const target: TargetInfo = { resource: new Uint8Array(0), labels: ['cpu', 'target-cpu'], honorLabels: false, honorTimestamps: true };
  const { points } = await compare(bodies, target, []);
  assert.ok(points > 6 * 300, `${points} points compared`);
  await compare(bodies, target, RULES);
});

test('the series cache holds the series of the last two scrapes only', () => {
  const target: TargetInfo = { resource: new Uint8Array(0), labels: [], honorLabels: false, honorTimestamps: true };
  const enc = new ScrapeEncoder(target, NO_LIMITS, []);
  const scrape = (body: string): number => {
    enc.scan(Buffer.from(body), false);
    enc.encode(0, []);
    return enc.cached.series;
  };
  assert.equal(scrape('a{x="1"} 1\na{x="2"} 1\nb 3\n'), 3);
  assert.equal(scrape('a{x="1"} 2\n'), 3, 'a series missing once is kept');
  assert.equal(scrape('a{x="1"} 3\n'), 1, 'missing twice: evicted');
  assert.equal(scrape('a{x="1"} 3\na{x="1"} 4\n'), 1, 'a duplicate is one series');
});

/**
 * Scrape `i` of a steady target: every series in its place, values moved as a live target's
 * move (scaled by a factor that goes down on scrapes 2 and 5, so counters reset; one series each
 * NaN, +Inf and -Inf, a different one each scrape), and on scrape 4 explicit timestamps on every
 * third line. Only the numbers change: the request is patched (RequestLayout).
 */
function steady(text: string, i: number): string {
  const factor = [1, 2, 0.5, 3, 7, 1.5][i % 6]!;
  let k = 0;
  return text
    .split('\n')
    .map((line) => {
      if (line === '' || line.startsWith('#')) return line;
      k++;
      const sp = line.lastIndexOf(' ');
      let nv = String(Number(line.slice(sp + 1)) * factor + (k % 7) * i);
      if (k % 11 === i) nv = 'NaN';
      else if (k % 13 === i) nv = '+Inf';
      else if (k % 17 === i) nv = '-Inf';
      const ts = i === 4 && k % 3 === 0 ? ` ${1_700_000_000_000 + k}` : '';
      return `${line.slice(0, sp)} ${nv}${ts}`;
    })
    .join('\n');
}

/** Histogram and summary families (and their metadata) left out: the families a request is patched for. */
function numberFamiliesOnly(text: string): string {
  const skip = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (histogram|summary)$/gm)) skip.add(m[1]!);
  const fam = (name: string): string => name.replace(/_(bucket|sum|count|created)$/, '');
  return text
    .split('\n')
    .filter((l) => {
      const name = l.startsWith('# ') ? l.split(' ')[2]! : l.split(/[{ ]/)[0]!;
      return !skip.has(name) && !skip.has(fam(name));
    })
    .join('\n');
}

/**
 * The points a body holds, read from its text by this test alone (a regular expression per line,
 * not the receiver's parser): "name{sorted labels}" → value, timestamp; counters' start times
 * from the run's history (reset when a value goes down).
 */
function textPoints(body: string): Map<string, { value: number; ts: number | undefined; counter: boolean }> {
  const counters = new Set<string>();
  for (const m of body.matchAll(/^# TYPE (\S+) counter$/gm)) counters.add(m[1]!);
  const out = new Map<string, { value: number; ts: number | undefined; counter: boolean }>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (\d+))?$/.exec(line);
    assert.ok(m, `test's own reading of ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => `${x[1]}=${x[2]}`).sort();
    const v = m[3]!;
    const value = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
    out.set(`${m[1]}{${labels.join(',')}}`, { value, ts: m[4] === undefined ? undefined : Number(m[4]), counter: counters.has(m[1]!) });
  }
  return out;
}

/** The same from a request as Python's protobuf decodes it: key → value, time ms, start ms. */
function decodedPoints(doc: any): Map<string, { value: number; timeMs: number; startMs: number | undefined }> {
  const out = new Map<string, { value: number; timeMs: number; startMs: number | undefined }>();
  const num = (x: unknown): number => (x === 'NaN' ? NaN : x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : Number(x));
  for (const rm of doc.resourceMetrics ?? [])
    for (const sm of rm.scopeMetrics ?? [])
      for (const ms of sm.metrics ?? []) {
        // normalized(): metrics and their points as sorted JSON texts
        const m = JSON.parse(ms);
        if (m.name === 'up') continue;
        for (const ps of (m.gauge ?? m.sum).dataPoints) {
          const p = JSON.parse(ps);
          const labels = (p.attributes ?? []).map((a: any) => `${a.key}=${a.value.stringValue}`).sort();
          out.set(`${m.name}{${labels.join(',')}}`, { value: num(p.asDouble ?? 0), timeMs: Number(BigInt(p.timeUnixNano) / 1_000_000n), startMs: p.startTimeUnixNano === undefined ? undefined : Number(BigInt(p.startTimeUnixNano) / 1_000_000n) });
        }
      }
  return out;
}

/** Steady scrapes: patched requests = the general path's, and = the body's text read independently. */
async function compareSteady(text: string): Promise<{ patched: number; points: number }> {
  const target: TargetInfo = { resource: new Uint8Array(0), labels: [], honorLabels: false, honorTimestamps: true };
  const enc = new ScrapeEncoder(target, NO_LIMITS, []);
  const starts = new StartTimes();
  // a help text changed (written whole, then patched again), a failed scrape (the same)
  const bodies: (string | undefined)[] = [0, 1, 2, 3].map((i) => steady(text, i));
  bodies.push(steady(text, 4).replace(/^# HELP (\S+) .*$/m, '# HELP $1 changed help'), steady(text, 5), undefined, steady(text, 6), steady(text, 7));
  const wholeAt = new Set([0, 4, 5, 7]);
  let patched = 0;
  let points = 0;
  const history = new Map<string, { start: number; last: number }>();
  for (const [i, body] of bodies.entries()) {
    const scrapeMs = 1_764_000_000_000 + i * 5000;
    const extras = [{ name: 'up', value: body === undefined ? 0 : 1 }];
    const r = body === undefined ? undefined : parseExposition(body, false, NO_LIMITS);
    const want = encodeScrape(r, target, scrapeMs, starts, extras);
    if (body !== undefined) enc.scan(Buffer.from(body), false);
    const got = enc.encode(scrapeMs, extras);
    assert.equal(enc.lastPatched, body !== undefined && !wholeAt.has(i), `scrape ${i}: patched`);
    if (enc.lastPatched) patched++;
    assert.equal(got.points, want.points, `scrape ${i}: points`);
    const doc = await decoded(got.bytes);
    assert.deepEqual(doc, await decoded(want.bytes), `scrape ${i}: decoded data`);
    if (body === undefined) {
      history.clear();
      continue;
    }
    const expect = textPoints(body);
    const have = decodedPoints(doc);
    assert.equal(have.size, expect.size, `scrape ${i}: series`);
    for (const [key, e] of expect) {
      const h = have.get(key);
      assert.ok(h, `scrape ${i}: ${key} written`);
      assert.ok(Object.is(h.value, e.value) || (Number.isNaN(h.value) && Number.isNaN(e.value)), `scrape ${i}: ${key} = ${h.value}, the text says ${e.value}`);
      assert.equal(h.timeMs, e.ts ?? scrapeMs, `scrape ${i}: ${key} time`);
      if (!e.counter) continue;
      const prev = history.get(key);
      const start = prev === undefined || e.value < prev.last ? scrapeMs : prev.start;
      history.set(key, { start, last: e.value });
      assert.equal(h.startMs, start, `scrape ${i}: ${key} start time`);
    }
    points += have.size;
  }
  return { patched, points };
}

test('steady targets: requests patched in place hold what the text says (DataDog dcgm fixture, real node-exporter)', { timeout: 60_000 }, async () => {
  const dcgm = await compareSteady(DATADOG_DCGM);
  assert.equal(dcgm.patched, 4); // scrapes 1, 2, 3 and 8
  assert.equal(dcgm.points, 8 * 38);
  const ne = await startNodeExporter();
  let text: string;
  try {
    text = await (await fetch(ne.url)).text();
  } finally {
    await ne.stop();
  }
  const plain = numberFamiliesOnly(text);
  assert.ok(/^# TYPE \S+ counter$/m.test(plain) && /^# TYPE \S+ gauge$/m.test(plain), 'counters and gauges in the mix');
  const node = await compareSteady(plain);
  assert.equal(node.patched, 4);
  assert.ok(node.points > 8 * 300, `${node.points} points compared`);
});
