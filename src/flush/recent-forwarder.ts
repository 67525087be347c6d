// Collects the flush worker's warn/error log lines and recently fused traces between two
// metric messages, bounded, for the main thread's status page.
import type { FusedTraceJson } from '../telemetry/recent-fused-traces.js';
import type { FromWorker } from './messages.js';

const MAX_LOGS = 50; // per interval: a storm of errors must not flood the message channel
const MAX_FUSED = 50;

export class RecentForwarder {
  private logs: string[] = [];
  private fused: FusedTraceJson[] = [];

  readonly onLog = (line: string): void => {
    if (this.logs.length < MAX_LOGS) this.logs.push(line);
  };

  readonly onFused = (docs: FusedTraceJson[]): void => {
    this.fused.push(...docs);
    if (this.fused.length > MAX_FUSED) this.fused.splice(0, this.fused.length - MAX_FUSED);
  };

  /** The pending message, or undefined when nothing happened. */
  take(): FromWorker | undefined {
    if (this.logs.length === 0 && this.fused.length === 0) return undefined;
    const m: FromWorker = { type: 'recent', logs: this.logs, fused: this.fused };
    this.logs = [];
    this.fused = [];
    return m;
  }
}
