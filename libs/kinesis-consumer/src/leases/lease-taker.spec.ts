import type { Checkpoint, Lease } from '../consumer-types';
import { planLeaseTaking, type LeaseObservation, type LeaseTakingInput } from './lease-taker';

const FAILOVER = 10_000;
const TRIM: Checkpoint = { kind: 'sentinel', value: 'TRIM_HORIZON' };
const END: Checkpoint = { kind: 'sentinel', value: 'SHARD_END' };

function lease(n: number, owner?: string, counter = 1, checkpoint: Checkpoint = TRIM): Lease {
  return {
    leaseKey: `shardId-${String(n).padStart(12, '0')}`,
    ...(owner === undefined ? {} : { leaseOwner: owner }),
    leaseCounter: counter,
    checkpoint,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds: [],
    childShardIds: [],
    startingHashKey: '0',
    endingHashKey: '1',
  };
}

/** `spec` like { A: 3, B: 2, '': 1 } → leases owned that way ('' = unowned), numbered in order. */
function leasesOwned(spec: Record<string, number>): Lease[] {
  const out: Lease[] = [];
  for (const [owner, count] of Object.entries(spec)) for (let i = 0; i < count; i++) out.push(lease(out.length, owner || undefined));
  return out;
}

/** A deterministic random source (LCG). */
function seeded(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Every lease observed at `seenAt` with its current counter. */
function observed(leases: readonly Lease[], seenAt: number): Map<string, LeaseObservation> {
  return new Map(leases.map((l) => [l.leaseKey, { counter: l.leaseCounter, seenAt }]));
}

function plan(overrides: Partial<LeaseTakingInput> & Pick<LeaseTakingInput, 'leases'>) {
  return planLeaseTaking({ workerId: 'me', now: 100_000, observations: new Map(), failoverTimeMs: FAILOVER, random: seeded(), ...overrides });
}

describe('planLeaseTaking', () => {
  it.each<{ name: string; spec: Record<string, number>; take: number; steal: number; target: number; workers: number }>([
    { name: 'a lone worker takes every unowned lease', spec: { '': 10 }, take: 10, steal: 0, target: 10, workers: 1 },
    { name: 'nothing to do on an empty table', spec: {}, take: 0, steal: 0, target: 0, workers: 1 },
    { name: 'a second worker steals from one that holds all (one at a time by default)', spec: { A: 10 }, take: 0, steal: 1, target: 5, workers: 2 },
    { name: 'no steal when balanced', spec: { A: 5, me: 5 }, take: 0, steal: 0, target: 5, workers: 2 },
    { name: 'no steal when the others are at the target and I need one', spec: { A: 3, B: 2, me: 2 }, take: 0, steal: 0, target: 3, workers: 3 },
    { name: "KCL's rule: others at target, I need two → steal one (3,3,1 → 3,2,2)", spec: { A: 3, B: 3, me: 1 }, take: 0, steal: 1, target: 3, workers: 3 },
    { name: 'unowned leases respect the target', spec: { A: 4, '': 4 }, take: 4, steal: 0, target: 4, workers: 2 },
    { name: 'at the target, unowned leases are left to the others', spec: { A: 2, me: 4, '': 2 }, take: 0, steal: 0, target: 4, workers: 2 },
    { name: 'available leases come before stealing', spec: { A: 8, '': 1 }, take: 1, steal: 0, target: 5, workers: 2 },
    { name: 'more workers than leases: target 1', spec: { A: 1, B: 1, '': 1 }, take: 1, steal: 0, target: 1, workers: 3 },
  ])('$name', ({ spec, take, steal, target, workers }) => {
    const leases = leasesOwned(spec);
    const p = plan({ leases, observations: observed(leases, 100_000) });
    expect(p.take).toHaveLength(take);
    expect(p.steal).toHaveLength(steal);
    expect(p.target).toBe(target);
    expect(p.workerCount).toBe(workers);
    for (const l of p.take) expect(l.leaseOwner).toBeUndefined();
    for (const l of p.steal) expect(l.leaseOwner).not.toBe('me');
  });

  it('bounds stealing by maxLeasesToStealAtOneTime and never takes a victim below the target', () => {
    const leases = leasesOwned({ A: 12 });
    expect(plan({ leases, observations: observed(leases, 100_000), maxLeasesToStealAtOneTime: 3 }).steal).toHaveLength(3);
    expect(plan({ leases, observations: observed(leases, 100_000), maxLeasesToStealAtOneTime: 50 }).steal).toHaveLength(6);
  });

  it('spreads a multi-lease steal over every worker above the target, most loaded first', () => {
    // 16 leases, 4 workers → target 4; A is 3 above, B 1 above, C at target; I need 4 and may steal 4.
    const leases = leasesOwned({ A: 7, B: 5, C: 4 });
    const p = plan({ leases, observations: observed(leases, 100_000), maxLeasesToStealAtOneTime: 4 });
    const from = p.steal.map((l) => l.leaseOwner).sort();
    expect(from).toEqual(['A', 'A', 'A', 'B']);
  });

  it("takes an expired owner's leases once their counter has not moved for the failover time", () => {
    const leases = leasesOwned({ dead: 4, me: 1 });
    const first = plan({ leases, now: 0 });
    expect(first.take).toHaveLength(0); // first sight: owned leases count as just renewed
    expect(first.workerCount).toBe(2);
    const atFailover = plan({ leases, now: FAILOVER, observations: first.observations });
    expect(atFailover.take).toHaveLength(0); // not yet: strictly more than the failover time
    const after = plan({ leases, now: FAILOVER + 1, observations: first.observations });
    expect(after.workerCount).toBe(1); // the dead worker no longer counts
    expect(after.target).toBe(5);
    expect(after.take.map((l) => l.leaseOwner)).toEqual(['dead', 'dead', 'dead', 'dead']);
  });

  it('a counter that moved resets the expiry clock', () => {
    const leases = leasesOwned({ A: 2 });
    const first = plan({ leases, now: 0 });
    const renewed = leases.map((l) => ({ ...l, leaseCounter: l.leaseCounter + 1 }));
    const second = plan({ leases: renewed, now: FAILOVER + 1, observations: first.observations });
    expect(second.take).toHaveLength(0); // A is alive (it renewed): I steal toward my share instead
    expect(second.steal).toHaveLength(1);
    expect(second.observations.get(leases[0].leaseKey)).toEqual({ counter: 2, seenAt: FAILOVER + 1 });
    const third = plan({ leases: renewed, now: 2 * FAILOVER + 2, observations: second.observations });
    expect(third.workerCount).toBe(1); // A stopped renewing: both of its leases are expired now
    expect(third.take).toHaveLength(2);
  });

  it('reports when a lease that stopped moving would expire', () => {
    const leases = leasesOwned({ A: 1, B: 1, me: 1 });
    const first = plan({ leases, now: 0 });
    expect(first.nextExpiryAt).toBeUndefined(); // everything just seen
    // A renews, B does not; my own lease never counts.
    const later = leases.map((l) => (l.leaseOwner === 'A' ? { ...l, leaseCounter: 2 } : l));
    const second = plan({ leases: later, now: 4_000, observations: first.observations });
    expect(second.nextExpiryAt).toBe(FAILOVER + 1);
    const third = plan({ leases: later, now: FAILOVER + 1, observations: second.observations });
    expect(third.take.map((l) => l.leaseOwner)).toEqual(['B']);
  });

  it('forgets observations of leases that disappeared', () => {
    const leases = leasesOwned({ A: 3 });
    const first = plan({ leases, now: 0 });
    const second = plan({ leases: leases.slice(1), now: 1, observations: first.observations });
    expect([...second.observations.keys()]).toEqual(leases.slice(1).map((l) => l.leaseKey));
  });

  it('takes very expired leases first, past the target, bounded by maxLeasesForWorker', () => {
    // 2 live workers hold 4 each; a dead one's 4 leases have been unchanged for 3× failover.
    const live = leasesOwned({ A: 4, me: 4 });
    const dead = [8, 9, 10, 11].map((n) => lease(n, 'dead'));
    const leases = [...live, ...dead];
    const observations = new Map([...observed(live, 99_000), ...observed(dead, 100_000 - 3 * FAILOVER - 1)]);
    const p = plan({ leases, observations });
    expect(p.veryExpired).toBe(4);
    expect(p.target).toBe(6); // 12 leases, 2 live workers
    expect(p.take).toHaveLength(4); // all of them, past the target of 6 (4 + 4 = 8)
    const capped = plan({ leases, observations, maxLeasesForWorker: 6 });
    expect(capped.take).toHaveLength(2);
  });

  it('only expired (not very expired) leases respect the target', () => {
    const live = leasesOwned({ A: 4, me: 4 });
    const dead = [8, 9, 10, 11].map((n) => lease(n, 'dead'));
    const observations = new Map([...observed(live, 99_000), ...observed(dead, 100_000 - FAILOVER - 1)]);
    const p = plan({ leases: [...live, ...dead], observations });
    expect(p.veryExpired).toBe(0);
    expect(p.available).toBe(4);
    expect(p.take).toHaveLength(2); // target 6, I hold 4
  });

  it('ignores SHARD_END leases entirely (not taken, not counted)', () => {
    const leases = [lease(0, undefined, 1, END), lease(1, 'A', 1, END), lease(2, 'A', 1, END), lease(3, undefined), lease(4, 'A')];
    const p = plan({ leases, observations: observed(leases, 100_000) });
    expect(p.leaseCount).toBe(2);
    expect(p.take.map((l) => l.leaseKey)).toEqual([leases[3].leaseKey]);
    // even when their owner is long gone
    const late = plan({ leases, now: 100_000 + 10 * FAILOVER, observations: observed(leases, 100_000) });
    expect(late.take.map((l) => l.leaseKey).sort()).toEqual([leases[3].leaseKey, leases[4].leaseKey]);
  });

  it('ignores the leases it is told to', () => {
    const leases = leasesOwned({ '': 3 });
    const p = plan({ leases, ignoredLeaseKeys: new Set([leases[0].leaseKey]) });
    expect(p.take.map((l) => l.leaseKey).sort()).toEqual([leases[1].leaseKey, leases[2].leaseKey]);
  });

  it('treats leases owned by my id but not held as orphans, available at once', () => {
    const leases = leasesOwned({ me: 3 });
    const p = plan({ leases, observations: observed(leases, 100_000), heldLeaseKeys: new Set([leases[0].leaseKey]) });
    expect(p.take.map((l) => l.leaseKey).sort()).toEqual([leases[1].leaseKey, leases[2].leaseKey]);
    expect(p.myLeaseCount).toBe(1);
    // without heldLeaseKeys they count as mine
    expect(plan({ leases, observations: observed(leases, 100_000) }).take).toHaveLength(0);
  });

  it('caps the target at maxLeasesForWorker', () => {
    const leases = leasesOwned({ '': 10 });
    const p = plan({ leases, maxLeasesForWorker: 4 });
    expect(p.target).toBe(4);
    expect(p.take).toHaveLength(4);
  });

  it("returns the available leases it did not choose as spares (a lost race's replacements), never mine nor live ones", () => {
    const leases = leasesOwned({ A: 4, B: 4, me: 2, '': 5 });
    const p = plan({ leases, observations: observed(leases, 100_000) }); // target 15 / 3 = 5: I take 3 of the 5 unowned
    expect(p.take).toHaveLength(3);
    expect(p.spare).toHaveLength(2);
    const chosen = new Set(p.take.map((l) => l.leaseKey));
    for (const l of p.spare) {
      expect(l.leaseOwner).toBeUndefined();
      expect(chosen.has(l.leaseKey)).toBe(false);
    }
    // At the target, or stealing: no spares.
    expect(plan({ leases: leasesOwned({ A: 2, me: 4, '': 2 }) }).spare).toEqual([]);
    expect(plan({ leases: leasesOwned({ A: 10 }), observations: observed(leasesOwned({ A: 10 }), 100_000) }).spare).toEqual([]);
  });

  it('shuffles with the injected random source', () => {
    const leases = leasesOwned({ '': 20 });
    const a = plan({ leases, maxLeasesForWorker: 5, random: seeded(1) }).take.map((l) => l.leaseKey);
    const b = plan({ leases, maxLeasesForWorker: 5, random: seeded(2) }).take.map((l) => l.leaseKey);
    const a2 = plan({ leases, maxLeasesForWorker: 5, random: seeded(1) }).take.map((l) => l.leaseKey);
    expect(a).toEqual(a2);
    expect(a).not.toEqual(b);
  });
});

/**
 * A fleet on a shared table: each round every worker renews what it holds (counter + 1), then runs the taker and
 * takes/steals with KCL's conditional semantics (expected counter). Returns the holdings after `rounds`.
 */
function simulate(workers: string[], leaseCount: number, rounds: number, options: Partial<LeaseTakingInput> = {}) {
  const table = new Map(leasesOwned({ '': leaseCount }).map((l) => [l.leaseKey, l]));
  const observations = new Map(workers.map((w) => [w, new Map<string, LeaseObservation>()]));
  const random = seeded(7);
  const history: Array<Record<string, number>> = [];
  let now = 0;
  for (let round = 0; round < rounds; round++) {
    for (const l of table.values()) if (l.leaseOwner !== undefined) l.leaseCounter++;
    for (const worker of workers) {
      const p = planLeaseTaking({
        leases: [...table.values()].map((l) => ({ ...l })),
        workerId: worker,
        now,
        observations: observations.get(worker) as Map<string, LeaseObservation>,
        failoverTimeMs: FAILOVER,
        random,
        ...options,
      });
      observations.set(worker, p.observations);
      for (const wanted of [...p.take, ...p.steal]) {
        const current = table.get(wanted.leaseKey) as Lease;
        if (current.leaseCounter !== wanted.leaseCounter) continue; // lost the race
        table.set(wanted.leaseKey, { ...current, leaseOwner: worker, leaseCounter: current.leaseCounter + 1 });
      }
    }
    const counts: Record<string, number> = Object.fromEntries(workers.map((w) => [w, 0]));
    for (const l of table.values()) if (l.leaseOwner !== undefined) counts[l.leaseOwner]++;
    history.push(counts);
    now += 2 * FAILOVER;
  }
  return history;
}

describe('planLeaseTaking over a simulated fleet', () => {
  it('one worker takes every lease in its first round', () => {
    expect(simulate(['A'], 8, 1)).toEqual([{ A: 8 }]);
  });

  it('two workers converge to an even split, one steal per round by default', () => {
    // A starts alone and takes all 10; B then needs 5 rounds of single steals.
    const history = simulate(['A', 'B'], 10, 7);
    expect(history.slice(0, 5)).toEqual([
      { A: 9, B: 1 },
      { A: 8, B: 2 },
      { A: 7, B: 3 },
      { A: 6, B: 4 },
      { A: 5, B: 5 },
    ]);
    expect(history[6]).toEqual({ A: 5, B: 5 });
  });

  it('converges in fewer rounds with a larger steal bound, without overshooting', () => {
    const slow = simulate(['A', 'B', 'C', 'D'], 40, 30);
    const fast = simulate(['A', 'B', 'C', 'D'], 40, 30, { maxLeasesToStealAtOneTime: 5 });
    const even = (h: Record<string, number>) => Object.values(h).every((n) => n === 10);
    const slowRounds = slow.findIndex(even);
    const fastRounds = fast.findIndex(even);
    expect(fastRounds).toBeGreaterThanOrEqual(0);
    expect(slowRounds === -1 || fastRounds < slowRounds).toBe(true);
    for (const h of fast.slice(fastRounds)) expect(even(h)).toBe(true); // stable once even
  });

  it('three workers with 7 leases settle at 3/2/2 and stay there', () => {
    const history = simulate(['A', 'B', 'C'], 7, 12);
    const last = Object.values(history[11]).sort();
    expect(last).toEqual([2, 2, 3]);
    expect(history[10]).toEqual(history[11]);
  });
});
