// Durable ingest (buffer.durability: disk): every request is appended to this write-ahead log
// (fsynced, appends waiting together sharing one fsync) before the receiver answers 200.
// The flush worker reports, per batch, how many records of each segment every pipeline has
// finished with; a segment is deleted when all its deliveries are done. At start, records
// still in the log are replayed into the ring: after a crash, acknowledged data is delivered
// again (duplicates possible, loss not).
import { DiskLog, type FsyncPolicy, type OpenReport } from '../spill/disk-log.js';
import type { Frame } from '../spill/frame.js';

export interface WalOptions {
  directory: string;
  maxBytes: number;
  segmentBytes: number;
  fsync: FsyncPolicy;
}

export class IngestWal {
  /** deliveries owed per segment (records × the pipelines each one feeds) */
  private readonly expected = new Map<number, number>();
  private readonly delivered = new Map<number, number>();
  private keepFromSegment = Infinity;

  private constructor(private readonly log: DiskLog) {}

  static async open(opts: WalOptions): Promise<{ wal: IngestWal; report: OpenReport }> {
    const { log, report } = await DiskLog.open({ directory: opts.directory, maxBytes: opts.maxBytes, segmentBytes: opts.segmentBytes, fsync: opts.fsync });
    return { wal: new IngestWal(log), report };
  }

  get sizeBytes(): number {
    return this.log.sizeBytes;
  }

  /** Appends one request; resolves with its segment id once it is on disk. */
  async append(source: number, signal: number, items: number, payload: Uint8Array, deliveries: number): Promise<number> {
    const pos = await this.log.append({ signal, flags: 0, tag: source, items, time: Date.now(), payload });
    this.owe(pos.segment, deliveries);
    return pos.segment;
  }

  /** A record that never reached the ring (refused): nothing is owed for it. */
  async abandon(segment: number, deliveries: number): Promise<void> {
    await this.done(segment, deliveries);
  }

  /** Records found in the log at open, to be replayed; each is owed its deliveries. */
  async *recovered(deliveriesFor: (frame: Frame) => number): AsyncGenerator<{ frame: Frame; segment: number }> {
    for await (const { frame, pos } of this.log.records()) {
      this.owe(pos.segment, deliveriesFor(frame));
      yield { frame, segment: pos.segment };
    }
  }

  /**
   * The replay stopped early (a stop during start) at `segment`: it and later segments hold
   * records never replayed, so this run must not delete them whatever completes.
   */
  keepFrom(segment: number): void {
    this.keepFromSegment = Math.min(this.keepFromSegment, segment);
  }

  async done(segment: number, count: number): Promise<void> {
    const d = (this.delivered.get(segment) ?? 0) + count;
    const owed = this.expected.get(segment) ?? 0;
    if (d >= owed && segment < this.keepFromSegment) {
      this.delivered.delete(segment);
      this.expected.delete(segment);
      await this.log.releaseAll(segment);
    } else {
      this.delivered.set(segment, d);
    }
  }

  private owe(segment: number, deliveries: number): void {
    this.expected.set(segment, (this.expected.get(segment) ?? 0) + deliveries);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
