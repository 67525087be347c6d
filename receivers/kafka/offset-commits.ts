// Which Kafka offsets may be committed: a message's offset only once the pipeline completed it
// (its acknowledgement came back: every exporter has it, even after fusion held it for a
// minute) and every earlier message of its partition completed too. The consumer reads on
// meanwhile (kafkajs's fetch position is the resolved offset, moved at once); this decides
// only what is committed, so a crash re-reads what was in flight — at-least-once, never loss.

interface PartitionState {
  /** offsets handed to the pipeline and not yet completed, in offset order */
  pending: { offset: bigint; done: boolean }[];
  /** next offset to commit (last completed in order + 1), -1n when nothing new */
  commit: bigint;
  committed: bigint;
  /** the offset after the last message handed over: where reading continues after a rejoin */
  next: bigint;
}

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: string;
}

export class OffsetCommits {
  private readonly parts = new Map<string, PartitionState>();

  /** Tracks one message; `completed` is its acknowledgement (undefined: complete now). */
  add(topic: string, partition: number, offset: string, completed?: Promise<unknown>): void {
    const key = `${partition}\u0000${topic}`;
    let st = this.parts.get(key);
    if (!st) this.parts.set(key, (st = { pending: [], commit: -1n, committed: -1n, next: 0n }));
    const entry = { offset: BigInt(offset), done: false };
    st.next = entry.offset + 1n;
    st.pending.push(entry);
    if (!completed) return this.complete(st, entry);
    void completed.then(() => {
      // a partition given to a peer meanwhile: not ours to commit any more
      if (this.parts.get(key) === st) this.complete(st, entry);
    });
  }

  /** Messages handed to the pipeline whose acknowledgement has not come back. */
  get inFlight(): number {
    let n = 0;
    for (const st of this.parts.values()) n += st.pending.filter((e) => !e.done).length;
    return n;
  }

  /**
   * The group was joined again: forget the partitions now owned by a peer (their completions
   * are ignored); for those kept, where to read on. kafkajs would restart a kept partition at
   * its committed offset, which here lags behind what is still in the pipeline: that would
   * read it all a second time.
   */
  rejoined(assignment: Readonly<Record<string, readonly number[]>>): OffsetToCommit[] {
    const seeks: OffsetToCommit[] = [];
    const kept = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = `${partition}\u0000${topic}`;
        const st = this.parts.get(key);
        if (!st) continue;
        kept.add(key);
        seeks.push({ topic, partition, offset: String(st.next) });
      }
    }
    for (const key of [...this.parts.keys()]) if (!kept.has(key)) this.parts.delete(key);
    return seeks;
  }

  /** Offsets that moved since the last call, to commit now. */
  take(): OffsetToCommit[] {
    const out: OffsetToCommit[] = [];
    for (const [key, st] of this.parts) {
      if (st.commit < 0n || st.commit === st.committed) continue;
      const sep = key.indexOf('\u0000');
      out.push({ topic: key.slice(sep + 1), partition: Number(key.slice(0, sep)), offset: String(st.commit) });
      st.committed = st.commit;
    }
    return out;
  }

  /** The commit failed (rebalance, coordinator away): offer these offsets again next time. */
  retry(offsets: OffsetToCommit[]): void {
    for (const o of offsets) {
      const st = this.parts.get(`${o.partition}\u0000${o.topic}`);
      if (st && st.committed === BigInt(o.offset)) st.committed = -1n;
    }
  }

  private complete(st: PartitionState, entry: { offset: bigint; done: boolean }): void {
    entry.done = true;
    while (st.pending.length > 0 && st.pending[0]!.done) st.commit = st.pending.shift()!.offset + 1n;
  }
}
