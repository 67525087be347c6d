// Refuses new data while the process's resident memory is above buffer.memory_limit, so the
// collector answers 503 before the kernel's OOM killer ends it. Sampled, not per request.
export class MemoryGuard {
  private over = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly limitBytes: number, private readonly intervalMs = 100) {}

  start(): void {
    if (this.limitBytes <= 0) return;
    this.timer = setInterval(() => {
      this.over = process.memoryUsage.rss() > this.limitBytes;
    }, this.intervalMs);
    this.timer.unref();
  }

  get overLimit(): boolean {
    return this.over;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
