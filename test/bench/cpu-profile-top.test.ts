// The profile summariser behind docs/benchmarks.md's "what the profile shows": self time per
// function from a hand-made V8 profile whose figures are known.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selfTimes } from '../../bench/cpu-profile-top.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

test('self time per function, idle left out, the delta after each sample counted for it', () => {
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('write', 'file:///x/dist/src/ring/ring.js', 41) },
      { id: 4, callFrame: frame('', 'file:///x/dist/src/otlp/scanner.js', 9) },
    ],
    // the first delta is from the profile's start to the first sample: it belongs to no sample
    samples: [3, 3, 2, 4, 3],
    timeDeltas: [999_000, 1000, 2000, 50_000, 4000],
  };
  const { busyMs, top } = selfTimes(profile);
  // write: 1 ms + 2 ms; idle: 50 ms (left out); the scanner's anonymous function: 4 ms; the last sample has no delta after it
  assert.equal(busyMs, 7);
  assert.deepEqual(top, [
    { name: '(anonymous) scanner.js:10', ms: 4 },
    { name: 'write ring.js:42', ms: 3 },
  ]);
});
