import { DependencyError, LeaseLostError } from '../consumer-error';
import type { Checkpoint } from '../consumer-types';
import { FakeTimers, InMemoryLeaseStore, SHARD_END, makeLease, shardIdOf } from '../testing/lease-test-kit';
import { LeaseCoordinator, type LeaseCoordinatorOptions, type LeaseLostInfo, type TakerRunEvent } from './lease-coordinator';

const FAILOVER = 10_000;
const RENEW = 3_308; // failover/3 − 25
const TAKER = 20_050; // 2·(failover + 25)
const seq = (n: number): Checkpoint => ({ kind: 'sequence', sequenceNumber: String(49_000_000 + n), subSequenceNumber: 0 });

interface Harness {
  store: InMemoryLeaseStore;
  timers: FakeTimers;
  coordinators: LeaseCoordinator[];
  make(workerId: string, options?: Partial<LeaseCoordinatorOptions>): LeaseCoordinator;
}

let h: Harness;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

beforeEach(() => {
  const store = new InMemoryLeaseStore();
  const timers = new FakeTimers(0);
  const coordinators: LeaseCoordinator[] = [];
  h = {
    store,
    timers,
    coordinators,
    make(workerId, options = {}) {
      const c = new LeaseCoordinator({ store, workerId, clock: timers, timers, random: seeded(workerId.length), ...options });
      coordinators.push(c);
      return c;
    },
  };
});

afterEach(async () => {
  await Promise.all(h.coordinators.map((c) => c.stop()));
});

function addLeases(n: number, fields: Parameters<typeof makeLease>[1] = {}): string[] {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = shardIdOf(h.store.leases.size);
    h.store.leases.set(key, makeLease(key, fields));
    keys.push(key);
  }
  return keys;
}

function record(c: LeaseCoordinator) {
  const acquired: string[] = [];
  const lost: Array<{ key: string; info: LeaseLostInfo; at: number }> = [];
  const runs: TakerRunEvent[] = [];
  c.on('leaseAcquired', (lease) => acquired.push(lease.leaseKey));
  c.on('leaseLost', (key, info) => lost.push({ key, info, at: h.timers.now() }));
  c.on('takerRun', (e) => runs.push(e));
  return { acquired, lost, runs };
}

describe('LeaseCoordinator', () => {
  it('takes every unowned lease at start, then renews them every failover/3 − ε', async () => {
    const keys = addLeases(3);
    const a = h.make('A');
    const events = record(a);
    await a.start();
    expect(events.acquired.sort()).toEqual(keys);
    expect(a.heldLeaseKeys().sort()).toEqual(keys);
    for (const key of keys) expect(h.store.get(key)).toMatchObject({ leaseOwner: 'A', leaseCounter: 1 });

    await h.timers.advance(RENEW - 1);
    expect(h.store.countCalls('renewLease')).toBe(0);
    await h.timers.advance(1);
    expect(h.store.countCalls('renewLease')).toBe(3);
    for (const key of keys) expect(h.store.get(key)?.leaseCounter).toBe(2);
    await h.timers.advance(RENEW);
    for (const key of keys) expect(h.store.get(key)?.leaseCounter).toBe(3);
    expect(a.heldLeases().map((l) => l.leaseCounter)).toEqual([3, 3, 3]);
  });

  it('writes the progress of each held lease with its renewal, stamped with the renewal time', async () => {
    const keys = addLeases(2);
    const processed = new Map([[keys[0], { millisBehindLatest: 1200, recordsProcessed: 40 }]]);
    const a = h.make('A', { progress: (key) => processed.get(key) });
    await a.start();
    await h.timers.advance(RENEW);
    expect(h.store.get(keys[0])?.progress).toEqual({ millisBehindLatest: 1200, recordsProcessed: 40, statsUpdatedAt: RENEW });
    // No progress known for the other lease: renewed as before, nothing written.
    expect(h.store.get(keys[1])).toMatchObject({ leaseCounter: 2 });
    expect(h.store.get(keys[1])?.progress).toBeUndefined();
    processed.set(keys[0], { millisBehindLatest: 0, recordsProcessed: 90 });
    await h.timers.advance(RENEW);
    expect(h.store.get(keys[0])?.progress).toEqual({ millisBehindLatest: 0, recordsProcessed: 90, statsUpdatedAt: 2 * RENEW });
    expect(h.store.countCalls('renewLease')).toBe(4);
  });

  it('emits leaseLost when a renewal is rejected (another worker took the lease)', async () => {
    const [key] = addLeases(1);
    const a = h.make('A');
    const events = record(a);
    await a.start();
    h.store.takeAs(key, 'thief');
    await h.timers.advance(RENEW);
    expect(events.lost).toEqual([{ key, info: expect.objectContaining({ reason: 'renewal-rejected' }), at: RENEW }]);
    expect(a.heldLeaseKeys()).toEqual([]);
    expect(a.holds(key)).toBe(false);
    await expect(a.checkpoint(key, seq(1))).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('drops a lease whose renewals keep failing before other workers could see it expired', async () => {
    const [key] = addLeases(1);
    const a = h.make('A');
    const events = record(a);
    const failures: string[] = [];
    a.on('renewalFailed', (k, err) => failures.push(`${k}:${err.code}:${err.retriable}`));
    await a.start(); // taken at t=0
    h.store.failNext('renewLease', { times: 100 });
    await h.timers.advance(3 * RENEW);
    expect(failures).toHaveLength(3);
    expect(failures[0]).toBe(`${key}:DEPENDENCY:true`);
    // Ticks at 3,308 and 6,616 keep it (the next tick still lands before 10,000); the one at 9,924 cannot.
    expect(events.lost).toEqual([{ key, info: expect.objectContaining({ reason: 'expired' }), at: 3 * RENEW }]);
    expect(events.lost[0].at).toBeLessThan(FAILOVER);
  });

  it('drops a lease whose renewal hangs, before it could expire', async () => {
    const [key] = addLeases(1);
    const a = h.make('A');
    const events = record(a);
    await a.start();
    h.store.gate = () => new Promise<void>(() => undefined); // every call from now on hangs
    await h.timers.advance(3 * RENEW);
    expect(events.lost).toEqual([{ key, info: { reason: 'expired' }, at: 3 * RENEW }]);
    h.store.gate = undefined;
  });

  it("takes a dead worker's lease once its counter has not moved for the failover time", async () => {
    const [key] = addLeases(1, { leaseOwner: 'dead', leaseCounter: 7 });
    const a = h.make('A');
    const events = record(a);
    const info: unknown[] = [];
    a.on('leaseAcquired', (_lease, i) => info.push(i));
    await a.start();
    expect(events.acquired).toEqual([]); // first sight: counts as just renewed
    await h.timers.advance(TAKER);
    expect(events.acquired).toEqual([key]);
    expect(info).toEqual([{ previousOwner: 'dead', stolen: false }]);
    expect(h.store.get(key)).toMatchObject({ leaseOwner: 'A', leaseCounter: 8, ownerSwitchesSinceCheckpoint: 1 });
  });

  it('fails over within failover + one taker interval with a short taker interval', async () => {
    addLeases(4);
    const a = h.make('A', { takerIntervalMs: 1_000 });
    const b = h.make('B', { takerIntervalMs: 1_000 });
    await a.start();
    await b.start();
    await h.timers.advance(60_000); // settle to 2/2 by stealing
    expect(a.heldLeaseKeys()).toHaveLength(2);
    expect(b.heldLeaseKeys()).toHaveLength(2);
    const lastRenewal = Math.floor(h.timers.now() / RENEW) * RENEW; // A's last renewal tick before the kill
    await a.stop(); // like a kill: nothing released, renewals stop
    const acquiredAt: number[] = [];
    b.on('leaseAcquired', () => acquiredAt.push(h.timers.now()));
    await h.timers.advance(30_000);
    expect(b.heldLeaseKeys()).toHaveLength(4);
    expect(acquiredAt).toHaveLength(2);
    // Never before the failover time since A's last write (B must not overlap A); at most failover + one taker
    // interval after it (B first sees A's last counter within an interval, then scans again the moment it expires).
    for (const at of acquiredAt) {
      expect(at - lastRenewal).toBeGreaterThan(FAILOVER);
      expect(at - lastRenewal).toBeLessThanOrEqual(FAILOVER + 1_000 + 1);
    }
  });

  it('steals toward an even share; the victim learns at its next renewal', async () => {
    const keys = addLeases(4);
    const a = h.make('A');
    const aEvents = record(a);
    await a.start();
    expect(a.heldLeaseKeys()).toHaveLength(4);
    const b = h.make('B');
    const bEvents = record(b);
    await b.start(); // A has 4 > target 2: B steals one (maxLeasesToStealAtOneTime = 1)
    expect(bEvents.acquired).toHaveLength(1);
    expect(bEvents.runs[0]).toMatchObject({ leases: 4, workers: 2, target: 2, stolen: [bEvents.acquired[0]] });
    await h.timers.advance(RENEW);
    expect(aEvents.lost.map((l) => l.key)).toEqual(bEvents.acquired);
    await h.timers.advance(TAKER);
    expect(b.heldLeaseKeys()).toHaveLength(2);
    expect(a.heldLeaseKeys()).toHaveLength(2);
    expect([...a.heldLeaseKeys(), ...b.heldLeaseKeys()].sort()).toEqual(keys);
    await h.timers.advance(5 * TAKER); // balanced: no more steals
    expect(bEvents.acquired).toHaveLength(2);
    expect(aEvents.lost).toHaveLength(2);
  });

  it('steals several at once when allowed', async () => {
    addLeases(8);
    const a = h.make('A');
    await a.start();
    const b = h.make('B', { maxLeasesToStealAtOneTime: 4 });
    await b.start();
    expect(b.heldLeaseKeys()).toHaveLength(4);
  });

  it('writes checkpoints conditionally, serialized with renewals', async () => {
    const [key] = addLeases(1);
    const a = h.make('A');
    await a.start();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    h.store.gate = () => gate;
    await h.timers.advance(RENEW); // renewal in flight (held at the gate)
    const written = a.checkpoint(key, seq(5)); // queued behind it
    h.store.gate = undefined;
    release();
    await h.timers.settle();
    const lease = await written;
    expect(lease).toMatchObject({ leaseCounter: 3, checkpoint: seq(5), ownerSwitchesSinceCheckpoint: 0 });
    expect(h.store.get(key)).toMatchObject({ leaseCounter: 3, checkpoint: seq(5) });
    await h.timers.advance(RENEW);
    expect(h.store.get(key)?.leaseCounter).toBe(4); // the renewal after it used the checkpoint's counter
    expect(a.holds(key)).toBe(true);
  });

  it('rejects a checkpoint after the lease was stolen, and reports the loss', async () => {
    const [key] = addLeases(1);
    const a = h.make('A');
    const events = record(a);
    await a.start();
    h.store.takeAs(key, 'B');
    await expect(a.checkpoint(key, seq(1))).rejects.toBeInstanceOf(LeaseLostError);
    expect(events.lost).toEqual([{ key, info: expect.objectContaining({ reason: 'checkpoint-rejected' }), at: 0 }]);
    expect(h.store.get(key)?.checkpoint).toEqual({ kind: 'sentinel', value: 'TRIM_HORIZON' });
  });

  it('keeps the lease on a retriable checkpoint failure', async () => {
    const [key] = addLeases(1);
    const a = h.make('A');
    await a.start();
    h.store.failNext('updateCheckpoint');
    await expect(a.checkpoint(key, seq(1))).rejects.toBeInstanceOf(DependencyError);
    expect(a.holds(key)).toBe(true);
    await expect(a.checkpoint(key, seq(1))).resolves.toMatchObject({ checkpoint: seq(1) });
  });

  it('stops renewing a lease checkpointed at SHARD_END, and no one takes it', async () => {
    const [key] = addLeases(1);
    const a = h.make('A');
    const completed: string[] = [];
    a.on('leaseCompleted', (k) => completed.push(k));
    await a.start();
    await a.checkpoint(key, SHARD_END, { childShardIds: ['shardId-000000000009', 'shardId-000000000008'] });
    expect(completed).toEqual([key]);
    expect(a.heldLeaseKeys()).toEqual([]);
    expect(h.store.get(key)).toMatchObject({ checkpoint: SHARD_END, childShardIds: ['shardId-000000000008', 'shardId-000000000009'] });
    const renewals = h.store.countCalls('renewLease');
    const b = h.make('B');
    const bEvents = record(b);
    await b.start();
    await h.timers.advance(5 * TAKER);
    expect(h.store.countCalls('renewLease')).toBe(renewals);
    expect(bEvents.acquired).toEqual([]);
  });

  it('release hands a lease off: another worker takes it at its next run, without waiting for expiry', async () => {
    const keys = addLeases(4);
    const a = h.make('A');
    await a.start();
    const b = h.make('B');
    const bEvents = record(b);
    await b.start();
    await h.timers.advance(TAKER + RENEW); // 2/2
    expect(b.heldLeaseKeys()).toHaveLength(2);
    const mine = a.heldLeaseKeys();
    expect(await a.release(mine[0], { checkpoint: seq(42) })).toBe(true);
    expect(h.store.get(mine[0])).toMatchObject({ checkpoint: seq(42) });
    expect(h.store.get(mine[0])?.leaseOwner).toBeUndefined();
    expect(await a.release(mine[0])).toBe(false); // not held any more
    await a.stop({ release: true });
    for (const key of mine) expect(h.store.get(key)?.leaseOwner).toBeUndefined();
    const acquiredAt: number[] = [];
    b.on('leaseAcquired', () => acquiredAt.push(h.timers.now()));
    const runsBefore = bEvents.runs.length;
    await h.timers.advance(TAKER);
    expect(b.heldLeaseKeys().sort()).toEqual(keys);
    // All at B's very next run, as available (unowned) leases: no expiry wait, no stealing.
    expect(bEvents.runs[runsBefore].taken.sort()).toEqual([...mine].sort());
    expect(new Set(acquiredAt).size).toBe(1);
  });

  it('runs the taker again soon while leases it could not take stay available', async () => {
    addLeases(2);
    const a = h.make('A', { takerFollowUpMs: 500 });
    const events = record(a);
    await a.start();
    expect(a.heldLeaseKeys()).toHaveLength(2);
    // Another worker X holds one lease; one more is unowned: A (2, at target 2) leaves it to X.
    const [xKey] = addLeases(1, { leaseOwner: 'X', leaseCounter: 3 });
    const [freeKey] = addLeases(1);
    const run = await a.takeLeasesNow();
    expect(run).toMatchObject({ workers: 2, target: 2, available: 1, taken: [] });
    // X hands its lease off; A's follow-up run (500 ms later, not 20 s) takes both.
    h.store.mutate(xKey, (l) => ({ leaseOwner: undefined, leaseCounter: l.leaseCounter + 1 }));
    await h.timers.advance(500);
    expect(events.runs.at(-1)?.taken.sort()).toEqual([xKey, freeKey].sort());
    // Nothing left: back to the normal interval.
    const lists = h.store.countCalls('listLeases');
    await h.timers.advance(TAKER - 1);
    expect(h.store.countCalls('listLeases')).toBe(lists);
    await h.timers.advance(1);
    expect(h.store.countCalls('listLeases')).toBe(lists + 1);
  });

  it('start() rejects when the table cannot be read for a non-retriable reason', async () => {
    h.store.failNext('listLeases', { error: new DependencyError('Scan', 'ResourceNotFoundException', 'no table', false) });
    const a = h.make('A');
    await expect(a.start()).rejects.toMatchObject({ code: 'DEPENDENCY', retriable: false });
    expect(a.running).toBe(false);
  });

  it('start() survives a retriable listing failure and retries at the next run', async () => {
    addLeases(2);
    h.store.failNext('listLeases');
    const a = h.make('A');
    const failed: string[] = [];
    a.on('takerFailed', (err) => failed.push(err.code));
    await a.start();
    expect(failed).toEqual(['DEPENDENCY']);
    expect(a.heldLeaseKeys()).toHaveLength(0);
    await h.timers.advance(TAKER);
    expect(a.heldLeaseKeys()).toHaveLength(2);
  });

  it('a throwing listener does not break the loops', async () => {
    addLeases(2);
    const a = h.make('A');
    a.on('leaseAcquired', () => {
      throw new Error('listener bug');
    });
    await a.start();
    expect(a.heldLeaseKeys()).toHaveLength(2);
    await h.timers.advance(RENEW);
    expect(h.store.countCalls('renewLease')).toBe(2);
  });

  it('takeLeasesNow() picks up new leases at once', async () => {
    const a = h.make('A');
    await a.start();
    const [key] = addLeases(1);
    const run = await a.takeLeasesNow();
    expect(run?.taken).toEqual([key]);
  });

  it('stop() without release leaves the leases to expire and stops every timer', async () => {
    const [key] = addLeases(1);
    const a = h.make('A');
    await a.start();
    await a.stop();
    expect(h.timers.pending).toBe(0);
    expect(h.store.get(key)?.leaseOwner).toBe('A');
    expect(a.heldLeaseKeys()).toEqual([]);
  });

  it('validates its options', () => {
    expect(() => h.make('')).toThrow(/workerId/);
    expect(() => h.make('A', { failoverTimeMs: 0 })).toThrow(/failoverTimeMs/);
    expect(() => h.make('A', { failoverTimeMs: 1_000, renewIntervalMs: 1_000 })).toThrow(/renewIntervalMs/);
  });
});
