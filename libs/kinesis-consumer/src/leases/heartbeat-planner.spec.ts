import { belowShare, decideLeaseScan, observeHeartbeats, viewHeartbeats, type HeartbeatObservation, type LeaseScanInput } from './heartbeat-planner';
import type { WorkerHeartbeat } from './lease-table';

const F = 3_000;
const beat = (workerId: string, counter: number, leaseCount = 0): WorkerHeartbeat => ({ workerId, counter, leaseCount, handoffRequests: [], heartbeatAt: 0 });

describe('observeHeartbeats / viewHeartbeats', () => {
  it('keeps the first-seen time while a counter stays, and restarts it when it moves', () => {
    let obs = observeHeartbeats([beat('A', 1), beat('B', 1)], new Map(), 0);
    obs = observeHeartbeats([beat('A', 2), beat('B', 1)], obs, 1_000);
    expect(obs.get('A')).toEqual({ counter: 2, seenAt: 1_000, leaseCount: 0 });
    expect(obs.get('B')).toEqual({ counter: 1, seenAt: 0, leaseCount: 0 });
    // A worker whose item is gone is no longer observed.
    obs = observeHeartbeats([beat('A', 2)], obs, 2_000);
    expect([...obs.keys()]).toEqual(['A']);
  });

  it('a worker is live until its counter stood still for more than the failover time on the observer clock', () => {
    const obs = observeHeartbeats([beat('me', 5), beat('B', 7, 3), beat('C', 1, 0)], new Map(), 0);
    let view = viewHeartbeats(obs, 'me', F, F);
    expect([...view.live].sort()).toEqual(['B', 'C', 'me']);
    expect(view.nextExpiryAt).toBe(F + 1);
    view = viewHeartbeats(obs, 'me', F + 1, F);
    // Only B held leases: its expiry asks for a scan; C's does not. I am live whatever my item says.
    expect([...view.live]).toEqual(['me']);
    expect(view.expiredWithLeases).toEqual(new Map([['B', F]]));
    expect(view.ownerSeenAt.get('B')).toBe(0);
    expect(view.ownerSeenAt.get('me')).toBe(F + 1);
  });
});

describe('decideLeaseScan', () => {
  const base = (over: Partial<LeaseScanInput> = {}): LeaseScanInput => {
    const observations: Map<string, HeartbeatObservation> = new Map([
      ['me', { counter: 1, seenAt: 0, leaseCount: 5 }],
      ['B', { counter: 1, seenAt: 0, leaseCount: 5 }],
    ]);
    return {
      now: 1_000,
      me: 'me',
      view: viewHeartbeats(observations, 'me', 1_000, F),
      observations,
      myLeaseCount: 5,
      lastScanAt: 500,
      liveAtLastScan: new Set(['me', 'B']),
      requested: false,
      mixed: false,
      followUp: false,
      pendingSteals: 0,
      sweepIntervalMs: 60_000,
      maxLeasesForWorker: Infinity,
      ...over,
    };
  };

  it('scans nothing in a steady, balanced fleet until the sweep is due', () => {
    expect(decideLeaseScan(base())).toBeUndefined();
    expect(decideLeaseScan(base({ now: 60_500 }))).toBe('sweep');
  });

  it('scans at start, on request, and every tick while per-lease workers hold leases', () => {
    expect(decideLeaseScan(base({ lastScanAt: undefined }))).toBe('start');
    expect(decideLeaseScan(base({ requested: true }))).toBe('requested');
    expect(decideLeaseScan(base({ mixed: true }))).toBe('mixed');
  });

  it('scans once when a worker holding leases stops beating, not again after that scan', () => {
    const observations = new Map<string, HeartbeatObservation>([
      ['me', { counter: 9, seenAt: 4_000, leaseCount: 5 }],
      ['B', { counter: 1, seenAt: 0, leaseCount: 5 }],
    ]);
    const view = viewHeartbeats(observations, 'me', 4_000, F);
    expect(decideLeaseScan(base({ now: 4_000, view, observations, lastScanAt: 2_000, liveAtLastScan: new Set(['me']) }))).toBe('worker-died');
    expect(decideLeaseScan(base({ now: 5_000, view, observations, lastScanAt: 4_000, liveAtLastScan: new Set(['me']) }))).toBeUndefined();
  });

  it('scans when a worker joined, and when the heartbeats say I am below my share', () => {
    const observations = new Map<string, HeartbeatObservation>([
      ['me', { counter: 1, seenAt: 0, leaseCount: 0 }],
      ['B', { counter: 1, seenAt: 0, leaseCount: 10 }],
    ]);
    const view = viewHeartbeats(observations, 'me', 1_000, F);
    expect(decideLeaseScan(base({ view, observations, myLeaseCount: 0, liveAtLastScan: new Set(['B']) }))).toBe('workers-changed');
    expect(decideLeaseScan(base({ view, observations, myLeaseCount: 0 }))).toBe('imbalance');
    // Handoffs I asked for are still pending: wait for them instead of scanning again.
    expect(decideLeaseScan(base({ view, observations, myLeaseCount: 2, pendingSteals: 2 }))).toBeUndefined();
  });
});

describe('belowShare', () => {
  const input = (mine: number, others: number[]) => {
    const observations = new Map<string, HeartbeatObservation>(others.map((n, i) => [`w${i}`, { counter: 1, seenAt: 0, leaseCount: n }]));
    return { me: 'me', myLeaseCount: mine, observations, view: viewHeartbeats(observations, 'me', 0, F), maxLeasesForWorker: Infinity };
  };
  it('steals when another worker is above the target, or when two or more below it (3,3,1)', () => {
    expect(belowShare(input(3, [3, 3]))).toBe(false);
    expect(belowShare(input(2, [4, 3]))).toBe(true);
    expect(belowShare(input(1, [3, 3]))).toBe(true);
    expect(belowShare(input(2, [3, 3]))).toBe(false);
    expect(belowShare(input(0, []))).toBe(false);
  });
});
