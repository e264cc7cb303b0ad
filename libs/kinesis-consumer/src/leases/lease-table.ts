/**
 * The lease table: one DynamoDB table per application (its name), one item per shard, every write conditional
 * on the lease counter so that two workers can never both believe they hold a lease (KCL's protocol,
 * kds-reference.md §4.2; KCL DynamoDBLeaseRefresher):
 *
 *   create     PutItem   if leaseKey does not exist
 *   renew      UpdateItem if leaseCounter = held (and leaseOwner = me): counter + 1, and the owner's progress
 *              (millisBehindLatest, recordsProcessed, statsUpdatedAt) in the same write, so it costs no extra call
 *   take       UpdateItem if leaseCounter = as listed: owner = me, counter + 1, ownerSwitches + 1 on a change
 *   release    UpdateItem if leaseCounter = held and leaseOwner = me: owner removed, counter + 1
 *   checkpoint UpdateItem if leaseCounter = held and leaseOwner = me: checkpoint, counter + 1, ownerSwitches = 0
 *   delete     DeleteItem (optionally only if the checkpoint is SHARD_END)
 *
 * A failed condition is a LeaseLostError; every other failure a DependencyError whose `retriable` says whether
 * to try again. Like KCL, a failed condition on our own write is checked with a consistent read first: the SDK
 * retries a write whose answer was lost, and the retry then fails against the counter the first attempt already
 * advanced ("spurious renewal failure", which would otherwise drop a healthy lease).
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ensureTable, TableError } from '@tributary/dynamodb-tables';
import { ConsumerError, LeaseFormatError, LeaseLostError } from '../consumer-error';
import {
  noopLogger,
  systemClock,
  systemTimers,
  type Checkpoint,
  type Clock,
  type Lease,
  type LeaseProgress,
  type Logger,
  type Timers,
} from '../consumer-types';
import { isConditionalCheckFailed, toDependencyError, toLeaseWriteError } from './aws-error-mapper';
import { HeartbeatTable, heartbeatTableName } from './heartbeat-table';
import { LEASE_DEFAULTS } from '../defaults';
import {
  LEASE_ATTRIBUTES as A,
  checkpointAttributes,
  itemToLease,
  leaseToItem,
  progressAttributes,
  sameCheckpoint,
  type LeaseItem,
} from './lease-serializer';

/** What the coordinator and the shard syncer need of a lease table (LeaseTable, or an in-memory fake in tests). */
export interface LeaseStore {
  /** Every lease, read consistently. */
  listLeases(): Promise<Lease[]>;
  getLease(leaseKey: string): Promise<Lease | undefined>;
  /** Creates the lease unless one with its key exists; true when this call created it. */
  createLeaseIfAbsent(lease: Lease): Promise<boolean>;
  /** Renews a lease held with `lease.leaseCounter`, writing `progress` with it; returns it with the new counter. */
  renewLease(lease: Lease, progress?: LeaseProgress): Promise<Lease>;
  /** Takes (or steals) `lease` as listed (its counter is the expectation) for `owner`. */
  takeLease(lease: Lease, owner: string): Promise<Lease>;
  /** Clears the owner of a lease held by `lease.leaseOwner` with `lease.leaseCounter` (KCL evictLease). */
  evictLease(lease: Lease): Promise<Lease>;
  /** Graceful handoff: optionally writes a final checkpoint, and clears the owner, in one conditional write. */
  releaseLease(lease: Lease, options?: { checkpoint?: Checkpoint }): Promise<Lease>;
  /**
   * Writes a checkpoint on a lease held by `lease.leaseOwner` with `lease.leaseCounter`, and the owner's `progress`
   * in the same write if given (the heartbeat protocol renews no lease item: its checkpoints carry the progress).
   */
  updateCheckpoint(lease: Lease, checkpoint: Checkpoint, options?: { childShardIds?: readonly string[]; progress?: LeaseProgress }): Promise<Lease>;
  /** Deletes a lease; with `onlyIfShardEnd`, only if its checkpoint is SHARD_END. True when it was deleted. */
  deleteLease(leaseKey: string, options?: { onlyIfShardEnd?: boolean }): Promise<boolean>;

  // ---- the heartbeat protocol (leases/heartbeat-coordinator.ts); the per-lease protocol does not use these ----

  /**
   * Starts a graceful handoff of a lease held by a live worker (KCL 3's encoding): leaseOwner = `to`,
   * checkpointOwner = the current owner, counter + 1, if the counter and owner are still as listed.
   */
  requestHandoff?(lease: Lease, to: string): Promise<Lease>;
  /**
   * The current owner's side: writes the final checkpoint (if given) and clears checkpointOwner, counter + 1, if
   * checkpointOwner is still `from`. False when it is not (the handoff was forced or the lease taken).
   */
  completeHandoff?(leaseKey: string, from: string, options?: { checkpoint?: Checkpoint }): Promise<boolean>;
  /** The new owner's side after the timeout: clears checkpointOwner of a lease owned by `lease.leaseOwner` with `lease.leaseCounter`. */
  forceHandoff?(lease: Lease): Promise<Lease>;
  /** Writes this worker's heartbeat (counter + 1; acknowledged handoff requests removed) and returns it as written. */
  writeHeartbeat?(workerId: string, beat: HeartbeatWrite): Promise<WorkerHeartbeat>;
  /** Every worker's heartbeat, read consistently. */
  listHeartbeats?(): Promise<WorkerHeartbeat[]>;
  /** Adds `leaseKey` to the owner's pending handoff requests; false when the owner has no heartbeat item. */
  markHandoff?(ownerId: string, leaseKey: string): Promise<boolean>;
  /** Removes a worker's heartbeat (graceful stop, after its leases were released). */
  deleteHeartbeat?(workerId: string): Promise<void>;
}

/** One worker's heartbeat item (leases/heartbeat-table.ts). */
export interface WorkerHeartbeat {
  workerId: string;
  /** +1 on every heartbeat: observers judge liveness by its changes on their own clock, like KCL's lease counter. */
  counter: number;
  /** Leases the worker held at its last heartbeat (takers decide from these whether a lease scan is needed). */
  leaseCount: number;
  /** Leases other workers asked it to hand over (graceful steal), not acknowledged yet. */
  handoffRequests: string[];
  /** Writer's clock (epoch ms): for people and dashboards only, never compared across hosts. */
  heartbeatAt: number;
}

export interface HeartbeatWrite {
  leaseCount: number;
  heartbeatAt: number;
  /** Handoff requests seen and acted upon: removed from the item in the same write. */
  acknowledged?: readonly string[];
}

export interface LeaseTableOptions {
  client: DynamoDBClient;
  /** The table name: KCL uses the application name. */
  tableName: string;
  logger?: Logger;
  /** Used to wait between DescribeTable polls in ensureTable. */
  clock?: Clock;
  timers?: Timers;
  tablePollIntervalMs?: number;
  tableActiveTimeoutMs?: number;
  /** Scan page size (Limit); DynamoDB's 1 MB pages when absent. */
  scanPageLimit?: number;
  /** The heartbeat protocol's companion table (default `<tableName>-heartbeats`). */
  heartbeatTableName?: string;
}

type UpdateSpec = {
  set: Record<string, AttributeValue>;
  add?: Record<string, AttributeValue>;
  remove?: string[];
  /** Conditions, as `#name = :value` pairs (owner absent when the value is undefined). */
  expect: { counter: number; owner?: string | null };
};

export class LeaseTable implements LeaseStore {
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly pollIntervalMs: number;
  private readonly activeTimeoutMs: number;
  private readonly scanPageLimit: number | undefined;
  private readonly heartbeats: HeartbeatTable;

  constructor(options: LeaseTableOptions) {
    if (!options.tableName) throw new ConsumerError('INVALID_OPTION', 'LeaseTable needs a tableName.', false);
    this.client = options.client;
    this.tableName = options.tableName;
    this.logger = (options.logger ?? noopLogger).child({ leaseTable: options.tableName });
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.pollIntervalMs = options.tablePollIntervalMs ?? LEASE_DEFAULTS.tablePollIntervalMs;
    this.activeTimeoutMs = options.tableActiveTimeoutMs ?? LEASE_DEFAULTS.tableActiveTimeoutMs;
    this.scanPageLimit = options.scanPageLimit;
    this.heartbeats = new HeartbeatTable(options.client, options.heartbeatTableName ?? heartbeatTableName(options.tableName));
  }

  /** Creates the heartbeat protocol's companion table if missing (as ensureTable does the lease table). */
  async ensureHeartbeatTable(): Promise<void> {
    try {
      await this.heartbeats.ensureTable({
        clock: this.clock,
        timers: this.timers,
        logger: this.logger,
        pollIntervalMs: this.pollIntervalMs,
        activeTimeoutMs: this.activeTimeoutMs,
      });
    } catch (err) {
      throw asTableError(err);
    }
  }

  /**
   * Creates the table if it is missing (PAY_PER_REQUEST, hash key leaseKey S) and waits until it is ACTIVE, with
   * the one shared helper (@tributary/dynamodb-tables). Several workers may race: the loser's
   * ResourceInUseException just means "someone is creating it".
   */
  async ensureTable(): Promise<{ created: boolean }> {
    try {
      const { outcome } = await ensureTable(
        this.client,
        { tableName: this.tableName, keys: [{ name: A.leaseKey, type: 'S', role: 'HASH' }] },
        {
          label: 'lease table',
          activeTimeoutMs: this.activeTimeoutMs,
          pollIntervalMs: this.pollIntervalMs,
          maxPollIntervalMs: this.pollIntervalMs,
          clock: this.clock,
          timers: this.timers,
          logger: this.logger,
        },
      );
      return { created: outcome === 'created' };
    } catch (err) {
      throw asTableError(err);
    }
  }

  async listLeases(): Promise<Lease[]> {
    const leases: Lease[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      let out;
      try {
        out = await this.client.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey, Limit: this.scanPageLimit }));
      } catch (err) {
        throw toDependencyError('Scan', err);
      }
      for (const item of out.Items ?? []) {
        try {
          leases.push(itemToLease(item));
        } catch (err) {
          // KCL 3.5 keeps other entities (worker metrics, coordinator state) in the lease table: skip, don't fail.
          if (!(err instanceof LeaseFormatError)) throw err;
          this.logger.debug({ leaseKey: err.leaseKey, err: err.message }, 'lease table item skipped');
        }
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return leases;
  }

  async getLease(leaseKey: string): Promise<Lease | undefined> {
    let item: LeaseItem | undefined;
    try {
      const out = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: { [A.leaseKey]: { S: leaseKey } }, ConsistentRead: true }),
      );
      item = out.Item;
    } catch (err) {
      throw toDependencyError('GetItem', err);
    }
    return item === undefined ? undefined : itemToLease(item);
  }

  async createLeaseIfAbsent(lease: Lease): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: leaseToItem(lease),
          ConditionExpression: 'attribute_not_exists(#k)',
          ExpressionAttributeNames: { '#k': A.leaseKey },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw toDependencyError('PutItem', err);
    }
  }

  async renewLease(lease: Lease, progress?: LeaseProgress): Promise<Lease> {
    const owner = requireOwner(lease, 'renew');
    const { set, remove } = progress === undefined ? { set: {}, remove: [] } : progressAttributes(progress);
    return this.update('renew', lease, { set, remove, expect: { counter: lease.leaseCounter, owner } }, (now) => now.leaseOwner === owner);
  }

  async takeLease(lease: Lease, owner: string): Promise<Lease> {
    const switching = lease.leaseOwner !== undefined && lease.leaseOwner !== owner;
    return this.update(
      'take',
      lease,
      {
        set: { [A.leaseOwner]: { S: owner } },
        // KCL bumps the switch count only when an owner changes (taking an unowned lease is not a switch).
        add: switching ? { [A.ownerSwitchesSinceCheckpoint]: { N: '1' } } : undefined,
        // A fresh owner voids any pending KCL-3 handoff.
        remove: [A.checkpointOwner],
        expect: { counter: lease.leaseCounter },
      },
      (now) => now.leaseOwner === owner,
    );
  }

  async evictLease(lease: Lease): Promise<Lease> {
    return this.clearOwner('evict', lease, undefined);
  }

  async releaseLease(lease: Lease, options: { checkpoint?: Checkpoint } = {}): Promise<Lease> {
    requireOwner(lease, 'release');
    return this.clearOwner('release', lease, options.checkpoint);
  }

  private clearOwner(operation: string, lease: Lease, checkpoint: Checkpoint | undefined): Promise<Lease> {
    const set: Record<string, AttributeValue> = {};
    const remove: string[] = [A.leaseOwner, A.checkpointOwner];
    if (checkpoint !== undefined) {
      Object.assign(set, checkpointAttributes(checkpoint), { [A.ownerSwitchesSinceCheckpoint]: { N: '0' } });
      if (!(A.checkpointTimestampMillis in set)) remove.push(A.checkpointTimestampMillis);
      remove.push(A.pendingCheckpoint, A.pendingCheckpointSubSequenceNumber, A.pendingCheckpointState);
    }
    return this.update(
      operation,
      lease,
      { set, remove, expect: { counter: lease.leaseCounter, owner: lease.leaseOwner ?? null } },
      (now) => now.leaseOwner === undefined && (checkpoint === undefined || sameCheckpoint(now.checkpoint, checkpoint)),
    );
  }

  async updateCheckpoint(lease: Lease, checkpoint: Checkpoint, options: { childShardIds?: readonly string[]; progress?: LeaseProgress } = {}): Promise<Lease> {
    const owner = requireOwner(lease, 'checkpoint');
    const set: Record<string, AttributeValue> = { ...checkpointAttributes(checkpoint), [A.ownerSwitchesSinceCheckpoint]: { N: '0' } };
    const children = [...new Set(options.childShardIds ?? [])].filter((c) => c !== '').sort();
    if (children.length > 0) set[A.childShardIds] = { SS: children };
    const remove: string[] = [A.pendingCheckpoint, A.pendingCheckpointSubSequenceNumber, A.pendingCheckpointState];
    if (options.progress !== undefined) {
      const progress = progressAttributes(options.progress);
      Object.assign(set, progress.set);
      remove.push(...progress.remove);
    }
    if (!(A.checkpointTimestampMillis in set)) remove.push(A.checkpointTimestampMillis);
    return this.update(
      'checkpoint',
      lease,
      { set, remove, expect: { counter: lease.leaseCounter, owner } },
      (now) => now.leaseOwner === owner && sameCheckpoint(now.checkpoint, checkpoint),
    );
  }

  // ---- heartbeat protocol ----

  async requestHandoff(lease: Lease, to: string): Promise<Lease> {
    const from = requireOwner(lease, 'hand off');
    return this.update(
      'request-handoff',
      lease,
      { set: { [A.leaseOwner]: { S: to }, [A.checkpointOwner]: { S: from } }, expect: { counter: lease.leaseCounter, owner: from } },
      (now) => now.leaseOwner === to && now.checkpointOwner === from,
    );
  }

  async completeHandoff(leaseKey: string, from: string, options: { checkpoint?: Checkpoint } = {}): Promise<boolean> {
    const names: Record<string, string> = { '#co': A.checkpointOwner, '#counter': A.leaseCounter };
    const values: Record<string, AttributeValue> = { ':from': { S: from }, ':one': { N: '1' } };
    const sets: string[] = [];
    const removes = ['#co'];
    if (options.checkpoint !== undefined) {
      const attrs: Record<string, AttributeValue> = { ...checkpointAttributes(options.checkpoint), [A.ownerSwitchesSinceCheckpoint]: { N: '0' } };
      let i = 0;
      for (const [name, value] of Object.entries(attrs)) {
        names[`#s${i}`] = name;
        values[`:s${i}`] = value;
        sets.push(`#s${i} = :s${i}`);
        i++;
      }
      if (!(A.checkpointTimestampMillis in attrs)) {
        names['#ts'] = A.checkpointTimestampMillis;
        removes.push('#ts');
      }
    }
    const expression = `${sets.length > 0 ? `SET ${sets.join(', ')} ` : ''}ADD #counter :one REMOVE ${removes.join(', ')}`;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [A.leaseKey]: { S: leaseKey } },
          UpdateExpression: expression,
          ConditionExpression: '#co = :from',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw toLeaseWriteError('complete-handoff', leaseKey, err);
      // An SDK retry of a write that landed: the checkpoint is ours and the marker gone.
      const now = await this.getLease(leaseKey);
      return now !== undefined && now.checkpointOwner === undefined && options.checkpoint !== undefined && sameCheckpoint(now.checkpoint, options.checkpoint);
    }
  }

  async forceHandoff(lease: Lease): Promise<Lease> {
    const owner = requireOwner(lease, 'force the handoff of');
    return this.update(
      'force-handoff',
      lease,
      { set: {}, remove: [A.checkpointOwner], expect: { counter: lease.leaseCounter, owner } },
      (now) => now.leaseOwner === owner && now.checkpointOwner === undefined,
    );
  }

  writeHeartbeat(workerId: string, beat: HeartbeatWrite): Promise<WorkerHeartbeat> {
    return this.heartbeats.write(workerId, beat);
  }

  listHeartbeats(): Promise<WorkerHeartbeat[]> {
    return this.heartbeats.list();
  }

  markHandoff(ownerId: string, leaseKey: string): Promise<boolean> {
    return this.heartbeats.markHandoff(ownerId, leaseKey);
  }

  deleteHeartbeat(workerId: string): Promise<void> {
    return this.heartbeats.delete(workerId);
  }

  async deleteLease(leaseKey: string, options: { onlyIfShardEnd?: boolean } = {}): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { [A.leaseKey]: { S: leaseKey } },
          ...(options.onlyIfShardEnd
            ? { ConditionExpression: '#c = :end', ExpressionAttributeNames: { '#c': A.checkpoint }, ExpressionAttributeValues: { ':end': { S: 'SHARD_END' } } }
            : {}),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw toDependencyError('DeleteItem', err);
    }
  }

  /**
   * One conditional UpdateItem that also sets leaseCounter = expected + 1; returns the lease as written. On a failed
   * condition, a consistent read tells a lost lease from our own earlier attempt having succeeded (`succeeded`
   * checks the other fields of that read; the counter is checked here).
   */
  private async update(operation: string, lease: Lease, spec: UpdateSpec, succeeded: (now: Lease) => boolean): Promise<Lease> {
    const names: Record<string, string> = { '#counter': A.leaseCounter };
    const values: Record<string, AttributeValue> = { ':expected': { N: String(spec.expect.counter) }, ':next': { N: String(spec.expect.counter + 1) } };
    const sets = ['#counter = :next'];
    let i = 0;
    for (const [name, value] of Object.entries(spec.set)) {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
      i++;
    }
    const adds: string[] = [];
    for (const [name, value] of Object.entries(spec.add ?? {})) {
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      adds.push(`#a${i} :a${i}`);
      i++;
    }
    const removes: string[] = [];
    for (const name of spec.remove ?? []) {
      if (name in spec.set) continue;
      names[`#r${i}`] = name;
      removes.push(`#r${i}`);
      i++;
    }
    const conditions = ['#counter = :expected'];
    if (spec.expect.owner === null) {
      names['#owner'] = A.leaseOwner;
      conditions.push('attribute_not_exists(#owner)');
    } else if (spec.expect.owner !== undefined) {
      names['#owner'] = A.leaseOwner;
      values[':owner'] = { S: spec.expect.owner };
      conditions.push('#owner = :owner');
    }
    let expression = `SET ${sets.join(', ')}`;
    if (adds.length > 0) expression += ` ADD ${adds.join(', ')}`;
    if (removes.length > 0) expression += ` REMOVE ${removes.join(', ')}`;

    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [A.leaseKey]: { S: lease.leaseKey } },
          UpdateExpression: expression,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (!out.Attributes) throw new ConsumerError('INTERNAL', `UpdateItem (${operation}) of ${lease.leaseKey} returned no attributes.`, false);
      return itemToLease(out.Attributes);
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw toLeaseWriteError(operation, lease.leaseKey, err);
      const now = await this.getLease(lease.leaseKey);
      if (now !== undefined && now.leaseCounter === spec.expect.counter + 1 && succeeded(now)) {
        this.logger.info({ leaseKey: lease.leaseKey, operation }, 'spurious conditional failure: an earlier attempt of this write succeeded');
        return now;
      }
      throw new LeaseLostError(
        lease.leaseKey,
        now === undefined
          ? `${operation} of lease ${lease.leaseKey} rejected: the lease no longer exists.`
          : `${operation} of lease ${lease.leaseKey} rejected: expected counter ${spec.expect.counter}, found ${now.leaseCounter} (owner ${now.leaseOwner ?? 'none'}).`,
        { cause: err },
      );
    }
  }
}

function asTableError(err: unknown): unknown {
  if (!(err instanceof TableError)) return err;
  if (err.code === 'TABLE_CALL_FAILED') return toDependencyError(err.operation ?? 'DescribeTable', err.cause);
  return new ConsumerError('DEPENDENCY', err.message, err.retriable, { cause: err });
}

function requireOwner(lease: Lease, operation: string): string {
  if (lease.leaseOwner === undefined) {
    throw new ConsumerError('INTERNAL', `Cannot ${operation} lease ${lease.leaseKey}: it has no owner.`, false);
  }
  return lease.leaseOwner;
}
