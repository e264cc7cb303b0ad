/**
 * Which bytes of one file may be checkpointed: records are announced in file order with their byte ranges
 * [start, end), acknowledgements arrive in any order (PutRecords answers per record, retries reorder them), and
 * the checkpoint is the end of the longest prefix whose every record was acknowledged. A record that never acks
 * (failing forever, or in flight at kill -9) holds the checkpoint at its start, so a restart re-reads from there:
 * at most the records in flight are sent twice, none is lost.
 *
 * The agent's Checkpointer (tailing/checkpoints/Checkpointer.java) saves the offset of the last record of a
 * buffer once the whole buffer was sent, and its publisher sends buffers in order; here the records of one file
 * can be acknowledged out of order by libs/kinesis-producer, hence the prefix rule.
 *
 * Gaps between announced ranges (bytes no record covers: skipped header lines, lines processing dropped) count as
 * done once the record after them is acknowledged; trailing bytes that produced no record are declared with
 * `consumedUpTo`. Pure: no I/O, no clock.
 */
export interface AckRange {
  start: number;
  end: number;
}

interface PendingRange {
  start: number;
  end: number;
  acked: boolean;
}

export class AckTracker {
  private committed: number;
  /** Ranges announced and not yet committed, in file order; `head` indexes the first one. */
  private ranges: PendingRange[] = [];
  private head = 0;
  private readonly byStart = new Map<number, PendingRange>();
  /** End of the last announced range (or consumed offset): the next range may not start before it. */
  private announcedEnd: number;
  /** Bytes past every announced range that need no record. */
  private consumed: number;

  constructor(startOffset = 0) {
    this.committed = startOffset;
    this.announcedEnd = startOffset;
    this.consumed = startOffset;
  }

  /** The offset safe to checkpoint: everything before it was acknowledged (or needed no record). */
  get checkpoint(): number {
    return this.committed;
  }

  /** Records announced and not yet acknowledged. */
  get inFlight(): number {
    let n = 0;
    for (let i = this.head; i < this.ranges.length; i++) if (!this.ranges[i].acked) n++;
    return n;
  }

  /** End of what was announced or declared consumed: the checkpoint reaches it once everything is acked. */
  get highWater(): number {
    return Math.max(this.announcedEnd, this.consumed);
  }

  /** Whether every announced byte is acknowledged and the checkpoint stands at the high water mark. */
  get settled(): boolean {
    return this.head === this.ranges.length && this.committed === this.highWater;
  }

  /**
   * A record built from bytes [start, end) is being sent. Ranges come in file order and do not overlap; a range
   * announced again exactly (or already committed) is ignored.
   */
  sent(start: number, end: number): void {
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end)) || end < start) {
      throw new RangeError(`record range [${start}, ${end}) is not a range of byte offsets`);
    }
    if (start < this.announcedEnd) {
      // The same record announced again (its chunk was handed over again after onChunk threw): nothing changes.
      if (end <= this.committed || this.byStart.get(start)?.end === end) return;
      throw new RangeError(`record range [${start}, ${end}) starts before the previous record's end ${this.announcedEnd}`);
    }
    const range = { start, end, acked: false };
    this.ranges.push(range);
    this.byStart.set(start, range);
    this.announcedEnd = end;
  }

  /**
   * Kinesis acknowledged the record that started at `start`. Returns whether the checkpoint moved. An ack for an
   * unknown range (already committed, or never announced: a duplicate callback) changes nothing.
   */
  acked(start: number): boolean {
    const range = this.byStart.get(start);
    if (!range || range.acked) return false;
    range.acked = true;
    return this.advance();
  }

  /** Bytes up to `offset` need no record (after the last announced range). Returns whether the checkpoint moved. */
  consumedUpTo(offset: number): boolean {
    if (offset <= this.consumed) return false;
    if (offset < this.announcedEnd) {
      throw new RangeError(`consumed offset ${offset} is inside an announced record (ends at ${this.announcedEnd})`);
    }
    this.consumed = offset;
    this.announcedEnd = offset;
    return this.advance();
  }

  /**
   * The file was truncated or replaced: everything pending is void and counting restarts at `offset`. Acks for
   * the old ranges then change nothing (their starts are forgotten).
   */
  reset(offset: number): void {
    this.ranges = [];
    this.head = 0;
    this.byStart.clear();
    this.committed = offset;
    this.announcedEnd = offset;
    this.consumed = offset;
  }

  private advance(): boolean {
    const before = this.committed;
    while (this.head < this.ranges.length && this.ranges[this.head].acked) {
      const range = this.ranges[this.head];
      this.byStart.delete(range.start);
      this.committed = range.end;
      this.head++;
    }
    if (this.head === this.ranges.length) {
      // Everything announced is acknowledged: trailing consumed bytes count too.
      this.committed = Math.max(this.committed, this.consumed);
      this.ranges = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.ranges.length) {
      // Compact now and then so a long-lived file does not keep every committed range.
      this.ranges = this.ranges.slice(this.head);
      this.head = 0;
    }
    return this.committed !== before;
  }
}
