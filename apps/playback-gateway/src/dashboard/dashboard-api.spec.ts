import type { LeaseItem } from '@tributary/schemas';
import { consumersView } from './dashboard-api';
import { ConsumerRateTracker } from './consumer-rates';

const lease = (leaseKey: string, extra: Partial<LeaseItem> = {}): LeaseItem => ({ leaseKey, leaseCounter: 1, checkpoint: 'TRIM_HORIZON', ...extra });

describe('consumersView', () => {
  it('sums the shards with a rate and takes the largest lag', () => {
    const rates = new ConsumerRateTracker();
    const read = (a: number, b: number, at: number) => ({
      items: [
        lease('shardId-0', { leaseOwner: 'w1', recordsProcessed: a, statsUpdatedAt: at, millisBehindLatest: 20 }),
        lease('shardId-1', { leaseOwner: 'w2', recordsProcessed: b, statsUpdatedAt: at, millisBehindLatest: 1_500 }),
        lease('shardId-2'),
      ],
      truncated: false,
      skipped: 0,
    });
    const first = consumersView(read(0, 0, 1_000), rates, 1_000);
    expect(first.recordsPerSecond).toBeNull();
    expect(first.maxMillisBehindLatest).toBe(1_500);
    const second = consumersView(read(200, 50, 3_000), rates, 3_000);
    expect(second.shards.map((s) => s.recordsPerSecond)).toEqual([100, 25, null]);
    expect(second.recordsPerSecond).toBe(125);
    expect(second.shards[2]).toEqual({
      shardId: 'shardId-2',
      owner: null,
      checkpoint: 'TRIM_HORIZON',
      millisBehindLatest: null,
      recordsProcessed: null,
      statsUpdatedAt: null,
      recordsPerSecond: null,
    });
  });

  it('has no figures for a table without progress', () => {
    const view = consumersView({ items: [lease('s')], truncated: true, skipped: 0 }, new ConsumerRateTracker(), 5);
    expect(view).toMatchObject({ recordsPerSecond: null, maxMillisBehindLatest: null, sampledAt: 5, truncated: true });
  });
});
