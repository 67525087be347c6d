// Sleeps that shutdown (or new work) can cut short, on node:timers/promises.
import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`, or less when `signal` aborts; never rejects. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch {
    // aborted: waking early is the point
  }
}

/** Sleeps that `wake()` ends all at once, as often as needed (a fresh signal after each wake). */
export class Sleeper {
  private controller = new AbortController();

  sleep(ms: number): Promise<void> {
    return sleep(ms, this.controller.signal);
  }

  /** Ends every sleep in progress; later sleeps wait again. */
  wake(): void {
    this.controller.abort();
    this.controller = new AbortController();
  }
}
