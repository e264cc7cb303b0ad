/**
 * Test helpers for leases: an in-memory LeaseStore with the lease table's conditional semantics (so coordinator and
 * consumer unit tests need no DynamoDB), a lease builder, and fake timers that run on a clock moved by the test
 * (lease expiry and renewal without waiting).
 */
import { DependencyError, LeaseLostError } from '../consumer-error';
import type { Checkpoint, Lease, LeaseProgress } from '../consumer-types';
import type { HeartbeatWrite, LeaseStore, WorkerHeartbeat } from '../leases/lease-table';

export const TRIM_HORIZON: Checkpoint = { kind: 'sentinel', value: 'TRIM_HORIZON' };
export const SHARD_END: Checkpoint = { kind: 'sentinel', value: 'SHARD_END' };

export function shardIdOf(n: number): string {
  return `shardId-${String(n).padStart(12, '0')}`;
}

/** A lease with defaults: unowned, counter 0, TRIM_HORIZON, no parents. */
export function makeLease(leaseKey: string, fields: Partial<Lease> = {}): Lease {
  return {
    leaseKey,
    leaseCounter: 0,
    checkpoint: TRIM_HORIZON,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds: [],
    childShardIds: [],
    startingHashKey: '0',
    endingHashKey: '340282366920938463463374607431768211455',
    ...fields,
  };
}

export type LeaseStoreOperation = keyof Required<LeaseStore>;

/** The lease table's semantics in memory; every lease handed out is a copy. */
export class InMemoryLeaseStore implements LeaseStore {
  readonly leases = new Map<string, Lease>();
  readonly calls: Array<{ operation: LeaseStoreOperation; leaseKey?: string }> = [];
  private readonly failures: Array<{ operation: LeaseStoreOperation; leaseKey?: string; error: Error; times: number }> = [];
  /** Resolved before every call goes on (tests can hold calls: e.g. a slow write). */
  gate: (() => Promise<void>) | undefined;

  constructor(leases: readonly Lease[] = []) {
    for (const lease of leases) this.leases.set(lease.leaseKey, { ...lease });
  }

  /** The next `times` calls of `operation` (on `leaseKey` if given) fail with `error` (default: a retriable DependencyError). */
  failNext(operation: LeaseStoreOperation, options: { leaseKey?: string; error?: Error; times?: number } = {}): void {
    this.failures.push({
      operation,
      leaseKey: options.leaseKey,
      error: options.error ?? new DependencyError(operation, 'InternalServerError', `${operation} failed (injected)`, true),
      times: options.times ?? 1,
    });
  }

  /** Injected failures not yet used are dropped (an outage ends). */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /** What another worker (or an operator) does to the table. */
  mutate(leaseKey: string, change: (lease: Lease) => Partial<Lease>): Lease {
    const current = this.require(leaseKey);
    const next = { ...current, ...change(current) };
    this.leases.set(leaseKey, next);
    return { ...next };
  }

  /** Another worker takes the lease (counter + 1, owner set). */
  takeAs(leaseKey: string, owner: string): Lease {
    return this.mutate(leaseKey, (l) => ({ leaseOwner: owner, leaseCounter: l.leaseCounter + 1 }));
  }

  get(leaseKey: string): Lease | undefined {
    const lease = this.leases.get(leaseKey);
    return lease && { ...lease };
  }

  countCalls(operation: LeaseStoreOperation): number {
    return this.calls.filter((c) => c.operation === operation).length;
  }

  private async enter(operation: LeaseStoreOperation, leaseKey?: string): Promise<void> {
    this.calls.push({ operation, leaseKey });
    if (this.gate) await this.gate();
    await Promise.resolve();
    const i = this.failures.findIndex((f) => f.operation === operation && (f.leaseKey === undefined || f.leaseKey === leaseKey));
    if (i >= 0) {
      const failure = this.failures[i];
      if (--failure.times <= 0) this.failures.splice(i, 1);
      throw failure.error;
    }
  }

  private require(leaseKey: string): Lease {
    const lease = this.leases.get(leaseKey);
    if (!lease) throw new Error(`no lease ${leaseKey}`);
    return lease;
  }

  private expect(lease: Lease, owner: string | undefined | null): Lease {
    const current = this.leases.get(lease.leaseKey);
    if (!current || current.leaseCounter !== lease.leaseCounter || (owner !== null && current.leaseOwner !== owner)) {
      throw new LeaseLostError(lease.leaseKey);
    }
    return current;
  }

  async listLeases(): Promise<Lease[]> {
    await this.enter('listLeases');
    return [...this.leases.values()].map((l) => ({ ...l }));
  }

  async getLease(leaseKey: string): Promise<Lease | undefined> {
    await this.enter('getLease', leaseKey);
    return this.get(leaseKey);
  }

  async createLeaseIfAbsent(lease: Lease): Promise<boolean> {
    await this.enter('createLeaseIfAbsent', lease.leaseKey);
    if (this.leases.has(lease.leaseKey)) return false;
    this.leases.set(lease.leaseKey, { ...lease });
    return true;
  }

  async renewLease(lease: Lease, progress?: LeaseProgress): Promise<Lease> {
    await this.enter('renewLease', lease.leaseKey);
    const current = this.expect(lease, lease.leaseOwner);
    return this.write({ ...current, leaseCounter: current.leaseCounter + 1, ...(progress ? { progress: { ...progress } } : {}) });
  }

  async takeLease(lease: Lease, owner: string): Promise<Lease> {
    await this.enter('takeLease', lease.leaseKey);
    const current = this.expect(lease, null);
    const switched = current.leaseOwner !== undefined && current.leaseOwner !== owner;
    const next: Lease = {
      ...current,
      leaseOwner: owner,
      leaseCounter: current.leaseCounter + 1,
      ownerSwitchesSinceCheckpoint: current.ownerSwitchesSinceCheckpoint + (switched ? 1 : 0),
    };
    delete next.checkpointOwner;
    return this.write(next);
  }

  async evictLease(lease: Lease): Promise<Lease> {
    await this.enter('evictLease', lease.leaseKey);
    return this.clearOwner(lease, undefined);
  }

  async releaseLease(lease: Lease, options: { checkpoint?: Checkpoint } = {}): Promise<Lease> {
    await this.enter('releaseLease', lease.leaseKey);
    return this.clearOwner(lease, options.checkpoint);
  }

  private clearOwner(lease: Lease, checkpoint: Checkpoint | undefined): Lease {
    const current = this.expect(lease, lease.leaseOwner);
    const next: Lease = { ...current, leaseCounter: current.leaseCounter + 1 };
    if (checkpoint) Object.assign(next, { checkpoint, ownerSwitchesSinceCheckpoint: 0 });
    delete next.leaseOwner;
    delete next.checkpointOwner;
    return this.write(next);
  }

  async updateCheckpoint(lease: Lease, checkpoint: Checkpoint, options: { childShardIds?: readonly string[]; progress?: LeaseProgress } = {}): Promise<Lease> {
    await this.enter('updateCheckpoint', lease.leaseKey);
    const current = this.expect(lease, lease.leaseOwner);
    const next: Lease = { ...current, checkpoint, ownerSwitchesSinceCheckpoint: 0, leaseCounter: current.leaseCounter + 1 };
    if (options.progress) next.progress = { ...options.progress };
    if (options.childShardIds && options.childShardIds.length > 0) next.childShardIds = [...new Set(options.childShardIds)].sort();
    return this.write(next);
  }

  async deleteLease(leaseKey: string, options: { onlyIfShardEnd?: boolean } = {}): Promise<boolean> {
    await this.enter('deleteLease', leaseKey);
    const current = this.leases.get(leaseKey);
    if (!current) return !options.onlyIfShardEnd;
    if (options.onlyIfShardEnd && !(current.checkpoint.kind === 'sentinel' && current.checkpoint.value === 'SHARD_END')) return false;
    this.leases.delete(leaseKey);
    return true;
  }

  // ---- heartbeat protocol (the same conditions as LeaseTable and HeartbeatTable) ----

  readonly heartbeats = new Map<string, WorkerHeartbeat>();

  async requestHandoff(lease: Lease, to: string): Promise<Lease> {
    await this.enter('requestHandoff', lease.leaseKey);
    const current = this.expect(lease, lease.leaseOwner);
    return this.write({ ...current, leaseOwner: to, checkpointOwner: current.leaseOwner, leaseCounter: current.leaseCounter + 1 });
  }

  async completeHandoff(leaseKey: string, from: string, options: { checkpoint?: Checkpoint } = {}): Promise<boolean> {
    await this.enter('completeHandoff', leaseKey);
    const current = this.leases.get(leaseKey);
    if (current?.checkpointOwner !== from) return false;
    const next: Lease = { ...current, leaseCounter: current.leaseCounter + 1 };
    if (options.checkpoint) Object.assign(next, { checkpoint: options.checkpoint, ownerSwitchesSinceCheckpoint: 0 });
    delete next.checkpointOwner;
    this.write(next);
    return true;
  }

  async forceHandoff(lease: Lease): Promise<Lease> {
    await this.enter('forceHandoff', lease.leaseKey);
    const current = this.expect(lease, lease.leaseOwner);
    const next: Lease = { ...current, leaseCounter: current.leaseCounter + 1 };
    delete next.checkpointOwner;
    return this.write(next);
  }

  async writeHeartbeat(workerId: string, beat: HeartbeatWrite): Promise<WorkerHeartbeat> {
    await this.enter('writeHeartbeat', workerId);
    const prev = this.heartbeats.get(workerId);
    const acked = new Set(beat.acknowledged ?? []);
    const next: WorkerHeartbeat = {
      workerId,
      counter: (prev?.counter ?? 0) + 1,
      leaseCount: beat.leaseCount,
      heartbeatAt: beat.heartbeatAt,
      handoffRequests: (prev?.handoffRequests ?? []).filter((k) => !acked.has(k)),
    };
    this.heartbeats.set(workerId, next);
    return { ...next, handoffRequests: [...next.handoffRequests] };
  }

  async listHeartbeats(): Promise<WorkerHeartbeat[]> {
    await this.enter('listHeartbeats');
    return [...this.heartbeats.values()].map((b) => ({ ...b, handoffRequests: [...b.handoffRequests] }));
  }

  async markHandoff(ownerId: string, leaseKey: string): Promise<boolean> {
    await this.enter('markHandoff', leaseKey);
    const beat = this.heartbeats.get(ownerId);
    if (!beat) return false;
    if (!beat.handoffRequests.includes(leaseKey)) beat.handoffRequests = [...beat.handoffRequests, leaseKey].sort();
    return true;
  }

  async deleteHeartbeat(workerId: string): Promise<void> {
    await this.enter('deleteHeartbeat', workerId);
    this.heartbeats.delete(workerId);
  }

  private write(lease: Lease): Lease {
    this.leases.set(lease.leaseKey, lease);
    return { ...lease };
  }
}

export { FakeTimers } from '@tributary/runtime/testing';
