// The refusal catalogue: codes unique and stable, retryable only where a resend can succeed,
// and docs/errors.md showing exactly the catalogue.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { refusalTable } from '../../../src/errors/refusal-table.js';
import { REFUSALS } from '../../../src/errors/refusals.js';

test('the catalogue: unique codes; retryable exactly where the OTLP spec lets clients retry', () => {
  const all = Object.values(REFUSALS);
  assert.equal(new Set(all.map((r) => r.code)).size, all.length);
  for (const r of all) {
    assert.match(r.code, /^ATC_[A-Z_]+$/);
    // OTLP/HTTP: only 429, 502, 503 and 504 are retryable
    if (r.retryable) assert.ok([429, 502, 503, 504].includes(r.http), `${r.code}: retryable with HTTP ${r.http}`);
    else assert.ok(![429, 502, 503, 504].includes(r.http), `${r.code}: not retryable with HTTP ${r.http}`);
  }
  assert.equal(REFUSALS.too_large.http, 413);
  assert.equal(REFUSALS.too_large.retryable, false);
  assert.equal(REFUSALS.too_large.reason, 'too_large');
  assert.equal(REFUSALS.ring_full.reason, 'overload');
});

test('docs/errors.md holds the generated table', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url)), 'utf8');
  const at = doc.indexOf('| code |');
  const end = doc.indexOf('\n<!-- end of generated table -->');
  assert.ok(at > 0 && end > at, 'table markers missing');
  assert.equal(doc.slice(at, end), refusalTable(), `docs/errors.md is stale; the table should be:\n${refusalTable()}`);
});
