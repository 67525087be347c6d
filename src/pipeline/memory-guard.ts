// Refuses new data while the process's resident memory is above buffer.memory_limit, so the
// collector answers 503 before the kernel's OOM killer ends it. Sampled, not per request; the
// verdict goes to the shared intake state, where receiver worker threads read it too.
export class MemoryGuard {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limitBytes: number,
    private readonly out: { overLimit: boolean },
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    if (this.limitBytes <= 0) return;
    this.timer = setInterval(() => {
      this.out.overLimit = process.memoryUsage.rss() > this.limitBytes;
    }, this.intervalMs);
    this.timer.unref();
  }

  get overLimit(): boolean {
    return this.out.overLimit;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
