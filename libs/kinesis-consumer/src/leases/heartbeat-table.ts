/**
 * The heartbeat protocol's companion table (`<lease table>-heartbeats`): one item per worker, hash key `workerId`.
 *
 *   workerId (S)            the worker's lease owner id
 *   heartbeatCounter (N)    + 1 on every heartbeat: observers judge liveness by its changes, on their own clock
 *   leaseCount (N)          leases the worker held at that heartbeat
 *   heartbeatAt (N)         writer's clock, epoch ms: for people only
 *   handoffRequests (SS)    lease keys other workers asked it to hand over (graceful steal); absent when none
 *
 * Why a table of its own rather than items in the lease table: the lease table has only a hash key, so reading
 * every heartbeat there means scanning every lease, the cost this protocol exists to avoid (and KCL readers of the
 * lease table would meet items that are no lease). Here the takers' read is a Scan of one item per worker
 * (about 150 bytes each: one 4-KB read unit per ~25 workers). KCL 3 does the same with its worker-metrics table.
 *
 * Heartbeats are unconditional writes: each worker writes only its own item; others only ADD to its
 * handoffRequests, which the heartbeat's DELETE of acknowledged keys never loses (set operations commute).
 */
import {
  DeleteItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ensureTable } from '@tributary/dynamodb-tables';
import type { Clock, Logger, Timers } from '../consumer-types';
import { isConditionalCheckFailed, toDependencyError } from './aws-error-mapper';
import type { HeartbeatWrite, WorkerHeartbeat } from './lease-table';

export const HEARTBEAT_ATTRIBUTES = {
  workerId: 'workerId',
  heartbeatCounter: 'heartbeatCounter',
  leaseCount: 'leaseCount',
  heartbeatAt: 'heartbeatAt',
  handoffRequests: 'handoffRequests',
} as const;
const H = HEARTBEAT_ATTRIBUTES;

/** The companion table's name for a lease table. */
export function heartbeatTableName(leaseTableName: string): string {
  return `${leaseTableName}-heartbeats`;
}

export class HeartbeatTable {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  async ensureTable(options: { clock: Clock; timers: Timers; logger: Logger; pollIntervalMs: number; activeTimeoutMs: number }): Promise<void> {
    await ensureTable(
      this.client,
      { tableName: this.tableName, keys: [{ name: H.workerId, type: 'S', role: 'HASH' }] },
      {
        label: 'lease heartbeat table',
        activeTimeoutMs: options.activeTimeoutMs,
        pollIntervalMs: options.pollIntervalMs,
        maxPollIntervalMs: options.pollIntervalMs,
        clock: options.clock,
        timers: options.timers,
        logger: options.logger,
      },
    );
  }

  async write(workerId: string, beat: HeartbeatWrite): Promise<WorkerHeartbeat> {
    const acked = [...new Set(beat.acknowledged ?? [])];
    const values: Record<string, AttributeValue> = {
      ':one': { N: '1' },
      ':count': { N: String(beat.leaseCount) },
      ':at': { N: String(Math.round(beat.heartbeatAt)) },
    };
    let expression = 'SET #count = :count, #at = :at ADD #counter :one';
    const names: Record<string, string> = { '#count': H.leaseCount, '#at': H.heartbeatAt, '#counter': H.heartbeatCounter };
    if (acked.length > 0) {
      names['#requests'] = H.handoffRequests;
      values[':acked'] = { SS: acked };
      expression += ' DELETE #requests :acked';
    }
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [H.workerId]: { S: workerId } },
          UpdateExpression: expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return itemToHeartbeat(out.Attributes ?? {}) ?? { workerId, counter: 1, leaseCount: beat.leaseCount, handoffRequests: [], heartbeatAt: beat.heartbeatAt };
    } catch (err) {
      throw toDependencyError('UpdateItem', err);
    }
  }

  async list(): Promise<WorkerHeartbeat[]> {
    const beats: WorkerHeartbeat[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      let out;
      try {
        out = await this.client.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
      } catch (err) {
        throw toDependencyError('Scan', err);
      }
      for (const item of out.Items ?? []) {
        const beat = itemToHeartbeat(item);
        if (beat) beats.push(beat);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return beats;
  }

  async markHandoff(ownerId: string, leaseKey: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [H.workerId]: { S: ownerId } },
          UpdateExpression: 'ADD #requests :key',
          ConditionExpression: 'attribute_exists(#id)',
          ExpressionAttributeNames: { '#requests': H.handoffRequests, '#id': H.workerId },
          ExpressionAttributeValues: { ':key': { SS: [leaseKey] } },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw toDependencyError('UpdateItem', err);
    }
  }

  async delete(workerId: string): Promise<void> {
    try {
      await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { [H.workerId]: { S: workerId } } }));
    } catch (err) {
      throw toDependencyError('DeleteItem', err);
    }
  }
}

/** An item of the heartbeat table, or undefined when it is not one (missing id or counter). */
export function itemToHeartbeat(item: Record<string, AttributeValue>): WorkerHeartbeat | undefined {
  const workerId = item[H.workerId]?.S;
  const counter = Number(item[H.heartbeatCounter]?.N);
  if (workerId === undefined || !Number.isFinite(counter)) return undefined;
  const leaseCount = Number(item[H.leaseCount]?.N ?? 0);
  const heartbeatAt = Number(item[H.heartbeatAt]?.N ?? 0);
  return {
    workerId,
    counter,
    leaseCount: Number.isFinite(leaseCount) ? leaseCount : 0,
    handoffRequests: [...(item[H.handoffRequests]?.SS ?? [])].sort(),
    heartbeatAt: Number.isFinite(heartbeatAt) ? heartbeatAt : 0,
  };
}
