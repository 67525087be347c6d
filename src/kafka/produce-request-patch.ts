// Routes kafkajs's Produce requests (versions 3–7, all built by its v3 module) through our
// encoder (produce-request.ts): one exact-size buffer per request instead of four growing
// copies of every message. kafkajs loads that module lazily, on the first send; this replaces
// its export in the module cache before that, so every later require of it, by kafkajs's
// produce dispatcher and its v4–v7 modules, gets ours.
import { createRequire } from 'node:module';
import { createProduceRequest, type ProduceRequestFactory } from './produce-request.js';

const require = createRequire(import.meta.url);
const produceModule = (v: number): string => require.resolve(`kafkajs/src/protocol/requests/produce/v${v}/request.js`);

/** `__atcOriginal`: kafkajs's own, kept for the tests that compare the two byte for byte */
type Patched = ProduceRequestFactory & { __atcProduce?: true; __atcOriginal?: ProduceRequestFactory };

export function applyProduceRequestPatch(): void {
  const path = produceModule(3);
  const original = require(path) as Patched;
  if (original.__atcProduce) return;
  // v4–v7 keep the v3 export they loaded with: loaded before this, they would bypass it.
  for (const v of [4, 5, 6, 7]) {
    if (require.cache[produceModule(v)]) throw new Error(`kafkajs produce v${v} loaded before the produce request patch`);
  }
  const patched: Patched = createProduceRequest(original);
  patched.__atcProduce = true;
  patched.__atcOriginal = original;
  require.cache[path]!.exports = patched;
}

applyProduceRequestPatch();
