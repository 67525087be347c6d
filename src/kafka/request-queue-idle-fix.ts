// kafkajs 2.2.4 (unmaintained) re-arms a timer in RequestQueue.scheduleCheckPendingRequests
// whenever a request completes, even with nothing pending: the delay then computes as
// `throttledUntil - now` (negative, so 1 ms) and the callback schedules the next one, so every
// open broker connection wakes the process ~1000 times a second while idle (4–7 % of a core).
// Nothing pending means nothing to check: new requests are checked when push() enqueues them,
// and completed ones call checkPendingRequests themselves. Patched once, on the prototype of
// the module instance kafkajs itself loaded.
import { createRequire } from 'node:module';

interface RequestQueueProto {
  scheduleCheckPendingRequests(this: { pending: unknown[] }): void;
  __atcIdleFix?: true;
}

const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueProto };

export function applyRequestQueueIdleFix(): void {
  const proto = RequestQueue.prototype;
  if (proto.__atcIdleFix) return;
  const original = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function (this: { pending: unknown[] }) {
    if (this.pending.length === 0) return;
    original.call(this);
  };
  proto.__atcIdleFix = true;
}

applyRequestQueueIdleFix();
