import type { Checkpoint, Lease } from '../consumer-types';
import { LeaseFormatError } from '../consumer-error';
import { checkpointAttributes, itemToLease, leaseToItem, progressAttributes, sameCheckpoint, type LeaseItem } from './lease-serializer';

const SEQ = '49590338271490256608559692538361571095921575989136588898';

const full: Lease = {
  leaseKey: 'shardId-000000000002',
  leaseOwner: 'worker-1',
  leaseCounter: 17,
  checkpoint: { kind: 'sequence', sequenceNumber: SEQ, subSequenceNumber: 3 },
  ownerSwitchesSinceCheckpoint: 2,
  parentShardIds: ['shardId-000000000000', 'shardId-000000000001'],
  childShardIds: ['shardId-000000000003'],
  startingHashKey: '0',
  endingHashKey: '170141183460469231731687303715884105727',
  checkpointOwner: 'worker-0',
};

/** The item a KCL v3 worker writes for `full` (DynamoDBLeaseSerializer.toDynamoRecord). */
const kclItem: LeaseItem = {
  leaseKey: { S: 'shardId-000000000002' },
  leaseOwner: { S: 'worker-1' },
  leaseCounter: { N: '17' },
  checkpoint: { S: SEQ },
  checkpointSubSequenceNumber: { N: '3' },
  ownerSwitchesSinceCheckpoint: { N: '2' },
  parentShardId: { SS: ['shardId-000000000000', 'shardId-000000000001'] },
  childShardIds: { SS: ['shardId-000000000003'] },
  startingHashKey: { S: '0' },
  endingHashKey: { S: '170141183460469231731687303715884105727' },
  checkpointOwner: { S: 'worker-0' },
};

describe('lease serializer', () => {
  it('writes KCL attribute names and types', () => {
    expect(leaseToItem(full)).toEqual(kclItem);
  });

  it('reads a KCL item back to the same lease', () => {
    expect(itemToLease(kclItem)).toEqual(full);
    expect(itemToLease(leaseToItem(full))).toEqual(full);
  });

  it('omits empty sets, an absent owner and unknown hash keys (DynamoDB rejects empty sets)', () => {
    const bare: Lease = {
      leaseKey: 'shardId-000000000000',
      leaseCounter: 0,
      checkpoint: { kind: 'sentinel', value: 'TRIM_HORIZON' },
      ownerSwitchesSinceCheckpoint: 0,
      parentShardIds: [],
      childShardIds: [],
      startingHashKey: '',
      endingHashKey: '',
    };
    const item = leaseToItem(bare);
    expect(Object.keys(item).sort()).toEqual(['checkpoint', 'checkpointSubSequenceNumber', 'leaseCounter', 'leaseKey', 'ownerSwitchesSinceCheckpoint']);
    expect(item.checkpoint).toEqual({ S: 'TRIM_HORIZON' });
    expect(item.checkpointSubSequenceNumber).toEqual({ N: '0' });
    expect(itemToLease(item)).toEqual(bare);
  });

  it('reads an old KCL 2 item (no hash keys, no owner switches, no sub-sequence)', () => {
    const lease = itemToLease({ leaseKey: { S: 'shardId-000000000009' }, leaseCounter: { N: '3' }, checkpoint: { S: 'LATEST' } });
    expect(lease).toEqual({
      leaseKey: 'shardId-000000000009',
      leaseCounter: 3,
      checkpoint: { kind: 'sentinel', value: 'LATEST' },
      ownerSwitchesSinceCheckpoint: 0,
      parentShardIds: [],
      childShardIds: [],
      startingHashKey: '',
      endingHashKey: '',
    });
  });

  it.each<[string, Checkpoint, LeaseItem]>([
    ['TRIM_HORIZON', { kind: 'sentinel', value: 'TRIM_HORIZON' }, { checkpoint: { S: 'TRIM_HORIZON' }, checkpointSubSequenceNumber: { N: '0' } }],
    ['LATEST', { kind: 'sentinel', value: 'LATEST' }, { checkpoint: { S: 'LATEST' }, checkpointSubSequenceNumber: { N: '0' } }],
    ['SHARD_END', { kind: 'sentinel', value: 'SHARD_END' }, { checkpoint: { S: 'SHARD_END' }, checkpointSubSequenceNumber: { N: '0' } }],
    [
      'AT_TIMESTAMP with its instant',
      { kind: 'sentinel', value: 'AT_TIMESTAMP', timestamp: 1_700_000_000_123 },
      { checkpoint: { S: 'AT_TIMESTAMP' }, checkpointSubSequenceNumber: { N: '0' }, checkpointTimestampMillis: { N: '1700000000123' } },
    ],
    ['a sequence number', { kind: 'sequence', sequenceNumber: SEQ, subSequenceNumber: 0 }, { checkpoint: { S: SEQ }, checkpointSubSequenceNumber: { N: '0' } }],
    ['a sub-record', { kind: 'sequence', sequenceNumber: SEQ, subSequenceNumber: 41 }, { checkpoint: { S: SEQ }, checkpointSubSequenceNumber: { N: '41' } }],
  ])('checkpoint %s both ways', (_name, checkpoint, attributes) => {
    expect(checkpointAttributes(checkpoint)).toEqual(attributes);
    const lease = itemToLease({ leaseKey: { S: 'k' }, leaseCounter: { N: '1' }, ...attributes });
    expect(lease.checkpoint).toEqual(checkpoint);
    expect(sameCheckpoint(lease.checkpoint, checkpoint)).toBe(true);
  });

  it.each<[string, LeaseItem]>([
    ['no leaseKey', { leaseCounter: { N: '1' }, checkpoint: { S: 'LATEST' } }],
    ['no leaseCounter', { leaseKey: { S: 'k' }, checkpoint: { S: 'LATEST' } }],
    ['no checkpoint', { leaseKey: { S: 'k' }, leaseCounter: { N: '1' } }],
    ['an unknown checkpoint', { leaseKey: { S: 'k' }, leaseCounter: { N: '1' }, checkpoint: { S: 'SOMEWHERE' } }],
  ])('rejects an item with %s', (_name, item) => {
    expect(() => itemToLease(item)).toThrow(LeaseFormatError);
  });

  it('reads the progress an owner writes on renewal, and a KCL item without it as a lease without progress', () => {
    const withProgress: LeaseItem = { ...kclItem, millisBehindLatest: { N: '1500' }, recordsProcessed: { N: '420' }, statsUpdatedAt: { N: '1764979200000' } };
    expect(itemToLease(withProgress).progress).toEqual({ millisBehindLatest: 1500, recordsProcessed: 420, statsUpdatedAt: 1764979200000 });
    const beforeFirstRead: LeaseItem = { ...kclItem, recordsProcessed: { N: '0' }, statsUpdatedAt: { N: '1764979200000' } };
    expect(itemToLease(beforeFirstRead).progress).toEqual({ recordsProcessed: 0, statsUpdatedAt: 1764979200000 });
    expect(itemToLease(kclItem)).not.toHaveProperty('progress');
    expect(itemToLease(kclItem)).toEqual(full);
    const lease = { ...full, progress: { millisBehindLatest: 0, recordsProcessed: 7, statsUpdatedAt: 5 } };
    expect(itemToLease(leaseToItem(lease))).toEqual(lease);
  });

  it('writes progress as numbers, and removes a lag that is not known yet', () => {
    expect(progressAttributes({ millisBehindLatest: 250, recordsProcessed: 3, statsUpdatedAt: 99 })).toEqual({
      set: { millisBehindLatest: { N: '250' }, recordsProcessed: { N: '3' }, statsUpdatedAt: { N: '99' } },
      remove: [],
    });
    expect(progressAttributes({ recordsProcessed: 0, statsUpdatedAt: 99 })).toEqual({ set: { recordsProcessed: { N: '0' }, statsUpdatedAt: { N: '99' } }, remove: ['millisBehindLatest'] });
    expect(() => progressAttributes({ recordsProcessed: -1, statsUpdatedAt: 99 })).toThrow(/recordsProcessed/);
  });

  it('refuses to write a malformed checkpoint', () => {
    expect(() => checkpointAttributes({ kind: 'sequence', sequenceNumber: '12a', subSequenceNumber: 0 })).toThrow(/sequence number/);
    expect(() => checkpointAttributes({ kind: 'sequence', sequenceNumber: '12', subSequenceNumber: -1 })).toThrow(/sub-sequence/);
  });

  it('compares checkpoints', () => {
    const a: Checkpoint = { kind: 'sequence', sequenceNumber: SEQ, subSequenceNumber: 1 };
    expect(sameCheckpoint(a, { ...a })).toBe(true);
    expect(sameCheckpoint(a, { ...a, subSequenceNumber: 2 })).toBe(false);
    expect(sameCheckpoint(a, { kind: 'sentinel', value: 'LATEST' })).toBe(false);
  });
});
