// How far V8 lets a heap grow past its live size before the next full collection. By default
// that factor falls towards 1.1 while the program mostly runs (high mutator utilisation), which
// suits heaps of short-lived garbage. A connector that holds seconds of data (fusion: ~90 MB of
// held spans and tables at 50k spans/s) keeps a large live heap that such a small margin fills
// again within 0.5–3 s: every full collection re-marks all of it, on V8's helper threads
// (2.9 µs per span at 50,200 spans/s). A factor of 2 lets it collect every 3–6 s instead
// (docs/benchmarks.md, "Issue 18, fifth pass"), for a heap up to twice its live size.
//
// V8 flags are per process: the factor applies to every thread, set before the flush worker
// starts. V8 reads this one at each collection, so setting it at run time takes effect.
import { setFlagsFromString } from 'node:v8';
import type { CollectorConfig } from '../config/collector-config.js';
import { components } from '../component-registry.js';

/** percent: the heap may grow to (1 + p/100) × its live size before a full collection */
export const LARGE_LIVE_HEAP_GROWING_PERCENT = 100;

const FLAG = '--heap-growing-percent';

/** The growing percent to set for `cfg`, or undefined: keep V8's own (or the operator's, from the node command line). */
export function heapGrowingPercentFor(cfg: Pick<CollectorConfig, 'connectors'>, execArgv: readonly string[] = process.execArgv): number | undefined {
  if (execArgv.some((a) => a.startsWith(FLAG) || a.startsWith('--heap_growing_percent'))) return undefined;
  const factories = components().connectors;
  for (const c of cfg.connectors.values()) if (factories.get(c.type)?.largeLiveHeap) return LARGE_LIVE_HEAP_GROWING_PERCENT;
  return undefined;
}

/** Sets the factor `cfg` asks for; returns the percent set, if any. */
export function tuneHeapGrowth(cfg: Pick<CollectorConfig, 'connectors'>): number | undefined {
  const p = heapGrowingPercentFor(cfg);
  if (p !== undefined) setFlagsFromString(`${FLAG}=${p}`);
  return p;
}
