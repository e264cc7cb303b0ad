/**
 * The consumer lag and ingest history behind the dashboard's charts, kept by the gateway so that it survives a page
 * reload and every viewer sees the same one: each fresh read of the lease table (once per cache period, whatever
 * the number of viewers) appends one sample — records/s over the shards, the largest lag, and each shard's lag.
 * Bounded by age and by count, so memory does not grow with uptime. Samples are only taken while someone looks (the
 * reads are the viewers'): a time nobody watched shows as a gap, not as invented points. Each gateway instance
 * keeps its own (behind a balancer, a reload may land on another instance with a shorter history).
 */
import type { ConsumerHistoryView, ConsumersView } from './dashboard-views';

export const CONSUMER_HISTORY_DEFAULTS = {
  /** Samples older than this are dropped. */
  keepMs: 60 * 60_000,
  /** At most this many samples (one hour at one per 1.5-s cache period is 2,400). */
  maxSamples: 2_400,
  /** Shards listed at most (a resharded stream's closed parents age out with their samples). */
  maxShards: 64,
} as const;

interface Sample {
  t: number;
  recordsPerSecond: number | null;
  maxMillisBehindLatest: number | null;
  lags: Map<string, number | null>;
}

export class ConsumerHistory {
  private readonly samples: Sample[] = [];
  private readonly keepMs: number;
  private readonly maxSamples: number;
  private readonly maxShards: number;

  constructor(settings: { keepMs?: number; maxSamples?: number; maxShards?: number } = {}) {
    this.keepMs = settings.keepMs ?? CONSUMER_HISTORY_DEFAULTS.keepMs;
    this.maxSamples = settings.maxSamples ?? CONSUMER_HISTORY_DEFAULTS.maxSamples;
    this.maxShards = settings.maxShards ?? CONSUMER_HISTORY_DEFAULTS.maxShards;
  }

  /** One read of the lease table; a sample not newer than the last one is ignored. */
  add(view: ConsumersView): void {
    const last = this.samples.at(-1);
    if (last && view.sampledAt <= last.t) return;
    this.samples.push({
      t: view.sampledAt,
      recordsPerSecond: view.recordsPerSecond,
      maxMillisBehindLatest: view.maxMillisBehindLatest,
      lags: new Map(view.shards.map((s) => [s.shardId, s.millisBehindLatest])),
    });
    const oldest = view.sampledAt - this.keepMs;
    let drop = Math.max(0, this.samples.length - this.maxSamples);
    while (drop < this.samples.length && this.samples[drop].t < oldest) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }

  /** The samples taken in [fromMs, toMs], oldest first, one column per shard seen in them (shard id order). */
  view(fromMs: number, toMs: number): ConsumerHistoryView {
    const kept = this.samples.filter((s) => s.t >= fromMs && s.t <= toMs);
    const ids = [...new Set(kept.flatMap((s) => [...s.lags.keys()]))].sort().slice(0, this.maxShards);
    const shards: Record<string, Array<number | null>> = {};
    for (const id of ids) shards[id] = kept.map((s) => s.lags.get(id) ?? null);
    return {
      t: kept.map((s) => s.t),
      recordsPerSecond: kept.map((s) => s.recordsPerSecond),
      maxMillisBehindLatest: kept.map((s) => s.maxMillisBehindLatest),
      shards,
      fromMs,
      toMs,
      keptMs: this.keepMs,
    };
  }
}
