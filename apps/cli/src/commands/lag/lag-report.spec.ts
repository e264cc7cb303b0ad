import type { Lease } from '@tributary/kinesis-consumer';
import { formatDuration, formatLagTable, lagJson, lagRows, type LagMeasurement } from './lag-report';

const SEQ = '49650000000000000000000000000000000000000000000000000123';
const lease = (key: string, extra: Partial<Lease> = {}): Lease => ({
  leaseKey: key,
  leaseCounter: 7,
  checkpoint: { kind: 'sequence', sequenceNumber: SEQ, subSequenceNumber: 0 },
  ownerSwitchesSinceCheckpoint: 0,
  parentShardIds: [],
  childShardIds: [],
  startingHashKey: '',
  endingHashKey: '',
  ...extra,
});

describe('lagRows', () => {
  const now = 1_000_000;
  const leases = [
    lease('shardId-2', { leaseOwner: 'w1', progress: { millisBehindLatest: 500, recordsProcessed: 3, statsUpdatedAt: now - 2000 } }),
    lease('shardId-0', { checkpoint: { kind: 'sentinel', value: 'SHARD_END' } }),
    lease('shardId-1', { leaseOwner: 'w2', checkpoint: { kind: 'sequence', sequenceNumber: SEQ, subSequenceNumber: 4 } }),
    lease('shardId-9', { checkpoint: { kind: 'sentinel', value: 'TRIM_HORIZON' } }),
  ];
  const shards = new Map([
    ['shardId-0', { closed: true }],
    ['shardId-1', { closed: true }],
    ['shardId-2', { closed: false }],
  ]);
  const measured = new Map<string, LagMeasurement>([
    ['shardId-1', { millisBehind: 1500, recordsBehind: 10 }],
    ['shardId-2', { millisBehind: 0, recordsBehind: 0 }],
  ]);

  it('gives each lease its shard state, owner, counter, checkpoint and lag, in shard order', () => {
    const rows = lagRows(leases, shards, measured, now);
    expect(rows.map((r) => [r.shardId, r.state, r.owner, r.checkpoint, r.measured?.recordsBehind])).toEqual([
      ['shardId-0', 'finished', undefined, 'SHARD_END', 0],
      ['shardId-1', 'closed', 'w2', `${SEQ}:4`, 10],
      ['shardId-2', 'open', 'w1', SEQ, 0],
      ['shardId-9', 'not-in-stream', undefined, 'TRIM_HORIZON', undefined],
    ]);
    expect(rows[2]).toMatchObject({ reportedMillisBehind: 500, reportAgeMs: 2000, leaseCounter: 7 });
  });

  it('without the stream, states are unknown and only the owners\' reports are shown', () => {
    const rows = lagRows(leases, undefined, new Map(), now);
    expect(rows.map((r) => r.state)).toEqual(['finished', 'unknown', 'unknown', 'unknown']);
    const table = formatLagTable('app', rows);
    expect(table[0]).toBe('SHARD      STATE     OWNER   COUNTER  CHECKPOINT           BEHIND  RECORDS  OWNER REPORTED');
    expect(table[3]).toBe('shardId-2  unknown   w1      7        …000000000000000123  -       -        500 ms (2.0 s ago)');
    expect(table[5]).toBe('app: 4 lease(s), 3 active, 2 worker(s), 1 unowned; most behind 500 ms');
  });

  it('marks rows far behind or unowned, and dims finished ones', () => {
    const paint = { warn: (t: string) => `!${t}`, dim: (t: string) => `~${t}` };
    const table = formatLagTable('app', lagRows(leases, shards, measured, now), paint, 1000);
    expect(table.slice(1, 5).map((l) => l[0])).toEqual(['~', '!', 's', '!']);
    expect(table[2]).toContain('1.5 s');
    expect(table[2]).toContain('10 ');
  });

  it('shows a capped count as a lower bound', () => {
    const rows = lagRows([lease('s')], new Map([['s', { closed: false }]]), new Map([['s', { millisBehind: 5, recordsBehind: 1000, recordsCapped: true }]]), now);
    expect(formatLagTable('a', rows)[1]).toContain('>=1000');
  });

  it('as JSON keeps the full checkpoint and stable names', () => {
    const rows = lagRows([lease('s', { leaseOwner: 'w' })], new Map([['s', { closed: false }]]), new Map([['s', { millisBehind: 5 }]]), now);
    expect(JSON.parse(JSON.stringify(lagJson('a', 'st', rows, new Date(now))))).toEqual({
      application: 'a',
      stream: 'st',
      at: new Date(now).toISOString(),
      shards: [{ shardId: 's', state: 'open', owner: 'w', leaseCounter: 7, checkpoint: SEQ, parentShardIds: [], measured: { millisBehind: 5 } }],
    });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [12_340, '12.3 s'],
    [245_000, '4 m 05 s'],
    [11_520_000, '3 h 12 m'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
