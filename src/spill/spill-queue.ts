// A FIFO of batches on disk over a DiskLog: enqueue at the tail, peek/ack at the head.
// Acknowledged records are deleted a segment at a time.
import { open } from 'node:fs/promises';
import type { Batch, Signal } from '../component.js';
import { SIGNAL_BY_CODE, SIGNAL_CODE } from '../component.js';
import { DiskLog, type DiskLogOptions, type OpenReport } from './disk-log.js';
import { decodeFrame, FRAME_HEADER } from './frame.js';

export interface SpilledBatch {
  batch: Batch;
  segment: number;
  offset: number;
  size: number;
}

export class SpillQueue {
  private cursor = { segment: 0, offset: 0 };

  private constructor(readonly log: DiskLog) {}

  static async open(opts: DiskLogOptions): Promise<{ queue: SpillQueue; report: OpenReport }> {
    const { log, report } = await DiskLog.open(opts);
    return { queue: new SpillQueue(log), report };
  }

  get bytes(): number {
    return this.log.sizeBytes;
  }

  get batches(): number {
    return this.log.recordCount;
  }

  get empty(): boolean {
    return this.log.recordCount === 0;
  }

  async enqueue(batch: Batch): Promise<void> {
    await this.log.append({ signal: SIGNAL_CODE[batch.signal], flags: 0, tag: 0, items: batch.items, time: batch.createdAt, payload: batch.data });
  }

  /** The oldest batch not yet acknowledged, read from disk. */
  async peek(): Promise<SpilledBatch | undefined> {
    for (const seg of this.log.segmentList()) {
      if (seg.id < this.cursor.segment) continue;
      const offset = seg.id === this.cursor.segment ? this.cursor.offset : 0;
      if (offset >= seg.size) continue;
      const fh = await open(seg.path, 'r');
      try {
        const head = Buffer.allocUnsafe(FRAME_HEADER);
        await fh.read(head, 0, FRAME_HEADER, offset);
        const len = head.readUInt32LE(0);
        const buf = Buffer.allocUnsafe(FRAME_HEADER + len);
        await fh.read(buf, 0, buf.length, offset);
        const r = decodeFrame(buf, 0, this.log.maxPayload);
        if (!('frame' in r)) throw new Error(`spill segment ${seg.path} unreadable at ${offset}`);
        const signal = SIGNAL_BY_CODE[r.frame.signal] as Signal;
        return { batch: { signal, data: r.frame.payload, items: r.frame.items, createdAt: r.frame.time }, segment: seg.id, offset, size: r.size };
      } finally {
        await fh.close();
      }
    }
    return undefined;
  }

  /** Acknowledges the batch returned by the last peek(). */
  async ack(b: SpilledBatch): Promise<void> {
    this.cursor = { segment: b.segment, offset: b.offset + b.size };
    await this.log.release(b.segment);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
