// jsonDeeperThan: nesting depth against a limit, with brackets inside strings not counted and
// many shallow brackets (more than the limit in all, never that deep at once) not deep.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonDeeperThan } from '../../../receivers/filelog/json-depth.js';

/** An object nested `n` levels deep: {"a":{"a":…1…}} */
const nested = (n: number): string => '{"a":'.repeat(n - 1) + '{"a":1' + '}'.repeat(n);

test('depth at the limit is not deeper; one more level is', () => {
  assert.equal(jsonDeeperThan(nested(4), 4), false);
  assert.equal(jsonDeeperThan(nested(5), 4), true);
  assert.equal(jsonDeeperThan('[[[[1]]]]', 4), false);
  assert.equal(jsonDeeperThan('[[[[[1]]]]]', 4), true);
  assert.equal(jsonDeeperThan('{"a":[{"b":[1]}]}', 3), true);
  assert.equal(jsonDeeperThan('{"msg":"plain","n":1}', 4), false);
});

test('many brackets, shallow: siblings and brackets inside strings do not add depth', () => {
  const siblings = `{"xs":[${Array.from({ length: 50 }, (_, i) => `{"i":${i}}`).join(',')}]}`; // 52 brackets, depth 3
  assert.equal(jsonDeeperThan(siblings, 3), false);
  assert.equal(jsonDeeperThan(siblings, 2), true);
  const inString = `{"msg":"${'{['.repeat(40)}"}`; // 81 brackets, depth 1
  assert.equal(jsonDeeperThan(inString, 1), false);
  const escaped = `{"msg":"a\\"${'['.repeat(10)}","b":{"c":1}}`; // an escaped quote does not end the string
  assert.equal(jsonDeeperThan(escaped, 1), true);
  assert.equal(jsonDeeperThan(escaped, 2), false);
});
