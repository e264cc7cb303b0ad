/**
 * Keeps the lease table in step with the stream's shards: ListShards (all pages, closed shards included), then
 * creates the leases planShardSync asks for (conditional on absence, so workers syncing at once do no harm) and
 * deletes finished parent leases planLeaseCleanup allows. Idempotent; `sync()` is called on demand (at start,
 * after a shard ended) and, with start(), every `syncIntervalMs` (KCL's periodic shard sync). Calls made while a
 * sync runs share one follow-up sync, which sees everything that happened before they were made.
 */
import { EventEmitter } from 'node:events';
import { ListShardsCommand, type ListShardsCommandOutput, type Shard } from '@aws-sdk/client-kinesis';
import { isAwsError } from '@tributary/errors';
import { ConcurrencyLimiter } from '@tributary/runtime';
import { ConsumerError } from '../consumer-error';
import { noopLogger, systemClock, systemTimers, type Clock, type Lease, type Logger, type Timers } from '../consumer-types';
import { toDependencyError } from '../leases/aws-error-mapper';
import type { LeaseStore } from '../leases/lease-table';
import { SHARD_SYNC_DEFAULTS } from '../defaults';
import { planLeaseCleanup, planShardSync, type InitialPosition } from './shard-sync-planner';

/** The one Kinesis call the syncer makes (a KinesisClient fits). */
export interface ListShardsClient {
  send(command: ListShardsCommand, options?: { abortSignal?: AbortSignal }): Promise<ListShardsCommandOutput>;
}

export interface ShardSyncerOptions {
  kinesisClient: ListShardsClient;
  store: Pick<LeaseStore, 'listLeases' | 'createLeaseIfAbsent' | 'deleteLease'>;
  /** One of the two. */
  streamName?: string;
  streamArn?: string;
  initialPosition: InitialPosition;
  /** Delete finished parent leases once their children started (default true). */
  cleanupLeases?: boolean;
  syncIntervalMs?: number;
  listShardsPageSize?: number;
  writeConcurrency?: number;
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
}

export interface ShardSyncResult {
  /** Shards ListShards returned, and leases in the table before this sync. */
  shards: number;
  leases: number;
  created: string[];
  deleted: string[];
  durationMs: number;
}

export interface ShardSyncerEvents {
  synced: [result: ShardSyncResult];
  /** A periodic sync failed (sync() callers get the rejection instead). */
  syncFailed: [error: ConsumerError];
}

export class ShardSyncer extends EventEmitter<ShardSyncerEvents> {
  private readonly client: ListShardsClient;
  private readonly store: ShardSyncerOptions['store'];
  private readonly stream: { StreamName: string } | { StreamARN: string };
  private readonly initialPosition: InitialPosition;
  private readonly cleanup: boolean;
  private readonly intervalMs: number;
  private readonly pageSize: number;
  private readonly concurrency: number;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private running: Promise<ShardSyncResult> | undefined;
  private queued: Promise<ShardSyncResult> | undefined;
  private timer: unknown;
  private started = false;

  constructor(options: ShardSyncerOptions) {
    super();
    if (options.streamArn) this.stream = { StreamARN: options.streamArn };
    else if (options.streamName) this.stream = { StreamName: options.streamName };
    else throw new ConsumerError('INVALID_OPTION', 'ShardSyncer needs streamName or streamArn.', false);
    this.client = options.kinesisClient;
    this.store = options.store;
    this.initialPosition = options.initialPosition;
    this.cleanup = options.cleanupLeases ?? SHARD_SYNC_DEFAULTS.cleanupLeases;
    this.intervalMs = options.syncIntervalMs ?? SHARD_SYNC_DEFAULTS.syncIntervalMs;
    this.pageSize = options.listShardsPageSize ?? SHARD_SYNC_DEFAULTS.listShardsPageSize;
    this.concurrency = options.writeConcurrency ?? SHARD_SYNC_DEFAULTS.writeConcurrency;
    if (!(this.intervalMs > 0) || !(this.pageSize >= 1 && this.pageSize <= 10_000) || !(this.concurrency >= 1)) {
      throw new ConsumerError('INVALID_OPTION', 'syncIntervalMs > 0, 1 <= listShardsPageSize <= 10000 and writeConcurrency >= 1 are required.', false);
    }
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.logger = (options.logger ?? noopLogger).child({ component: 'shard-syncer' });
  }

  /** Syncs now; if a sync is running, after it (callers meanwhile share that one follow-up). */
  sync(): Promise<ShardSyncResult> {
    if (!this.running) return this.begin();
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.begin();
      });
    return this.queued;
  }

  /** Periodic syncs every syncIntervalMs (the first one interval from now: call sync() for one at once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule();
  }

  /** Stops periodic syncs and waits for the one in progress. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await (this.queued ?? this.running)?.catch(() => undefined);
  }

  /** Every shard of the stream, all pages. */
  async listShards(): Promise<Shard[]> {
    for (let attempt = 1; ; attempt++) {
      const shards: Shard[] = [];
      let token: string | undefined;
      try {
        do {
          const out = await this.client.send(
            new ListShardsCommand(token === undefined ? { ...this.stream, MaxResults: this.pageSize } : { NextToken: token, MaxResults: this.pageSize }),
          );
          shards.push(...(out.Shards ?? []));
          token = out.NextToken;
        } while (token !== undefined);
        return shards;
      } catch (err) {
        // A listing slower than the token's 300 s lifetime starts over once.
        if (isAwsError(err, 'ExpiredNextTokenException') && attempt === 1) continue;
        if (isAwsError(err, 'ResourceNotFoundException')) {
          const stream = 'StreamName' in this.stream ? this.stream.StreamName : this.stream.StreamARN;
          throw new ConsumerError('SHARD_NOT_FOUND', `Stream ${stream} not found (ListShards).`, false, { cause: err });
        }
        throw toDependencyError('ListShards', err);
      }
    }
  }

  private schedule(): void {
    if (!this.started) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.sync()
        .catch((err: unknown) => {
          const error = err instanceof ConsumerError ? err : toDependencyError('ShardSync', err);
          this.logger.warn({ err: error.message, code: error.code }, 'periodic shard sync failed');
          this.emitSafe('syncFailed', error);
        })
        .finally(() => this.schedule());
    }, this.intervalMs);
  }

  private begin(): Promise<ShardSyncResult> {
    const run = this.runSync().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async runSync(): Promise<ShardSyncResult> {
    const started = this.clock.now();
    const shards = await this.listShards();
    const leases = await this.store.listLeases();
    const plan = planShardSync({ shards, existingLeases: leases, initialPosition: this.initialPosition });

    const created: string[] = [];
    for (const level of levels(plan.create)) {
      await forEachLimited(level, this.concurrency, async (lease) => {
        if (await this.store.createLeaseIfAbsent(lease)) created.push(lease.leaseKey);
      });
    }

    const deleted: string[] = [];
    if (this.cleanup) {
      await forEachLimited(planLeaseCleanup(leases), this.concurrency, async (key) => {
        if (await this.store.deleteLease(key, { onlyIfShardEnd: true })) deleted.push(key);
      });
    }

    const result: ShardSyncResult = { shards: shards.length, leases: leases.length, created, deleted, durationMs: this.clock.now() - started };
    if (created.length + deleted.length > 0) {
      this.logger.info({ ...result, created: created.length, deleted: deleted.length }, 'shard sync changed the lease table');
    }
    this.emitSafe('synced', result);
    return result;
  }

  private emitSafe<K extends keyof ShardSyncerEvents>(event: K, ...args: ShardSyncerEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: ShardSyncerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error({ event, err: err instanceof Error ? err.message : String(err) }, 'shard syncer listener threw');
    }
  }
}

/** Leases grouped by depth among themselves: every lease's parents (if created too) sit in an earlier group. */
function levels(leases: readonly Lease[]): Lease[][] {
  const depth = new Map<string, number>();
  const out: Lease[][] = [];
  for (const lease of leases) {
    // planShardSync lists parents before children, so parents' depths are known here.
    const d = Math.max(-1, ...lease.parentShardIds.map((p) => depth.get(p) ?? -1)) + 1;
    depth.set(lease.leaseKey, d);
    (out[d] ??= []).push(lease);
  }
  return out.filter((group) => group !== undefined);
}

/**
 * `fn` over `items`, at most `limit` at once (the runtime's limiter); after a failure no new call starts, the ones
 * in flight finish, and the first failure is thrown.
 */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const limiter = new ConcurrencyLimiter(Math.max(1, Math.floor(limit)));
  let failure: { error: unknown } | undefined;
  await Promise.all(
    items.map((item) =>
      limiter.run(async () => {
        if (failure) return;
        try {
          await fn(item);
        } catch (error) {
          failure ??= { error };
        }
      }),
    ),
  );
  if (failure) throw failure.error;
}
