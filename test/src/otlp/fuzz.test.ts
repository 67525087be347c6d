// Issue 15: the scanner accepts only what a conforming protobuf parser accepts. A seeded,
// bounded fuzz campaign (see test/harness/fuzz-campaign.ts) mutates real OpenTelemetry JS SDK
// bodies and checks every verdict against Python's protobuf with opentelemetry-proto (installed
// from PyPI into the harness cache). `npm run fuzz` runs the long campaign.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCampaign, summary } from '../../harness/fuzz-campaign.js';

test('fuzz: every body the scanner accepts decodes with Python protobuf, every refusal is justified', { timeout: 120_000 }, async () => {
  const r = await runCampaign({ cases: 4000, seed: 20261202, budgetMs: 40_000 });
  console.log(`# fuzz: ${summary(r)}`);
  assert.ok(r.cases >= 500, `too few cases ran: ${r.cases}`);
  assert.ok(r.accepted > 50 && r.rejected > 50, 'the mutations exercise both verdicts');
  assert.ok(r.jsonAccepted > 0, 'some OTLP/JSON cases are accepted');
  assert.deepEqual(r.disagreements, []);
});
