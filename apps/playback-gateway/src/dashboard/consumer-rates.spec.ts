import { ConsumerRateTracker, type ShardProgressSample } from './consumer-rates';

const sample = (recordsProcessed: number | null, statsUpdatedAt: number | null, owner: string | null = 'w1', shardId = 'shardId-000000000000'): ShardProgressSample => ({
  shardId,
  owner,
  recordsProcessed,
  statsUpdatedAt,
});
const rateOf = (t: ConsumerRateTracker, s: ShardProgressSample): number | null | undefined => t.update([s]).get(s.shardId);

describe('ConsumerRateTracker', () => {
  it('derives records/s from two renewals of one owner', () => {
    const t = new ConsumerRateTracker();
    expect(rateOf(t, sample(100, 10_000))).toBeNull();
    expect(rateOf(t, sample(400, 13_000))).toBe(100);
    expect(rateOf(t, sample(410, 14_000))).toBe(10);
  });

  it('keeps the last rate while the item has not changed (polls between renewals), and measures from the older sample', () => {
    const t = new ConsumerRateTracker();
    rateOf(t, sample(0, 0));
    expect(rateOf(t, sample(300, 3_000))).toBe(100);
    expect(rateOf(t, sample(300, 3_000))).toBe(100);
    expect(rateOf(t, sample(500, 5_000))).toBe(100);
  });

  it.each<[string, ShardProgressSample]>([
    ['another owner took the lease (its counter starts over)', sample(10, 13_000, 'w2')],
    ['the counter went back', sample(50, 13_000)],
    ['the stats went back in time', sample(400, 9_000)],
  ])('starts over when %s', (_name, next) => {
    const t = new ConsumerRateTracker();
    rateOf(t, sample(100, 10_000));
    expect(rateOf(t, next)).toBeNull();
  });

  it('has no rate for items without progress (KCL-written leases) and forgets shards that left', () => {
    const t = new ConsumerRateTracker();
    expect(rateOf(t, sample(null, null))).toBeNull();
    t.update([sample(100, 10_000, 'w1', 'a'), sample(100, 10_000, 'w1', 'b')]);
    t.update([sample(200, 11_000, 'w1', 'a')]);
    expect(t.update([sample(300, 12_000, 'w1', 'a'), sample(200, 11_000, 'w1', 'b')]).get('b')).toBeNull();
  });
});
