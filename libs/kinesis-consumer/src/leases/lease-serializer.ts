/**
 * Lease <-> DynamoDB item, with KCL's attribute names (KCL v3 DynamoDBLeaseSerializer; kds-reference.md §4.1) so
 * that a KCL fleet can read our table and we can read theirs:
 *
 *   leaseKey (S, hash key)            shard id
 *   leaseOwner (S)                    worker id; absent when nobody holds the lease
 *   leaseCounter (N)                  version, +1 on every write (renew, take, checkpoint, release)
 *   checkpoint (S)                    sequence number, or TRIM_HORIZON | LATEST | SHARD_END | AT_TIMESTAMP
 *   checkpointSubSequenceNumber (N)   sub-record index inside a KPL aggregate (0 for sentinels)
 *   ownerSwitchesSinceCheckpoint (N)
 *   parentShardId (SS), childShardIds (SS)   omitted when empty: DynamoDB rejects empty sets
 *   startingHashKey, endingHashKey (S)        omitted when unknown (KCL 2 leases lack them)
 *   checkpointOwner (S)               KCL 3 graceful handoff marker
 *
 * Attributes of ours: `checkpointTimestampMillis` (N) beside an AT_TIMESTAMP checkpoint, since KCL keeps that
 * timestamp in its configuration only; and the owner's progress, written with every renewal for dashboards
 * (@tributary/schemas dashboard-items.ts): `millisBehindLatest` (N, omitted before the first read),
 * `recordsProcessed` (N, while this owner holds the lease), `statsUpdatedAt` (N, epoch ms). KCL ignores
 * attributes it does not know, and a KCL item without them reads as a lease without progress.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ConsumerError, LeaseFormatError } from '../consumer-error';
import type { Checkpoint, CheckpointSentinel, Lease, LeaseProgress } from '../consumer-types';

export const LEASE_ATTRIBUTES = {
  leaseKey: 'leaseKey',
  leaseOwner: 'leaseOwner',
  leaseCounter: 'leaseCounter',
  checkpoint: 'checkpoint',
  checkpointSubSequenceNumber: 'checkpointSubSequenceNumber',
  checkpointTimestampMillis: 'checkpointTimestampMillis',
  pendingCheckpoint: 'pendingCheckpoint',
  pendingCheckpointSubSequenceNumber: 'pendingCheckpointSubSequenceNumber',
  pendingCheckpointState: 'pendingCheckpointState',
  ownerSwitchesSinceCheckpoint: 'ownerSwitchesSinceCheckpoint',
  parentShardId: 'parentShardId',
  childShardIds: 'childShardIds',
  startingHashKey: 'startingHashKey',
  endingHashKey: 'endingHashKey',
  checkpointOwner: 'checkpointOwner',
  millisBehindLatest: 'millisBehindLatest',
  recordsProcessed: 'recordsProcessed',
  statsUpdatedAt: 'statsUpdatedAt',
} as const;

export type LeaseItem = Record<string, AttributeValue>;

const SENTINELS: ReadonlySet<string> = new Set<CheckpointSentinel>(['TRIM_HORIZON', 'LATEST', 'SHARD_END', 'AT_TIMESTAMP']);
const DECIMAL = /^\d+$/;

export function checkpointToString(checkpoint: Checkpoint): string {
  return checkpoint.kind === 'sentinel' ? checkpoint.value : checkpoint.sequenceNumber;
}

export function isShardEnd(checkpoint: Checkpoint): boolean {
  return checkpoint.kind === 'sentinel' && checkpoint.value === 'SHARD_END';
}

/** The checkpoint attributes: `checkpoint` (S), `checkpointSubSequenceNumber` (N), and the AT_TIMESTAMP instant. */
export function checkpointAttributes(checkpoint: Checkpoint): LeaseItem {
  if (checkpoint.kind === 'sequence') {
    if (!DECIMAL.test(checkpoint.sequenceNumber)) {
      throw new ConsumerError('INTERNAL', `Not a sequence number: "${checkpoint.sequenceNumber}".`, false);
    }
    if (!Number.isInteger(checkpoint.subSequenceNumber) || checkpoint.subSequenceNumber < 0) {
      throw new ConsumerError('INTERNAL', `Not a sub-sequence number: ${checkpoint.subSequenceNumber}.`, false);
    }
    return {
      [LEASE_ATTRIBUTES.checkpoint]: { S: checkpoint.sequenceNumber },
      [LEASE_ATTRIBUTES.checkpointSubSequenceNumber]: { N: String(checkpoint.subSequenceNumber) },
    };
  }
  const item: LeaseItem = {
    [LEASE_ATTRIBUTES.checkpoint]: { S: checkpoint.value },
    [LEASE_ATTRIBUTES.checkpointSubSequenceNumber]: { N: '0' },
  };
  if (checkpoint.value === 'AT_TIMESTAMP' && checkpoint.timestamp !== undefined) {
    item[LEASE_ATTRIBUTES.checkpointTimestampMillis] = { N: String(checkpoint.timestamp) };
  }
  return item;
}

/**
 * The progress attributes, for the renewal's SET; `remove` names `millisBehindLatest` when it is unknown, so a
 * new owner that has not read yet does not show its predecessor's lag.
 */
export function progressAttributes(progress: LeaseProgress): { set: LeaseItem; remove: string[] } {
  const count = (name: string, value: number): AttributeValue => {
    if (!Number.isFinite(value) || value < 0) throw new ConsumerError('INTERNAL', `Not a valid ${name}: ${value}.`, false);
    return { N: String(Math.round(value)) };
  };
  const set: LeaseItem = {
    [LEASE_ATTRIBUTES.recordsProcessed]: count('recordsProcessed', progress.recordsProcessed),
    [LEASE_ATTRIBUTES.statsUpdatedAt]: count('statsUpdatedAt', progress.statsUpdatedAt),
  };
  if (progress.millisBehindLatest === undefined) return { set, remove: [LEASE_ATTRIBUTES.millisBehindLatest] };
  set[LEASE_ATTRIBUTES.millisBehindLatest] = count('millisBehindLatest', progress.millisBehindLatest);
  return { set, remove: [] };
}

/** The whole item of a lease (PutItem on creation). */
export function leaseToItem(lease: Lease): LeaseItem {
  const item: LeaseItem = {
    [LEASE_ATTRIBUTES.leaseKey]: { S: lease.leaseKey },
    [LEASE_ATTRIBUTES.leaseCounter]: { N: String(lease.leaseCounter) },
    [LEASE_ATTRIBUTES.ownerSwitchesSinceCheckpoint]: { N: String(lease.ownerSwitchesSinceCheckpoint) },
    ...checkpointAttributes(lease.checkpoint),
  };
  if (lease.leaseOwner !== undefined) item[LEASE_ATTRIBUTES.leaseOwner] = { S: lease.leaseOwner };
  const parents = unique(lease.parentShardIds);
  if (parents.length > 0) item[LEASE_ATTRIBUTES.parentShardId] = { SS: parents };
  const children = unique(lease.childShardIds);
  if (children.length > 0) item[LEASE_ATTRIBUTES.childShardIds] = { SS: children };
  if (lease.startingHashKey !== '') item[LEASE_ATTRIBUTES.startingHashKey] = { S: lease.startingHashKey };
  if (lease.endingHashKey !== '') item[LEASE_ATTRIBUTES.endingHashKey] = { S: lease.endingHashKey };
  if (lease.checkpointOwner !== undefined) item[LEASE_ATTRIBUTES.checkpointOwner] = { S: lease.checkpointOwner };
  if (lease.progress !== undefined) Object.assign(item, progressAttributes(lease.progress).set);
  return item;
}

/** Reads an item. Missing optional attributes get KCL's meaning (no owner, no parents, 0 owner switches). */
export function itemToLease(item: LeaseItem): Lease {
  const leaseKey = item[LEASE_ATTRIBUTES.leaseKey]?.S;
  if (leaseKey === undefined) throw new LeaseFormatError(undefined, 'A lease item has no leaseKey (S).');
  const counter = numberOf(item, LEASE_ATTRIBUTES.leaseCounter);
  if (counter === undefined) throw new LeaseFormatError(leaseKey, `Lease ${leaseKey} has no leaseCounter (N).`);
  const checkpointValue = item[LEASE_ATTRIBUTES.checkpoint]?.S;
  if (checkpointValue === undefined) throw new LeaseFormatError(leaseKey, `Lease ${leaseKey} has no checkpoint (S).`);
  const lease: Lease = {
    leaseKey,
    leaseCounter: counter,
    checkpoint: parseCheckpoint(leaseKey, checkpointValue, item),
    ownerSwitchesSinceCheckpoint: numberOf(item, LEASE_ATTRIBUTES.ownerSwitchesSinceCheckpoint) ?? 0,
    parentShardIds: [...(item[LEASE_ATTRIBUTES.parentShardId]?.SS ?? [])].sort(),
    childShardIds: [...(item[LEASE_ATTRIBUTES.childShardIds]?.SS ?? [])].sort(),
    startingHashKey: item[LEASE_ATTRIBUTES.startingHashKey]?.S ?? '',
    endingHashKey: item[LEASE_ATTRIBUTES.endingHashKey]?.S ?? '',
  };
  const owner = item[LEASE_ATTRIBUTES.leaseOwner]?.S;
  if (owner !== undefined) lease.leaseOwner = owner;
  const checkpointOwner = item[LEASE_ATTRIBUTES.checkpointOwner]?.S;
  if (checkpointOwner !== undefined) lease.checkpointOwner = checkpointOwner;
  const recordsProcessed = numberOf(item, LEASE_ATTRIBUTES.recordsProcessed);
  const statsUpdatedAt = numberOf(item, LEASE_ATTRIBUTES.statsUpdatedAt);
  if (recordsProcessed !== undefined && statsUpdatedAt !== undefined) {
    const millisBehindLatest = numberOf(item, LEASE_ATTRIBUTES.millisBehindLatest);
    lease.progress = millisBehindLatest === undefined ? { recordsProcessed, statsUpdatedAt } : { millisBehindLatest, recordsProcessed, statsUpdatedAt };
  }
  return lease;
}

function parseCheckpoint(leaseKey: string, value: string, item: LeaseItem): Checkpoint {
  if (DECIMAL.test(value)) {
    return { kind: 'sequence', sequenceNumber: value, subSequenceNumber: numberOf(item, LEASE_ATTRIBUTES.checkpointSubSequenceNumber) ?? 0 };
  }
  if (!SENTINELS.has(value)) throw new LeaseFormatError(leaseKey, `Lease ${leaseKey} has an unknown checkpoint "${value}".`);
  const sentinel = value as CheckpointSentinel;
  const timestamp = sentinel === 'AT_TIMESTAMP' ? numberOf(item, LEASE_ATTRIBUTES.checkpointTimestampMillis) : undefined;
  return timestamp === undefined ? { kind: 'sentinel', value: sentinel } : { kind: 'sentinel', value: sentinel, timestamp };
}

function numberOf(item: LeaseItem, name: string): number | undefined {
  const n = item[name]?.N;
  if (n === undefined) return undefined;
  const value = Number(n);
  return Number.isFinite(value) ? value : undefined;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => v !== ''))].sort();
}

/** Equality of two checkpoints (sentinel timestamps included). */
export function sameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  if (a.kind === 'sentinel' && b.kind === 'sentinel') return a.value === b.value && a.timestamp === b.timestamp;
  if (a.kind === 'sequence' && b.kind === 'sequence') return a.sequenceNumber === b.sequenceNumber && a.subSequenceNumber === b.subSequenceNumber;
  return false;
}
