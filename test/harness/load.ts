// Bounded OTLP/HTTP load for fault tests: workers post numbered log records until stopped
// and remember exactly which ones were acknowledged with 200.
import { encodeRequest } from '../../src/otlp/index.js';

export interface LoadStats {
  acked: Set<string>;
  sent: number;
  statuses: Record<string, number>;
}

export function logRequest(worker: number, seq: number, perRequest: number, pad = 0): Uint8Array {
  return encodeRequest('logs', {
    resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: perRequest }, (_, k) => ({ body: { stringValue: `w${worker}-r${seq}-k${k}${pad > 0 ? ' ' + 'x'.repeat(pad) : ''}` } })) }] }],
  });
}

/** Starts `workers` loops against `url` (…/v1/logs); call stop() to end and collect. */
export function startLoad(url: () => string, opts: { workers?: number; perRequest?: number; pad?: number; pauseMs?: number; maxRequests?: number } = {}): { stop(): Promise<LoadStats>; done: Promise<LoadStats>; stats: LoadStats } {
  const stats: LoadStats = { acked: new Set(), sent: 0, statuses: {} };
  let stopped = false;
  const per = opts.perRequest ?? 10;
  const loops = Array.from({ length: opts.workers ?? 4 }, async (_, w) => {
    for (let seq = 0; !stopped && seq < (opts.maxRequests ?? 100_000); seq++) {
      const body = logRequest(w, seq, per, opts.pad ?? 0);
      let status = 'error';
      try {
        const r = await fetch(`${url()}/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' }, signal: AbortSignal.timeout(10_000) });
        await r.arrayBuffer();
        status = String(r.status);
      } catch {
        // connection refused (collector down) or timeout: not acknowledged
      }
      stats.sent += per;
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      if (status === '200') for (let k = 0; k < per; k++) stats.acked.add(`w${w}-r${seq}-k${k}`);
      else await new Promise((r) => setTimeout(r, 50));
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  });
  return {
    stats,
    /** resolves when every worker has sent maxRequests */
    done: Promise.all(loops).then(() => stats),
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      return stats;
    },
  };
}

/** Prints the fault-suite line and returns the lost count. */
export function reportDelivery(name: string, stats: LoadStats, deliveredBodies: readonly string[]): { lost: number; duplicated: number } {
  const keys = deliveredBodies.map((b) => b.split(' ')[0]!);
  const unique = new Set(keys);
  const lostKeys = [...stats.acked].filter((k) => !unique.has(k));
  const lost = lostKeys.length;
  if (lost > 0) {
    // which requests: runs of consecutive request numbers per worker, for diagnosis
    const reqs = [...new Set(lostKeys.map((k) => k.replace(/-k\d+$/, '')))].sort();
    console.log(`# ${name}: lost requests (${reqs.length}): ${reqs.slice(0, 40).join(' ')}${reqs.length > 40 ? ' …' : ''}`);
  }
  const duplicated = keys.length - unique.size;
  console.log(`# ${name}: sent=${stats.sent} acknowledged=${stats.acked.size} delivered=${unique.size} duplicated=${duplicated} lost=${lost} statuses=${JSON.stringify(stats.statuses)}`);
  return { lost, duplicated };
}
