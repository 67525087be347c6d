// A line whose conversion throws half-way is skipped and counted, leaves no partial record
// in the request (the writer is rewound), and the offset moves past it: the next lines and
// the next read go on. (No real input throws any more — deep JSON is kept as text — so the
// failure is injected at the last step of a record.)
import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeRequest, type JsonObject } from '../../../src/otlp/index.js';
import { scanRequest } from '../../../src/otlp/scanner.js';
import { readFile, type FileState } from '../../../receivers/filelog/file-reader.js';
import { LogRequestBuilder, type RecordInput } from '../../../receivers/filelog/log-record.js';
import { tempDir } from '../../harness/collector.js';

class PoisonedBuilder extends LogRequestBuilder {
  override add(r: RecordInput, fileAttrs: Uint8Array, observedNs: bigint): void {
    if (!r.text.includes('POISON')) return super.add(r, fileAttrs, observedNs);
    // `stream` is read after the body and attributes were written
    const bad = { ...r, get stream(): undefined {
      throw new Error('conversion failed');
    } };
    super.add(bad, fileAttrs, observedNs);
  }
}

test('a line that fails to convert is skipped, counted, and the offset passes it', () => {
  const file = join(tempDir(), 'a.log');
  const text = '{"msg":"one","k":1}\n{"msg":"POISON","k":{"x":[1,2]}}\ntwo\n';
  writeFileSync(file, text);
  const state: FileState = { path: file, dev: 0, ino: 0, fp: Buffer.alloc(0), offset: 0, skipping: false, resource: new Uint8Array(), fileAttrs: new Uint8Array() };
  const fd = openSync(file, 'r');
  try {
    const r = readFile(fd, text.length, state, { format: 'raw', maxLogSize: 1 << 20, maxRead: 1 << 20 }, new PoisonedBuilder(true), 1n, false);
    assert.equal(r.bad, 1);
    assert.equal(r.badError, 'conversion failed');
    assert.equal(r.offset, Buffer.byteLength(text), 'the offset moves past the bad line');
    assert.equal(r.items, 2);
    assert.equal(scanRequest('logs', r.request!).items, 2, 'the request is well-formed');
    const j = decodeRequest('logs', r.request!);
    const recs = ((j['resourceLogs'] as JsonObject[])[0]!['scopeLogs'] as JsonObject[])[0]!['logRecords'] as JsonObject[];
    assert.deepEqual(recs.map((x) => (x['body'] as { stringValue: string }).stringValue), ['one', 'two']);
  } finally {
    closeSync(fd);
  }
});
