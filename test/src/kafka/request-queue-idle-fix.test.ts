// The kafkajs idle-timer fix: an empty request queue arms no timer (unpatched kafkajs arms a
// 1 ms one that re-arms itself forever), a throttled queue with a pending request still gets
// its check at the end of the throttle, and the patch is the one kafkajs's own clients use.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import '../../../src/kafka/kafkajs.js';

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  checkPendingRequests(): void;
  destroy(): void;
}
const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (o: object) => Queue;
const logger = { debug() {}, info() {}, warn() {}, error() {}, namespace: () => logger };
const queue = (): Queue => new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: true, clientId: 't', broker: 'b:1', logger });

test('an idle queue arms no timer, also after a check', () => {
  const q = queue();
  q.scheduleCheckPendingRequests();
  assert.equal(q.throttleCheckTimeoutId, null);
  q.checkPendingRequests(); // what a completed request calls
  assert.equal(q.throttleCheckTimeoutId, null);
  q.destroy();
});

test('a throttled queue with a pending request is checked when the throttle ends', async () => {
  const q = queue();
  q.throttledUntil = Date.now() + 30;
  let checked = 0;
  q.checkPendingRequests = () => {
    checked++;
  };
  q.pending.push({});
  q.scheduleCheckPendingRequests();
  assert.notEqual(q.throttleCheckTimeoutId, null);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(checked, 1);
  q.destroy();
});

test('the patch is on the module kafkajs loaded itself', () => {
  const viaPackage = require('kafkajs/src/network/connection.js') as unknown;
  assert.ok(viaPackage, 'kafkajs connection module resolves');
  assert.equal((RequestQueue.prototype as unknown as { __atcIdleFix?: boolean }).__atcIdleFix, true);
});
