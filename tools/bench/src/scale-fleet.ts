/**
 * The simulated fleet of the scale simulation (scale-sim.ts): workers built as KinesisConsumer builds its lease
 * layer (LeaseTable on a DynamoDB client, ensureTable, ShardSyncer: a sync at start and every 60 s, then the
 * coordinator createLeaseCoordinator gives for the protocol), on the in-memory DynamoDB and a fake ListShards, each
 * with its own timers on the shared virtual clock and its own view of the network (a fixed latency per call).
 *
 * What the workers believe they hold is tracked from the coordinators' own events (leaseAcquired adds; leaseLost,
 * leaseReleased, leaseCompleted remove; a killed worker holds nothing): that is when a KinesisConsumer starts and
 * stops a shard's processing. From it: whether the fleet is balanced, when each shard of a dead worker was
 * picked up, and every interval during which two workers believed they held one shard (overlaps).
 */
import type { ListShardsCommand, ListShardsCommandOutput, Shard } from '@aws-sdk/client-kinesis';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  LeaseTable,
  ShardSyncer,
  createLeaseCoordinator,
  type Checkpoint,
  type LeaseCoordinator,
  type LeaseCoordinatorOptions,
  type LeaseProtocol,
} from '@tributary/kinesis-consumer';
import type { InMemoryDynamoDb } from '@tributary/kinesis-consumer/testing';
import { seededRandom } from '@tributary/runtime/testing';
import type { VirtualScheduler } from './scale-scheduler';

export interface FleetConfig {
  tableName: string;
  streamName: string;
  protocol: LeaseProtocol;
  coordinator: Partial<LeaseCoordinatorOptions>;
  shardSyncIntervalMs: number;
  /** Round trip of one DynamoDB / Kinesis call, split evenly between request and answer. */
  latencyMs: number;
  /** Heartbeat protocol: how long a worker takes to finish the batch in flight and hand a lease over. */
  handoffWorkMs: number;
  seed: number;
}

export interface Overlap {
  leaseKey: string;
  from: number;
  to: number;
}

interface Worker {
  id: string;
  alive: boolean;
  view: ReturnType<VirtualScheduler['view']>;
  coordinator: LeaseCoordinator;
  syncer: ShardSyncer;
  started: Promise<void>;
}

const FINAL_CHECKPOINT: Checkpoint = { kind: 'sequence', sequenceNumber: '49650000000000000000000000000000000000000000000000000002', subSequenceNumber: 0 };

/** `count` open shards splitting the 128-bit hash key space evenly, as ListShards describes them. */
export function makeShards(count: number): Shard[] {
  const space = 2n ** 128n;
  return Array.from({ length: count }, (_, i) => ({
    ShardId: `shardId-${String(i).padStart(12, '0')}`,
    HashKeyRange: { StartingHashKey: String((space * BigInt(i)) / BigInt(count)), EndingHashKey: String((space * BigInt(i + 1)) / BigInt(count) - 1n) },
    SequenceNumberRange: { StartingSequenceNumber: '49650000000000000000000000000000000000000000000000000000' },
  }));
}

export class ScaleFleet {
  readonly workers = new Map<string, Worker>();
  /** leaseKey → workers that believe they hold it. */
  private readonly believers = new Map<string, Set<string>>();
  private readonly counts = new Map<string, number>();
  private readonly overlapStart = new Map<string, number>();
  readonly overlaps: Overlap[] = [];
  /** Acquisitions so far, and those from a previous owner (leases moved). */
  acquisitions = 0;
  moves = 0;
  /** Leases nobody alive believes it holds; leases believed by more than one worker. */
  uncovered: number;
  /** Since when the fleet is balanced (undefined: it is not). */
  balancedSince: number | undefined;
  /** leaseKey → first time a live worker believed it held it after `watchCoverage`. */
  private watched: Map<string, number | undefined> | undefined;
  private nextWorker = 0;

  constructor(
    private readonly sched: VirtualScheduler,
    private readonly db: InMemoryDynamoDb,
    private readonly shards: readonly Shard[],
    private readonly config: FleetConfig,
  ) {
    for (const shard of shards) this.believers.set(shard.ShardId as string, new Set());
    this.uncovered = shards.length;
  }

  get liveWorkers(): Worker[] {
    return [...this.workers.values()].filter((w) => w.alive);
  }

  /** Starts a worker the way KinesisConsumer.start() does; resolves when its coordinator started. */
  addWorker(): Worker {
    const id = `worker-${String(this.nextWorker++).padStart(3, '0')}`;
    const view = this.sched.view();
    const dynamo = this.network(view, (command) => this.db.send(command as never)).client as unknown as DynamoDBClient;
    const kinesis = this.network(view, (command) => Promise.resolve(this.listShards(command as ListShardsCommand))).client as never;
    const table = new LeaseTable({ client: dynamo, tableName: this.config.tableName, clock: view, timers: view });
    const syncer = new ShardSyncer({
      kinesisClient: kinesis,
      store: table,
      streamName: this.config.streamName,
      initialPosition: 'TRIM_HORIZON',
      syncIntervalMs: this.config.shardSyncIntervalMs,
      clock: view,
      timers: view,
    });
    const coordinator = createLeaseCoordinator({
      ...this.config.coordinator,
      protocol: this.config.protocol,
      store: table,
      workerId: id,
      // The progress a KinesisConsumer writes with each renewal (per-lease) or checkpoint: its bytes are read back by every scan.
      progress: () => ({ millisBehindLatest: 0, recordsProcessed: 123_456 }),
      random: seededRandom(this.config.seed * 7919 + this.nextWorker),
      clock: view,
      timers: view,
    });
    this.counts.set(id, 0);
    const worker: Worker = { id, alive: true, view, coordinator, syncer, started: Promise.resolve() };
    this.listen(worker);
    worker.started = (async () => {
      await table.ensureTable();
      if (this.config.protocol === 'heartbeat') await table.ensureHeartbeatTable();
      await syncer.sync();
      await coordinator.start();
      syncer.start();
    })();
    worker.started.catch((err: unknown) => {
      if (worker.alive) throw err;
    });
    this.workers.set(id, worker);
    this.checkBalance();
    return worker;
  }

  /** SIGKILL: the worker does nothing more (its timers and calls in flight never complete) and holds nothing. */
  kill(id: string): string[] {
    const worker = this.workers.get(id);
    if (!worker) throw new Error(`no worker ${id}`);
    worker.alive = false;
    worker.view.kill();
    const held = [...this.believers].filter(([, set]) => set.has(id)).map(([key]) => key);
    for (const key of held) this.unbelieve(id, key);
    this.counts.delete(id);
    this.checkBalance();
    return held;
  }

  /** From now on, record when each of `keys` is next believed held by a live worker. */
  watchCoverage(keys: readonly string[]): void {
    this.watched = new Map(keys.map((k) => [k, undefined]));
  }

  /** For each watched lease: when a live worker took it (undefined: not yet). */
  coverage(): Array<number | undefined> {
    return [...(this.watched?.values() ?? [])];
  }

  /** Closes the overlaps still open (at the end of a run). */
  closeOverlaps(): void {
    for (const [key, from] of this.overlapStart) this.overlaps.push({ leaseKey: key, from, to: this.sched.now() });
    this.overlapStart.clear();
  }

  heldCounts(): number[] {
    return this.liveWorkers.map((w) => this.counts.get(w.id) ?? 0);
  }

  private listen(worker: Worker): void {
    const c = worker.coordinator;
    c.on('leaseAcquired', (lease, info) => {
      if (!worker.alive) return;
      this.acquisitions++;
      if (info.previousOwner !== undefined) this.moves++;
      this.believe(worker.id, lease.leaseKey);
    });
    const drop = (key: string): void => {
      if (worker.alive) this.unbelieve(worker.id, key);
    };
    c.on('leaseLost', (key) => drop(key));
    c.on('leaseReleased', (key) => drop(key));
    c.on('leaseCompleted', (key) => drop(key));
    // What KinesisConsumer does when a stealer asks for a shard: finish the batch in flight, then hand over with the final checkpoint.
    c.on('handoffRequested' as never, ((key: string) => {
      worker.view.setTimeout(() => {
        void c.release(key, { checkpoint: FINAL_CHECKPOINT }).catch(() => undefined);
      }, this.config.handoffWorkMs);
    }) as never);
  }

  private believe(id: string, key: string): void {
    const set = this.believers.get(key);
    if (!set || set.has(id)) return;
    if (set.size === 0) this.uncovered--;
    set.add(id);
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
    if (set.size === 2) this.overlapStart.set(key, this.sched.now());
    if (this.watched?.has(key) && this.watched.get(key) === undefined) this.watched.set(key, this.sched.now());
    this.checkBalance();
  }

  private unbelieve(id: string, key: string): void {
    const set = this.believers.get(key);
    if (!set?.delete(id)) return;
    if (this.counts.has(id)) this.counts.set(id, (this.counts.get(id) ?? 1) - 1);
    if (set.size === 0) this.uncovered++;
    if (set.size === 1) {
      const from = this.overlapStart.get(key);
      if (from !== undefined) this.overlaps.push({ leaseKey: key, from, to: this.sched.now() });
      this.overlapStart.delete(key);
    }
    this.checkBalance();
  }

  /** Balanced: every shard believed held by exactly one live worker, each within ±1 of shards / workers. */
  private checkBalance(): void {
    const live = this.liveWorkers;
    let balanced = this.uncovered === 0 && this.overlapStart.size === 0 && live.length > 0;
    if (balanced) {
      const ideal = this.shards.length / live.length;
      for (const w of live) {
        if (Math.abs((this.counts.get(w.id) ?? 0) - ideal) > 1) {
          balanced = false;
          break;
        }
      }
    }
    if (!balanced) this.balancedSince = undefined;
    else this.balancedSince ??= this.sched.now();
  }

  private listShards(command: ListShardsCommand): ListShardsCommandOutput {
    const page = command.input.MaxResults ?? 1000;
    const from = command.input.NextToken === undefined ? 0 : Number(command.input.NextToken);
    const slice = this.shards.slice(from, from + page);
    const next = from + page < this.shards.length ? String(from + page) : undefined;
    return { $metadata: {}, Shards: slice, ...(next === undefined ? {} : { NextToken: next }) };
  }

  /** A client whose calls take latencyMs of virtual time; a killed worker's calls never complete. */
  private network(view: Worker['view'], call: (command: unknown) => Promise<unknown>): { client: { send(command: unknown): Promise<unknown> } } {
    const half = this.config.latencyMs / 2;
    const hop = (): Promise<void> => new Promise((resolve) => view.setTimeout(resolve, half));
    return {
      client: {
        send: async (command: unknown) => {
          await hop();
          let out: unknown;
          let error: unknown;
          try {
            out = await call(command);
          } catch (err) {
            error = err;
          }
          await hop();
          if (error !== undefined) throw error;
          return out;
        },
      },
    };
  }
}
