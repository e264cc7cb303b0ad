import { LeaseLostError } from '../consumer-error';
import type { Checkpoint } from '../consumer-types';
import { FakeTimers, InMemoryLeaseStore, makeLease, shardIdOf } from '../testing/lease-test-kit';
import { HeartbeatLeaseCoordinator, createLeaseCoordinator } from './heartbeat-coordinator';
import { LeaseCoordinator, type LeaseCoordinatorOptions, type LeaseLostInfo, type TakerRunEvent } from './lease-coordinator';

const F = 3_000;
const RENEW = 975; // F/3 − 25
const TAKER = 1_000;
const seq = (n: number): Checkpoint => ({ kind: 'sequence', sequenceNumber: String(49_000_000 + n), subSequenceNumber: 0 });

let store: InMemoryLeaseStore;
let timers: FakeTimers;
let coordinators: LeaseCoordinator[];

beforeEach(() => {
  store = new InMemoryLeaseStore();
  timers = new FakeTimers(0);
  coordinators = [];
});
afterEach(async () => {
  await Promise.all(coordinators.map((c) => c.stop()));
});

function make(workerId: string, options: Partial<LeaseCoordinatorOptions> = {}): LeaseCoordinator {
  let s = workerId.length;
  const random = (): number => ((s = (s * 16807) % 2147483647) / 2147483647);
  const c = createLeaseCoordinator({ store, workerId, protocol: 'heartbeat', failoverTimeMs: F, takerIntervalMs: TAKER, clock: timers, timers, random, ...options });
  coordinators.push(c);
  return c;
}

function addLeases(n: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = shardIdOf(store.leases.size);
    store.leases.set(key, makeLease(key));
    keys.push(key);
  }
  return keys;
}

/** Who believes it holds each lease, over time: [time, worker, key, 'in' | 'out']. */
function track(c: LeaseCoordinator, log: Array<[number, string, string, 'in' | 'out']>, lost: LeaseLostInfo[] = []): void {
  c.on('leaseAcquired', (l) => log.push([timers.now(), c.workerId, l.leaseKey, 'in']));
  c.on('leaseLost', (k, info) => {
    log.push([timers.now(), c.workerId, k, 'out']);
    lost.push(info);
  });
  c.on('leaseReleased', (k) => log.push([timers.now(), c.workerId, k, 'out']));
}

/** No lease believed held by two workers at once. */
function overlaps(log: ReadonlyArray<[number, string, string, 'in' | 'out']>): string[] {
  const holders = new Map<string, Set<string>>();
  const bad: string[] = [];
  for (const [t, w, k, what] of log) {
    const set = holders.get(k) ?? new Set<string>();
    if (what === 'in') {
      if (set.size > 0) bad.push(`${k}@${t}: ${w} while ${[...set].join(',')}`);
      set.add(w);
    } else set.delete(w);
    holders.set(k, set);
  }
  return bad;
}

describe('HeartbeatLeaseCoordinator', () => {
  it('createLeaseCoordinator picks the class; the heartbeat protocol needs a store with the heartbeat methods', () => {
    expect(createLeaseCoordinator({ store, workerId: 'x' })).not.toBeInstanceOf(HeartbeatLeaseCoordinator);
    expect(make('y')).toBeInstanceOf(HeartbeatLeaseCoordinator);
    const bare = { listLeases: () => store.listLeases(), getLease: (k: string) => store.getLease(k) } as unknown as InMemoryLeaseStore;
    expect(() => createLeaseCoordinator({ store: bare, workerId: 'z', protocol: 'heartbeat' })).toThrow(/needs a store with requestHandoff/);
  });

  it('a lone worker takes every lease, then writes one heartbeat per interval and no lease item at all', async () => {
    const keys = addLeases(10);
    const a = make('A');
    await a.start();
    expect(a.heldLeaseKeys().sort()).toEqual(keys);
    const scans = store.countCalls('listLeases');
    await timers.advance(50_000);
    expect(store.countCalls('renewLease')).toBe(0);
    expect(store.countCalls('writeHeartbeat')).toBeGreaterThanOrEqual(Math.floor(50_000 / RENEW));
    expect(store.countCalls('writeHeartbeat')).toBeLessThanOrEqual(Math.ceil(50_000 / RENEW) + 1);
    // The heartbeats are read every taker interval; the lease table is not scanned again before the sweep.
    expect(store.countCalls('listHeartbeats')).toBeGreaterThanOrEqual(45);
    expect(store.countCalls('listLeases')).toBe(scans);
    await timers.advance(15_000);
    expect(store.countCalls('listLeases')).toBe(scans + 1);
    expect(store.heartbeats.get('A')).toMatchObject({ leaseCount: 10 });
    for (const key of keys) expect(store.get(key)?.leaseCounter).toBe(1);
  });

  it('a joining worker gets its share by graceful handoffs: the owner lets go before the stealer starts', async () => {
    addLeases(8);
    const log: Array<[number, string, string, 'in' | 'out']> = [];
    const a = make('A', { maxLeasesToStealAtOneTime: 2 });
    track(a, log);
    await a.start();
    const b = make('B', { maxLeasesToStealAtOneTime: 2 });
    track(b, log);
    await b.start();
    await timers.advanceUntil(() => b.heldLeaseKeys().length === 4 && a.heldLeaseKeys().length === 4, 50, 30_000);
    expect(timers.now()).toBeLessThan(15_000);
    expect(overlaps(log)).toEqual([]);
    expect(store.countCalls('takeLease')).toBe(8); // A's first takes only: B's came by handoff
    expect(store.countCalls('completeHandoff')).toBe(4);
    for (const lease of store.leases.values()) expect(lease.checkpointOwner).toBeUndefined();
  });

  it('a worker joining a balanced fleet asks for its whole share at once, and is balanced within a few seconds', async () => {
    addLeases(100);
    const log: Array<[number, string, string, 'in' | 'out']> = [];
    const fleet = ['A', 'B', 'C', 'D'].map((id) => make(id));
    for (const c of fleet) track(c, log);
    for (const c of fleet) await c.start();
    await timers.advanceUntil(() => fleet.every((c) => c.heldLeaseKeys().length === 25), 50, 60_000);
    const joined = timers.now();
    const e = make('E');
    track(e, log);
    await e.start();
    await timers.advanceUntil(() => [...fleet, e].every((c) => c.heldLeaseKeys().length === 20), 50, 60_000);
    expect(timers.now() - joined).toBeLessThanOrEqual(3 * TAKER);
    expect(overlaps(log)).toEqual([]);
  });

  it('a handoff carries the checkpoint the owner could no longer write alone', async () => {
    const [key] = addLeases(2);
    const a = make('A');
    await a.start();
    // The owner's shard is still finishing: the listener releases a little later, checkpointing as it goes.
    a.on('handoffRequested', (k) => {
      void a.checkpoint(k, seq(7)).then(() => timers.setTimeout(() => void a.release(k), 200));
    });
    const b = make('B');
    await b.start();
    await timers.advanceUntil(() => b.heldLeaseKeys().length === 1, 50, 20_000);
    const moved = b.heldLeaseKeys()[0];
    expect(store.get(moved)).toMatchObject({ leaseOwner: 'B', checkpoint: seq(7) });
    expect(store.get(moved)?.checkpointOwner).toBeUndefined();
    expect([key, shardIdOf(1)]).toContain(moved);
  });

  it('an owner that does not hand over gives the lease up after the failover time, and the stealer starts then', async () => {
    addLeases(2);
    const log: Array<[number, string, string, 'in' | 'out']> = [];
    const lost: LeaseLostInfo[] = [];
    const a = make('A');
    track(a, log, lost);
    await a.start();
    a.on('handoffRequested', () => undefined); // stuck shard: never releases
    const b = make('B');
    track(b, log);
    await b.start();
    await timers.advanceUntil(() => b.heldLeaseKeys().length === 1, 50, 20_000);
    expect(lost.map((l) => l.reason)).toEqual(['handed-off']);
    expect(overlaps(log)).toEqual([]);
  });

  it('a dead worker (heartbeats stop) loses its leases to the others within failover + one taker interval', async () => {
    addLeases(6);
    const log: Array<[number, string, string, 'in' | 'out']> = [];
    const a = make('A');
    track(a, log);
    await a.start();
    const b = make('B');
    track(b, log);
    await b.start();
    await timers.advanceUntil(() => b.heldLeaseKeys().length === 3, 50, 30_000);
    const lastBeat = timers.now();
    await a.stop(); // no release, heartbeats stop: as SIGKILL
    await timers.advanceUntil(() => b.heldLeaseKeys().length === 6, 50, 30_000);
    expect(timers.now() - lastBeat).toBeLessThanOrEqual(F + TAKER + RENEW);
    expect(timers.now() - lastBeat).toBeGreaterThan(F - RENEW);
  });

  /*
   * Regression: when a worker dies, every survivor scans at the same expiry instant and shuffles the same orphans,
   * so takes lose races; the loser waited a whole follow-up period (1 s) per lost race, and bench:scale at
   * 1,000 shards × 20 workers failed over in 5.1–6.1 s in 4 seeds of 8.
   */
  it('a take that loses a race is replaced by a spare lease in the same run, without another scan', async () => {
    addLeases(6);
    const a = make('A', { maxLeasesForWorker: 2 });
    const runs: TakerRunEvent[] = [];
    a.on('takerRun', (e) => runs.push(e));
    store.failNext('takeLease', { error: new LeaseLostError('any', 'another worker took it first (injected)'), times: 1 });
    await a.start();
    expect(a.heldLeaseKeys()).toHaveLength(2);
    expect(store.countCalls('takeLease')).toBe(3);
    expect(store.countCalls('listLeases')).toBe(1);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ failed: 1, target: 2, held: 2 });
    expect(runs[0].taken).toHaveLength(2);
  });

  it('lost races with no spare left: the next scan comes after takerRetryMs (jittered), not the follow-up period', async () => {
    addLeases(2);
    const a = make('A', { takerRetryMs: 100 });
    store.failNext('takeLease', { error: new LeaseLostError('any', 'another worker took it first (injected)'), times: 1 });
    await a.start();
    expect(a.heldLeaseKeys()).toHaveLength(1);
    await timers.advance(150);
    expect(store.countCalls('listLeases')).toBe(2);
    expect(a.heldLeaseKeys()).toHaveLength(2);
  });

  it('a take that failed for another reason (throttling) is neither replaced nor retried early: the follow-up period', async () => {
    addLeases(3);
    const a = make('A', { maxLeasesForWorker: 2, takerRetryMs: 100 });
    store.failNext('takeLease', { times: 1 });
    await a.start();
    expect(a.heldLeaseKeys()).toHaveLength(1);
    expect(store.countCalls('takeLease')).toBe(2);
    await timers.advance(TAKER - 50);
    expect(store.countCalls('listLeases')).toBe(1);
    await timers.advance(100);
    expect(store.countCalls('listLeases')).toBe(2);
    expect(a.heldLeaseKeys()).toHaveLength(2);
  });

  it('fences itself: when heartbeats fail it drops every lease before another worker may see it expired', async () => {
    addLeases(4);
    const lost: Array<{ at: number; info: LeaseLostInfo }> = [];
    const a = make('A');
    a.on('leaseLost', (_k, info) => lost.push({ at: timers.now(), info }));
    await a.start();
    const lastBeatStart = 0;
    store.failNext('writeHeartbeat', { times: 1_000 });
    await timers.advance(2 * F);
    expect(lost).toHaveLength(4);
    for (const l of lost) {
      expect(l.info.reason).toBe('expired');
      expect(l.at - lastBeatStart).toBeLessThanOrEqual(F);
    }
    expect(a.heldLeaseKeys()).toEqual([]);
    // The outage ends: its own leases (nobody took them) are taken back at the next ticks, not at the 60-s sweep.
    store.clearFailures();
    await timers.advance(3 * TAKER);
    expect(a.heldLeaseKeys()).toHaveLength(4);
  });

  it('beside per-lease workers it renews each lease too, and stops once none of them holds a lease', async () => {
    addLeases(4);
    const old = new LeaseCoordinator({ store, workerId: 'old', failoverTimeMs: F, takerIntervalMs: TAKER, clock: timers, timers });
    coordinators.push(old);
    await old.start();
    const log: Array<[number, string, string, 'in' | 'out']> = [];
    track(old, log);
    const h = make('H') as HeartbeatLeaseCoordinator;
    track(h, log);
    await h.start();
    await timers.advanceUntil(() => h.heldLeaseKeys().length === 2, 50, 20_000);
    expect(h.renewsPerLease).toBe(true);
    const renewedBefore = store.calls.filter((c) => c.operation === 'renewLease' && h.heldLeaseKeys().includes(c.leaseKey ?? '')).length;
    await timers.advance(5 * RENEW);
    const renewedAfter = store.calls.filter((c) => c.operation === 'renewLease' && h.heldLeaseKeys().includes(c.leaseKey ?? '')).length;
    expect(renewedAfter - renewedBefore).toBeGreaterThanOrEqual(2 * 4);
    // The old worker leaves (rolling restart): its leases are released, the heartbeat worker takes them and
    // renews per lease no more.
    await old.stop({ release: true });
    await timers.advanceUntil(() => h.heldLeaseKeys().length === 4 && !h.renewsPerLease, 50, 20_000);
    const renewals = store.countCalls('renewLease');
    await timers.advance(10 * RENEW);
    expect(store.countCalls('renewLease')).toBe(renewals);
    expect(overlaps(log)).toEqual([]);
  });

  it('stop with release hands every lease back and deletes the heartbeat', async () => {
    const keys = addLeases(3);
    const a = make('A');
    await a.start();
    await a.stop({ release: true });
    for (const key of keys) expect(store.get(key)?.leaseOwner).toBeUndefined();
    expect(store.heartbeats.has('A')).toBe(false);
  });
});
