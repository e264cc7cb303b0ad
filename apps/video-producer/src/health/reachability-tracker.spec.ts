import { ReachabilityTracker } from './reachability-tracker';

describe('ReachabilityTracker', () => {
  const at = { now: 1_000 };
  const clock = { now: () => at.now };

  it('reports an outage once, at its first failure, and the recovery once, at the next persisted fragment', () => {
    at.now = 1_000;
    const t = new ReachabilityTracker(clock);
    expect(t.success()).toBeUndefined();
    expect(t.state()).toEqual({ reachable: true, failures: 0 });
    expect(t.failure('ECONNREFUSED')).toEqual({ kind: 'outage', sinceMs: 1_000, reason: 'ECONNREFUSED' });
    at.now = 5_000;
    expect(t.failure('ECONNREFUSED')).toBeUndefined();
    expect(t.failure('CONNECTION_ERROR')).toBeUndefined();
    expect(t.state()).toEqual({ reachable: false, unreachableSinceMs: 1_000, failures: 3, lastError: 'CONNECTION_ERROR' });
    expect(t.unreachableForMs()).toBe(4_000);
    at.now = 62_000;
    expect(t.success()).toEqual({ kind: 'recovered', downForMs: 61_000, failures: 3, lastError: 'CONNECTION_ERROR' });
    expect(t.success()).toBeUndefined();
    expect(t.state()).toEqual({ reachable: true, failures: 0 });
    expect(t.unreachableForMs()).toBe(0);
  });

  it('starts a new outage after a recovery', () => {
    at.now = 0;
    const t = new ReachabilityTracker(clock);
    t.failure('a');
    t.success();
    at.now = 10;
    expect(t.failure('b')).toEqual({ kind: 'outage', sinceMs: 10, reason: 'b' });
  });
});
