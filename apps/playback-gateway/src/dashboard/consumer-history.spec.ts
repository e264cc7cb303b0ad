import { ConsumerHistory } from './consumer-history';
import type { ConsumersView } from './dashboard-views';

const view = (sampledAt: number, lags: Record<string, number | null>, recordsPerSecond: number | null = 10): ConsumersView => ({
  shards: Object.entries(lags).map(([shardId, millisBehindLatest]) => ({
    shardId,
    owner: 'w',
    checkpoint: '1',
    millisBehindLatest,
    recordsProcessed: 0,
    statsUpdatedAt: 0,
    recordsPerSecond: null,
  })),
  recordsPerSecond,
  maxMillisBehindLatest: Math.max(0, ...Object.values(lags).map((l) => l ?? 0)),
  sampledAt,
  truncated: false,
});

describe('ConsumerHistory', () => {
  it('keeps one column per fresh sample and one row per shard seen, null where a shard was absent', () => {
    const h = new ConsumerHistory();
    h.add(view(1_000, { a: 5 }));
    h.add(view(1_000, { a: 99 })); // the same read again: ignored
    h.add(view(3_000, { a: 7, b: 40 }, null));
    expect(h.view(0, 10_000)).toEqual({
      t: [1_000, 3_000],
      recordsPerSecond: [10, null],
      maxMillisBehindLatest: [5, 40],
      shards: { a: [5, 7], b: [null, 40] },
      fromMs: 0,
      toMs: 10_000,
      keptMs: 3_600_000,
    });
    expect(h.view(2_000, 10_000).t).toEqual([3_000]);
  });

  it('is bounded by age and by count', () => {
    const h = new ConsumerHistory({ keepMs: 10_000, maxSamples: 5 });
    for (let t = 1_000; t <= 30_000; t += 1_000) h.add(view(t, { a: t }));
    expect(h.view(0, 60_000).t).toEqual([26_000, 27_000, 28_000, 29_000, 30_000]);
    const aged = new ConsumerHistory({ keepMs: 2_500, maxSamples: 100 });
    for (let t = 1_000; t <= 10_000; t += 1_000) aged.add(view(t, { a: t }));
    expect(aged.view(0, 60_000).t).toEqual([8_000, 9_000, 10_000]);
  });
});
