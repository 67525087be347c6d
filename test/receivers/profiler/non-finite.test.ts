// Non-finite numbers as Python and PyTorch write them: json.dumps's NaN / Infinity / -Infinity,
// the nan / inf / -inf of str() and f-strings (JSON put together by hand, as
// torch.autograd.profiler's export_chrome_trace does), and the bare nan / -nan / inf of Kineto's
// C++ kernel args. The lines are written by a real Python here, not typed in.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { attrs, tempDir } from '../../harness/collector.js';
import { decodeRequest, type JsonObject } from '../../../src/otlp/proto-decode.js';
import { convertLines } from '../../../receivers/profiler/jsonl.js';
import { DEFAULT_CATEGORIES } from '../../../receivers/profiler/kineto.js';
import { parsePythonJson } from '../../../receivers/profiler/python-json.js';
import { convertTraceFile } from '../../../receivers/profiler/trace-file.js';

const python = (code: string): string[] => execFileSync('python3', ['-c', code]).toString('utf8').split('\n').filter((l) => l !== '');

test('Python writes NaN/Infinity with json.dumps and nan/inf with str(): both are read as IEEE values', () => {
  const [dumps, formatted] = python(`
import json
nan, inf = float('nan'), float('inf')
print(json.dumps({"step": 3, "loss": nan, "grad_norm": inf, "lr": -inf, "run": "nan inf"}))
print('{"step": 4, "loss": %s, "grad_norm": %s, "lr": %s, "run": "nan inf"}' % (nan, inf, -inf))
`);
  // what Python actually wrote (the point of accepting both spellings)
  assert.match(dumps!, /"loss": NaN, "grad_norm": Infinity, "lr": -Infinity/);
  assert.match(formatted!, /"loss": nan, "grad_norm": inf, "lr": -inf/);
  for (const line of [dumps!, formatted!]) {
    const o = parsePythonJson(line) as Record<string, unknown>;
    assert.ok(Number.isNaN(o['loss']), line);
    assert.equal(o['grad_norm'], Infinity);
    assert.equal(o['lr'], -Infinity);
    assert.equal(o['run'], 'nan inf', 'words inside strings stay as they are');
  }
  // C++ std::to_string writes -nan for some NaNs; arrays and nesting too
  assert.deepEqual(parsePythonJson('{"a": [-nan, inf, {"b": nan}], "c": null}'), { a: [NaN, Infinity, { b: NaN }], c: null });
});

test('words that only begin like a non-finite token are still not JSON, reported as written', () => {
  for (const bad of ['{"a": nana}', '{"a": infinity}', '{"a": Nan}', '{"a": inf1}', '{"a": -infx}', '[nan inf]']) {
    assert.throws(() => parsePythonJson(bad), (e: Error) => e instanceof SyntaxError && !e.message.includes('\u0000'), bad);
  }
});

test('JSON lines with lowercase nan/inf become training metrics (the anomaly detector sees them)', () => {
  const lines = python(`print('{"step": 9, "loss": %s, "grad_norm": %s, "run": "r1"}' % (float('nan'), float('inf')))`);
  const b = convertLines([...lines, '{"step": 10, "loss": nanx}'], { attributes: [] });
  assert.equal(b.accepted, 1);
  assert.deepEqual(b.invalid.map((x) => x.line), [2]);
  const req = decodeRequest('metrics', b.metrics!);
  const metrics = ((((req['resourceMetrics'] as JsonObject[])[0]!['scopeMetrics'] as JsonObject[])[0]!['metrics']) as JsonObject[]);
  const value = (name: string): number => Number((((metrics.find((m) => m['name'] === name)!['gauge'] as JsonObject)['dataPoints'] as JsonObject[])[0]!)['asDouble']);
  assert.ok(Number.isNaN(value('training.loss')));
  assert.equal(value('training.grad_norm'), Infinity);
});

test('Kineto kernel args with bare nan / -nan / inf become double attributes, not dropped', async () => {
  const dir = tempDir('atc-nonfinite-');
  const path = join(dir, 'k.pt.trace.json');
  // as Kineto's C++ writes a kernel whose SM count is unknown
  writeFileSync(path, `{"schemaVersion": 1, "traceEvents": [
  {"ph": "X", "cat": "kernel", "name": "k", "pid": 0, "tid": 7, "ts": 10.000, "dur": 2.000,
   "args": {"correlation": 5, "blocks per SM": inf, "warps per SM": -nan, "occupancy": nan, "grid": [1, 1, 1], "none": null}}
]}`);
  const spans: JsonObject[] = [];
  try {
    await convertTraceFile(path, { categories: new Set(DEFAULT_CATEGORIES), resource: {} }, async (data) => {
      const req = decodeRequest('traces', data);
      for (const rs of req['resourceSpans'] as JsonObject[]) for (const ss of rs['scopeSpans'] as JsonObject[]) spans.push(...(ss['spans'] as JsonObject[]));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(spans.length, 1);
  const a = attrs(spans[0]!['attributes']);
  assert.equal(Number(a['pytorch.blocks_per_sm']), Infinity);
  assert.ok(Number.isNaN(Number(a['pytorch.warps_per_sm'])) && a['pytorch.warps_per_sm'] !== undefined);
  assert.ok(Number.isNaN(Number(a['pytorch.occupancy'])) && a['pytorch.occupancy'] !== undefined);
  assert.equal(a['pytorch.grid'], '[1,1,1]');
  assert.ok(!('pytorch.none' in a), 'null is no attribute');
});
