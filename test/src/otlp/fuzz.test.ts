// Issue 15: the scanner accepts only what a conforming protobuf parser accepts. A seeded,
// bounded fuzz campaign (see test/harness/fuzz-campaign.ts) mutates real OpenTelemetry JS SDK
// bodies and checks every verdict against Python's protobuf with opentelemetry-proto (installed
// from PyPI into the harness cache); OTLP/JSON documents against json_format with OTLP's rules
// (verdict and decoded message). `npm run fuzz` runs the long campaign.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCampaign, summary } from '../../harness/fuzz-campaign.js';

test('fuzz: every body the scanner accepts decodes with Python protobuf, every refusal is justified; OTLP/JSON is judged as the reference judges it', { timeout: 120_000 }, async () => {
  const r = await runCampaign({ cases: 4000, seed: 20261202, budgetMs: 40_000 });
  console.log(`# fuzz: ${summary(r)}`);
  assert.ok(r.cases >= 500, `too few cases ran: ${r.cases}`);
  assert.ok(r.accepted > 50 && r.rejected > 50, 'the mutations exercise both verdicts');
  assert.ok(r.jsonAccepted > 50 && r.jsonCases - r.jsonAccepted > 50, 'the OTLP/JSON mutations exercise both verdicts');
  assert.deepEqual(r.disagreements, []);
});
