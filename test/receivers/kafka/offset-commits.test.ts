// Which offsets the Kafka receiver may commit: only a prefix of completed messages per
// partition; a rejoin keeps the partitions still owned and says where to read on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OffsetCommits } from '../../../receivers/kafka/offset-commits.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('an offset is committed only when it and every earlier message completed', async () => {
  const c = new OffsetCommits();
  const held = deferred();
  c.add('t', 0, '10');
  c.add('t', 0, '11', held.promise); // fusion holds this one
  c.add('t', 0, '12');
  c.add('t', 1, '5');
  assert.deepEqual(c.take(), [
    { topic: 't', partition: 0, offset: '11' },
    { topic: 't', partition: 1, offset: '6' },
  ]);
  assert.deepEqual(c.take(), [], 'nothing new');
  assert.equal(c.inFlight, 1);
  held.resolve();
  await tick();
  assert.deepEqual(c.take(), [{ topic: 't', partition: 0, offset: '13' }]);
});

test('a failed commit is offered again', () => {
  const c = new OffsetCommits();
  c.add('t', 0, '0');
  const first = c.take();
  c.retry(first);
  assert.deepEqual(c.take(), first);
});

test('a rejoin forgets partitions given away and reads kept ones on after the last handed over', async () => {
  const c = new OffsetCommits();
  const lost = deferred();
  const kept = deferred();
  c.add('t', 0, '7', lost.promise);
  c.add('t', 1, '3', kept.promise);
  c.add('t', 1, '4');
  assert.deepEqual(c.rejoined({ t: [1, 2] }), [{ topic: 't', partition: 1, offset: '5' }]);
  lost.resolve();
  kept.resolve();
  await tick();
  // partition 0 belongs to a peer now: never committed from here
  assert.deepEqual(c.take(), [{ topic: 't', partition: 1, offset: '5' }]);
});
