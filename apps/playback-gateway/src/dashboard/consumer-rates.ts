/**
 * Records per second per shard, derived from the cumulative `recordsProcessed` the consumer writes on its lease item
 * at every renewal (with `statsUpdatedAt`): the difference between two samples of the same owner over the
 * difference of their `statsUpdatedAt`. The counter restarts when another worker takes the lease, so a change of
 * owner (or a counter going back) starts over instead of giving a negative rate. Between two renewals the item does
 * not change, and the last rate stays the answer rather than dropping to zero at every poll.
 */
export interface ShardProgressSample {
  shardId: string;
  owner: string | null;
  recordsProcessed: number | null;
  statsUpdatedAt: number | null;
}

interface Seen {
  owner: string | null;
  recordsProcessed: number;
  statsUpdatedAt: number;
  rate: number | null;
}

export class ConsumerRateTracker {
  private readonly seen = new Map<string, Seen>();

  /** Rates of `samples` (records/s, null until two samples of one owner are known); forgets shards not listed. */
  update(samples: readonly ShardProgressSample[]): Map<string, number | null> {
    const rates = new Map<string, number | null>();
    const present = new Set<string>();
    for (const s of samples) {
      present.add(s.shardId);
      if (s.recordsProcessed === null || s.statsUpdatedAt === null) {
        this.seen.delete(s.shardId);
        rates.set(s.shardId, null);
        continue;
      }
      const prev = this.seen.get(s.shardId);
      const sameOwner = prev !== undefined && prev.owner === s.owner;
      if (prev && sameOwner && prev.statsUpdatedAt === s.statsUpdatedAt) {
        // The same renewal seen again: keep the earlier sample as the base of the next difference.
        rates.set(s.shardId, prev.rate);
        continue;
      }
      let rate: number | null = null;
      if (prev && sameOwner && s.recordsProcessed >= prev.recordsProcessed && s.statsUpdatedAt > prev.statsUpdatedAt) {
        rate = Math.round(((s.recordsProcessed - prev.recordsProcessed) * 100_000) / (s.statsUpdatedAt - prev.statsUpdatedAt)) / 100;
      }
      this.seen.set(s.shardId, { owner: s.owner, recordsProcessed: s.recordsProcessed, statsUpdatedAt: s.statsUpdatedAt, rate });
      rates.set(s.shardId, rate);
    }
    for (const id of [...this.seen.keys()]) if (!present.has(id)) this.seen.delete(id);
    return rates;
  }
}
