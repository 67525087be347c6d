// Issue 15, item 2: a hostile 43-byte request (a field number above 2^29-1, a varint that
// overflows 64 bits) used to be answered 200 and stored inside a batch shared with other
// clients, so the whole batch failed to decode. Against the real process: the hostile requests
// are refused with 400 while an honest client sends alongside; every stored batch decodes
// with `cat` and with Python's protobuf, and holds every honest span.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeRequest } from '../../src/otlp/index.js';
import { runCli, spawnCollector } from '../harness/cli-process.js';
import { tempDir } from '../harness/collector.js';
import { PythonOtlp } from '../harness/python-otlp.js';

const files = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : n.startsWith('.tmp-') ? [] : [join(d, n)]));

test('hostile requests next to an honest client: refused, and every stored batch decodes', { timeout: 90_000 }, async () => {
  const dir = tempDir('atc-poison-');
  const cfg = join(dir, 'config.yaml');
  writeFileSync(
    cfg,
    `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  file: { directory: ${dir}/out, fsync: false, compression: none }
buffer: { flush_interval: 200ms }
spill: { directory: ${dir}/spill }
service:
  telemetry: { metrics: { endpoint: "127.0.0.1:0" }, logs: { level: warn } }
  pipelines: { traces: { receivers: [otlp], exporters: [file] } }
`,
  );
  const c = await spawnCollector(['--config', cfg]);
  const span = (name: string): Uint8Array => encodeRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name }] }] }] });
  const valid = span('x');
  // inside the span: an unknown field 2^29 (tag varint 0x80 0x80 0x80 0x80 0x10), and a varint
  // whose 10th byte overflows 64 bits
  const inSpan = (extra: number[]): Buffer => {
    const s = Buffer.from([...valid.subarray(6)]); // the Span message bytes after its three headers
    const spanMsg = Buffer.concat([s, Buffer.from(extra)]);
    const ss = Buffer.concat([Buffer.from([0x12, spanMsg.length]), spanMsg]);
    const rs = Buffer.concat([Buffer.from([0x12, ss.length]), ss]);
    return Buffer.concat([Buffer.from([0x0a, rs.length]), rs]);
  };
  const hostile = [inSpan([0x80, 0x80, 0x80, 0x80, 0x10, 0x01]), inSpan([0xa0, 0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])];
  let honest = 0;
  const sentNames: string[] = [];
  for (let round = 0; round < 20; round++) {
    const name = `honest-${round}`;
    const [h, ...bad] = await Promise.all([
      fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body: span(name), headers: { 'content-type': 'application/x-protobuf' } }),
      ...hostile.map((body) => fetch(`${c.otlpUrl}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } })),
    ]);
    assert.equal(h!.status, 200);
    honest++;
    sentNames.push(name);
    for (const b of bad) assert.equal(b.status, 400, `a hostile request was answered ${b.status}`);
  }
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.logs());
  // `cat` decodes every stored batch (exit 0) and finds every honest span
  const out = join(dir, 'out');
  const cat = runCli(['cat', out]);
  assert.equal(cat.status, 0, cat.stderr);
  for (const n of sentNames) assert.ok(cat.stdout.includes(`"${n}"`), `${n} missing from cat`);
  // so does Python's protobuf, batch by batch
  const py = await PythonOtlp.start();
  try {
    const stored = files(out);
    assert.ok(stored.length > 0);
    let names = 0;
    for (const f of stored) {
      const v = await py.parseProto('traces', readFileSync(f));
      assert.ok(v.ok, `${f}: ${v.text}`);
      names += (v.text.match(/"name": "honest-\d+"/g) ?? []).length;
    }
    assert.equal(names, honest);
  } finally {
    py.close();
  }
});
