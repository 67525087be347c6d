// The status page's "recent warnings and errors": the last few warn/error log lines of every
// thread, kept in a small ring on the main thread and served as JSON on /status/logs.

export interface RecentLogEntry {
  time: string;
  level: 'warn' | 'error' | 'fatal';
  msg: string;
  /** the line's other fields (component ids, err, ...), minus pino's own */
  fields: Record<string, unknown>;
}

const LEVELS: Record<number, RecentLogEntry['level']> = { 40: 'warn', 50: 'error', 60: 'fatal' };
const MAX_LINE = 4096; // a longer line is cut before parsing: the ring stays small

export class RecentLogs {
  private readonly entries: RecentLogEntry[] = [];
  private dropped = 0;

  constructor(private readonly capacity = 100) {}

  /** One pino JSON line; lines below warn or not JSON are ignored. */
  push(line: string): void {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line) as Record<string, unknown>;
    } catch {
      if (line.length <= MAX_LINE) return;
      o = { level: 50, msg: line.slice(0, 200) + '…' };
    }
    const level = LEVELS[Number(o['level'])];
    if (!level) return;
    const { level: _l, time, msg, pid: _p, hostname: _h, ...fields } = o;
    this.entries.push({ time: typeof time === 'string' ? time : new Date().toISOString(), level, msg: String(msg ?? ''), fields });
    if (this.entries.length > this.capacity) {
      this.entries.shift();
      this.dropped++;
    }
  }

  /** Newest last; `dropped` counts entries that fell out of the ring. */
  snapshot(): { entries: RecentLogEntry[]; dropped: number; capacity: number } {
    return { entries: [...this.entries], dropped: this.dropped, capacity: this.capacity };
  }
}
