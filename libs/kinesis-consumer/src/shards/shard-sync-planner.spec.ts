import type { Checkpoint, Lease } from '../consumer-types';
import { SHARD_END, TRIM_HORIZON, makeLease } from '../testing/lease-test-kit';
import { parentsDone, planLeaseCleanup, planShardSync, type InitialPosition, type ShardDescription } from './shard-sync-planner';

const T = 1_700_000_000_000;
const AT_T: Checkpoint = { kind: 'sentinel', value: 'AT_TIMESTAMP', timestamp: T };
const STARTED: Checkpoint = { kind: 'sequence', sequenceNumber: '49000000000000000000001', subSequenceNumber: 0 };
const MAX = '340282366920938463463374607431768211455';

const id = (n: number): string => `shardId-${String(n).padStart(12, '0')}`;

/** A shard: `parents` = [ParentShardId, AdjacentParentShardId?]; closed when `closed`. */
function shard(n: number, options: { parents?: number[]; closed?: boolean; range?: [string, string] } = {}): ShardDescription {
  const [parent, adjacent] = options.parents ?? [];
  return {
    ShardId: id(n),
    ...(parent === undefined ? {} : { ParentShardId: id(parent) }),
    ...(adjacent === undefined ? {} : { AdjacentParentShardId: id(adjacent) }),
    HashKeyRange: { StartingHashKey: options.range?.[0] ?? '0', EndingHashKey: options.range?.[1] ?? MAX },
    SequenceNumberRange: { StartingSequenceNumber: '1', ...(options.closed ? { EndingSequenceNumber: '2' } : {}) },
  };
}

/**
 * A stream that resharded twice:
 *   0 ─┬─ 2 (closed) ─┐
 *      └─ 3 ──────────┼─ 5 (merge of 2 and 4)
 *   1 ──── 4 (closed) ┘   (1 closed, split into 4 and 6)
 *      └── 6
 */
const RESHARDED: ShardDescription[] = [
  shard(0, { closed: true }),
  shard(1, { closed: true }),
  shard(2, { parents: [0], closed: true }),
  shard(3, { parents: [0] }),
  shard(4, { parents: [1], closed: true }),
  shard(5, { parents: [2, 4] }),
  shard(6, { parents: [1] }),
];

function summary(leases: readonly Lease[]): Record<string, string> {
  return Object.fromEntries(
    leases.map((l) => [
      l.leaseKey.slice(-1),
      `${l.checkpoint.kind === 'sentinel' ? l.checkpoint.value : 'seq'}${l.parentShardIds.length ? ` <- ${l.parentShardIds.map((p) => p.slice(-1)).join(',')}` : ''}`,
    ]),
  );
}

const plan = (shards: ShardDescription[], existing: Lease[], initialPosition: InitialPosition) =>
  planShardSync({ shards, existingLeases: existing, initialPosition }).create;

describe('planShardSync', () => {
  it('creates one lease per open shard of a fresh stream, with its hash range', () => {
    const shards = [shard(0, { range: ['0', '99'] }), shard(1, { range: ['100', MAX] })];
    const created = plan(shards, [], 'TRIM_HORIZON');
    expect(created).toEqual([
      makeLease(id(0), { startingHashKey: '0', endingHashKey: '99' }),
      makeLease(id(1), { startingHashKey: '100', endingHashKey: MAX }),
    ]);
  });

  it.each<[string, InitialPosition, Record<string, string>]>([
    [
      'TRIM_HORIZON: every shard in retention, roots first',
      'TRIM_HORIZON',
      { 0: 'TRIM_HORIZON', 1: 'TRIM_HORIZON', 2: 'TRIM_HORIZON <- 0', 3: 'TRIM_HORIZON <- 0', 4: 'TRIM_HORIZON <- 1', 5: 'TRIM_HORIZON <- 2,4', 6: 'TRIM_HORIZON <- 1' },
    ],
    [
      'AT_TIMESTAMP: every shard, all at the timestamp (no replay of older records in children)',
      { timestamp: new Date(T) },
      { 0: 'AT_TIMESTAMP', 1: 'AT_TIMESTAMP', 2: 'AT_TIMESTAMP <- 0', 3: 'AT_TIMESTAMP <- 0', 4: 'AT_TIMESTAMP <- 1', 5: 'AT_TIMESTAMP <- 2,4', 6: 'AT_TIMESTAMP <- 1' },
    ],
    ['LATEST: only the open shards, at LATEST', 'LATEST', { 3: 'LATEST <- 0', 5: 'LATEST <- 2,4', 6: 'LATEST <- 1' }],
  ])('first sync of a resharded stream, %s', (_name, position, expected) => {
    const created = plan(RESHARDED, [], position);
    expect(summary(created)).toEqual(expected);
    // parents before children
    const order = created.map((l) => l.leaseKey);
    for (const lease of created) for (const p of lease.parentShardIds) if (order.includes(p)) expect(order.indexOf(p)).toBeLessThan(order.indexOf(lease.leaseKey));
    if (typeof position === 'object') expect(created[0].checkpoint).toEqual(AT_T);
  });

  it('is idempotent: nothing to create once the plan is applied', () => {
    for (const position of ['TRIM_HORIZON', 'LATEST', { timestamp: T }] as InitialPosition[]) {
      const created = plan(RESHARDED, [], position);
      expect(plan(RESHARDED, created, position)).toEqual([]);
    }
  });

  it.each<InitialPosition>(['TRIM_HORIZON', 'LATEST', { timestamp: T }])('children of a leased shard start at TRIM_HORIZON (%p)', (position) => {
    // Shard 0 was open and leased; it split into 1 and 2.
    const existing = [makeLease(id(0), { checkpoint: STARTED, leaseOwner: 'A' })];
    const shards = [shard(0, { closed: true }), shard(1, { parents: [0] }), shard(2, { parents: [0] })];
    expect(summary(plan(shards, existing, position))).toEqual({ 1: 'TRIM_HORIZON <- 0', 2: 'TRIM_HORIZON <- 0' });
  });

  it('a merge child names both parents', () => {
    const existing = [makeLease(id(0)), makeLease(id(1))];
    const shards = [shard(0, { closed: true }), shard(1, { closed: true }), shard(2, { parents: [0, 1] })];
    const [child] = plan(shards, existing, 'LATEST');
    expect(child.parentShardIds).toEqual([id(0), id(1)]);
    expect(child.checkpoint).toEqual(TRIM_HORIZON);
  });

  it('creates a closed child of a leased shard too (it resharded again before the sync saw it)', () => {
    const existing = [makeLease(id(0), { checkpoint: STARTED })];
    const shards = [shard(0, { closed: true }), shard(1, { parents: [0], closed: true }), shard(2, { parents: [0] }), shard(3, { parents: [1] })];
    expect(summary(plan(shards, existing, 'LATEST'))).toEqual({ 1: 'TRIM_HORIZON <- 0', 2: 'TRIM_HORIZON <- 0', 3: 'TRIM_HORIZON <- 1' });
  });

  it('never recreates a finished shard whose lease was cleaned up', () => {
    // 0 finished; its lease was deleted after 1 and 2 started. 0 is still listed (in retention).
    const existing = [makeLease(id(1), { checkpoint: STARTED, parentShardIds: [id(0)] }), makeLease(id(2), { checkpoint: STARTED, parentShardIds: [id(0)] })];
    const shards = [shard(0, { closed: true }), shard(1, { parents: [0] }), shard(2, { parents: [0] })];
    for (const position of ['TRIM_HORIZON', 'LATEST', { timestamp: T }] as InitialPosition[]) expect(plan(shards, existing, position)).toEqual([]);
  });

  it('a missing child of a finished (cleaned-up) parent starts at TRIM_HORIZON, even with LATEST', () => {
    const existing = [makeLease(id(1), { checkpoint: STARTED, parentShardIds: [id(0)] })];
    const shards = [shard(0, { closed: true }), shard(1, { parents: [0] }), shard(2, { parents: [0] })];
    expect(summary(plan(shards, existing, 'LATEST'))).toEqual({ 2: 'TRIM_HORIZON <- 0' });
  });

  it('a child whose leased parent has left retention (not listed) starts at TRIM_HORIZON', () => {
    const existing = [makeLease(id(0), { checkpoint: SHARD_END })];
    const shards = [shard(1, { parents: [0] })];
    expect(summary(plan(shards, existing, 'LATEST'))).toEqual({ 1: 'TRIM_HORIZON <- 0' });
  });

  it('ListShards entries without a ShardId are ignored', () => {
    expect(plan([{ HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' } }], [], 'TRIM_HORIZON')).toEqual([]);
  });
});

describe('parentsDone', () => {
  const child = makeLease(id(2), { parentShardIds: [id(0), id(1)] });
  it.each<[string, boolean, Lease[]]>([
    ['no parent lease (gone, or never created)', true, []],
    ['both parents at SHARD_END', true, [makeLease(id(0), { checkpoint: SHARD_END }), makeLease(id(1), { checkpoint: SHARD_END })]],
    ['one parent still running', false, [makeLease(id(0), { checkpoint: SHARD_END }), makeLease(id(1), { checkpoint: STARTED })]],
    ['one parent not started', false, [makeLease(id(0), { checkpoint: TRIM_HORIZON })]],
    ['one parent gone, the other at SHARD_END', true, [makeLease(id(1), { checkpoint: SHARD_END })]],
  ])('%s → %s', (_name, done, parents) => {
    expect(parentsDone(child, new Map(parents.map((l) => [l.leaseKey, l])))).toBe(done);
  });
  it('a root lease is always ready', () => {
    expect(parentsDone(makeLease(id(0)), new Map())).toBe(true);
  });
});

describe('planLeaseCleanup', () => {
  const parent = (fields: Partial<Lease> = {}) => makeLease(id(0), { checkpoint: SHARD_END, childShardIds: [id(1), id(2)], ...fields });
  const child = (n: number, checkpoint: Checkpoint, parents = [id(0)]) => makeLease(id(n), { checkpoint, parentShardIds: parents });

  it.each<[string, Lease[], string[]]>([
    ['a finished parent whose children both started', [parent(), child(1, STARTED), child(2, SHARD_END)], [id(0)]],
    ['…but not while one child has not started', [parent(), child(1, STARTED), child(2, TRIM_HORIZON)], []],
    ['…nor while a child listed in childShardIds has no lease yet', [parent(), child(1, STARTED)], []],
    ['children known only from their parentShardId', [parent({ childShardIds: [] }), child(1, STARTED), child(2, STARTED)], [id(0)]],
    ['a finished lease without known children is kept', [parent({ childShardIds: [] })], []],
    ['a running parent is kept', [parent({ checkpoint: STARTED }), child(1, STARTED), child(2, STARTED)], []],
    [
      'top-down: a finished child waits for its own finished parent to go first',
      [parent(), child(1, SHARD_END), child(2, STARTED), makeLease(id(3), { checkpoint: STARTED, parentShardIds: [id(1)] })],
      [id(0)],
    ],
    ['then the child goes', [child(1, SHARD_END), child(2, STARTED), makeLease(id(3), { checkpoint: STARTED, parentShardIds: [id(1)] })], [id(1)]],
  ])('%s', (_name, leases, deletable) => {
    expect(planLeaseCleanup(leases)).toEqual(deletable);
  });
});
