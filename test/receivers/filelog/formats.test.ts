// What one file turns into: CRI P/F joining at 16 KiB, Docker JSON, pino bodies with trace
// context, k8s attributes from the path, invalid UTF-8, binary garbage, max line length.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../harness/collector.js';
import { parseRfc3339Nano } from '../../../receivers/filelog/line-format.js';
import { Collecting, cri, criSplit, makeReceiver, until } from './helpers.js';

function podDir(root: string, ns = 'inference', pod = 'llm-7d9f-abcde', uid = '3f1c2a4e-1111-2222-3333-444455556666', container = 'server'): string {
  const d = join(root, 'pods', `${ns}_${pod}_${uid}`, container);
  mkdirSync(d, { recursive: true });
  return d;
}

test('RFC 3339 timestamps with any fraction length and offsets', () => {
  assert.equal(parseRfc3339Nano('2024-05-01T10:00:00.123456789Z'), 1714557600123456789n);
  assert.equal(parseRfc3339Nano('2024-05-01T10:00:00.1Z'), 1714557600100000000n);
  assert.equal(parseRfc3339Nano('2024-05-01T10:00:00Z'), 1714557600000000000n);
  assert.equal(parseRfc3339Nano('2024-05-01T12:00:00.5+02:00'), 1714557600500000000n);
  assert.equal(parseRfc3339Nano('not a time'), undefined);
});

test('CRI lines: P/F joined (16 KiB splits, a multi-byte character cut in two), k8s attributes, pino JSON with trace context', async () => {
  const root = tempDir('atc-filelog-');
  const dir = podDir(root);
  const file = join(dir, '2.log');
  const long = Buffer.from('é'.repeat(20_000) + ' end'); // 40 004 bytes: "é" straddles the 16 KiB cuts
  const pinoLine = JSON.stringify({ level: 50, time: 1714557600123, pid: 7, hostname: 'n1', msg: 'model load failed', trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: '01', gpu: { index: 3 }, retries: 2 });
  const otelLine = JSON.stringify({ level: 'warn', message: 'slow', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
  writeFileSync(file, Buffer.concat([cri('plain line'), criSplit(long), cri(pinoLine, { stream: 'stderr' }), cri(otelLine), cri('{not json'), cri('', {})]));
  const c = new Collecting();
  const { r } = makeReceiver({ include: [`${root}/pods/*/*/*.log`], start_at: 'beginning', poll_interval: '20ms' }, c);
  await r.start();
  try {
    await until(() => c.records.length >= 6, 5000, '6 records');
  } finally {
    await r.shutdown();
  }
  const [plain, joined, pino, otel, notJson, empty] = c.records;
  assert.equal(c.records.length, 6);
  assert.deepEqual(plain!.resource, { 'k8s.namespace.name': 'inference', 'k8s.pod.name': 'llm-7d9f-abcde', 'k8s.pod.uid': '3f1c2a4e-1111-2222-3333-444455556666', 'k8s.container.name': 'server', 'k8s.container.restart_count': '2' });
  assert.equal(plain!.body, 'plain line');
  assert.equal(plain!.record['timeUnixNano'], '1714557600123456789');
  assert.equal(plain!.attrs['log.iostream'], 'stdout');
  assert.equal(plain!.attrs['log.file.path'], file);
  assert.equal(joined!.body, long.toString('utf8'), 'fragments joined as bytes, so the split characters survive');
  assert.equal(pino!.body, 'model load failed');
  assert.equal(pino!.record['severityNumber'], 17);
  assert.equal(pino!.record['severityText'], 'ERROR');
  assert.equal(pino!.record['timeUnixNano'], '1714557600123000000');
  assert.equal(pino!.record['traceId'], '0af7651916cd43dd8448eb211c80319c');
  assert.equal(pino!.record['spanId'], 'b7ad6b7169203331');
  assert.equal(pino!.record['flags'], 1);
  assert.equal(pino!.attrs['log.iostream'], 'stderr');
  assert.equal(pino!.attrs['retries'], '2');
  assert.deepEqual(pino!.attrs['gpu'], { values: [{ key: 'index', value: { intValue: '3' } }] });
  assert.equal(pino!.attrs['pid'], '7');
  assert.equal(otel!.body, 'slow');
  assert.equal(otel!.record['severityNumber'], 13);
  assert.equal(otel!.record['traceId'], '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(notJson!.body, '{not json');
  assert.equal(empty!.body, '');
});

test('Docker JSON lines, partial ones joined', async () => {
  const root = tempDir('atc-filelog-');
  const file = join(root, 'c-json.log');
  const d = (log: string, stream = 'stdout') => JSON.stringify({ log, stream, time: '2024-05-01T10:00:00.5Z' }) + '\n';
  writeFileSync(file, d('first\n') + d('part one, ') + d('part two\n', 'stdout') + d('{"level":30,"msg":"json in docker"}\n', 'stderr'));
  const c = new Collecting();
  const { r } = makeReceiver({ include: [`${root}/*.log`], start_at: 'beginning', poll_interval: '20ms' }, c);
  await r.start();
  await until(() => c.records.length >= 3, 5000);
  await r.shutdown();
  assert.deepEqual(c.records.map((x) => x.body), ['first', 'part one, part two', 'json in docker']);
  assert.equal(c.records[0]!.record['timeUnixNano'], '1714557600500000000');
  assert.equal(c.records[2]!.record['severityNumber'], 9);
  assert.deepEqual(c.records[0]!.resource, {}, 'no k8s attributes outside /var/log/pods layout');
});

test('invalid UTF-8 and binary garbage never stop the file; max_log_size cuts long lines and P/F groups', async () => {
  const root = tempDir('atc-filelog-');
  const file = join(root, 'garbage.log');
  const bad = Buffer.from([0x66, 0x6f, 0xff, 0xfe, 0xc3, 0x28, 0x6f]); // fo, invalid bytes, o
  const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256).filter((b) => b !== 0x0a));
  const longRaw = 'L'.repeat(5000);
  const longGroup = Buffer.from('G'.repeat(3000));
  writeFileSync(file, Buffer.concat([cri(bad), garbage, Buffer.from('\n'), Buffer.from(longRaw + '\n'), criSplit(longGroup, 1000), cri('after')]));
  const c = new Collecting();
  const { r, metrics } = makeReceiver({ include: [`${root}/*.log`], start_at: 'beginning', poll_interval: '20ms', max_log_size: 2048, format: 'auto' }, c);
  await r.start();
  await until(() => c.records.some((x) => x.body === 'after'), 5000, 'the line after the garbage');
  await r.shutdown();
  const bodies = c.records.map((x) => String(x.body));
  assert.equal(bodies[0], 'fo\ufffd\ufffd\ufffd(o', 'invalid bytes become U+FFFD');
  assert.equal(bodies.length, 5);
  assert.ok(bodies[1]!.length > 0 && bodies[1]!.length <= 4096, 'garbage line kept (cut at max_log_size bytes)');
  assert.equal(bodies[2], 'L'.repeat(2048));
  assert.equal(c.records[2]!.attrs['log.truncated'], true);
  assert.ok(bodies[3]!.startsWith('G') && bodies[3]!.length >= 2048 && bodies[3]!.length <= 3000);
  assert.equal(c.records[3]!.attrs['log.truncated'], true);
  assert.equal(bodies[4], 'after');
  assert.ok((await metrics.value('atc_filelog_truncated_lines_total')) >= 2);
});

test('start_at end skips what exists at the first start; lines appended later are read; an unterminated line waits for its newline', async () => {
  const root = tempDir('atc-filelog-');
  const file = join(root, 'a.log');
  writeFileSync(file, cri('old 1') + cri('old 2').toString());
  const c = new Collecting();
  const { r } = makeReceiver({ include: [`${root}/*.log`], poll_interval: '20ms' }, c);
  await r.start();
  appendFileSync(file, cri('new 1'));
  appendFileSync(file, '2024-05-01T10:00:00Z stdout F half');
  await until(() => c.records.length >= 1, 5000);
  await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(c.records.map((x) => x.body), ['new 1']);
  appendFileSync(file, ' and the rest\n');
  await until(() => c.records.length >= 2, 5000);
  await r.shutdown();
  assert.deepEqual(c.records.map((x) => x.body), ['new 1', 'half and the rest']);
});

test('a refused request is read again, not lost or skipped', async () => {
  const root = tempDir('atc-filelog-');
  writeFileSync(join(root, 'a.log'), cri('one') + cri('two').toString());
  const c = new Collecting();
  c.refuseNext = 3;
  const { r } = makeReceiver({ include: [`${root}/*.log`], start_at: 'beginning', poll_interval: '20ms' }, c);
  await r.start();
  await until(() => c.records.length >= 2, 5000);
  await r.shutdown();
  assert.deepEqual(c.records.map((x) => x.body), ['one', 'two']);
});
