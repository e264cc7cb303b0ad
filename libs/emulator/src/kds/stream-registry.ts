/**
 * The KDS control-plane state: streams, their shards and consumers, persisted through the storage engine,
 * with the status machine (CREATING → ACTIVE → UPDATING → ACTIVE, DELETING → gone) and retention.
 * Operations (the other files of this folder) read and change it; nothing here speaks HTTP.
 */
import { randomBytes } from 'node:crypto';
import type { StorageEngine } from '../storage/storage-engine';
import type { MetadataStore } from '../storage/metadata-store';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { awsErrors } from '../errors';
import { ShardIteratorCodec } from './shard-iterator-codec';
import { Shard, type ShardLimits, type ShardMeta, type StreamMeta } from './stream-model';
import { resolveShardId, shardIdOf, type ResolvedShardId } from './shard-id';
import { StatusTimers } from '../status-timers';

export interface KdsOptions {
  clock: Clock;
  logger: Logger;
  accountId: string;
  defaultRegion: string;
  /** Undefined: throughput limits off (benchmarks). */
  limits?: ShardLimits;
  /** Delays of the status machine, ms. 0 makes a transition happen before the call returns. */
  createDelayMs: number;
  deleteDelayMs: number;
  updateDelayMs: number;
  consumerDelayMs: number;
  shardLimit: number;
  iteratorLifetimeMs: number;
  subscriptionLifetimeMs: number;
  subscriptionHeartbeatMs: number;
  subscriptionTakeoverMs: number;
}

/**
 * 1: sequence numbers in the emulator's first layout; 2: AWS's layout for every shard created since (shards
 * loaded from a version 1 state are marked `sequenceLayout: 'legacy'`).
 */
interface PersistedState {
  version: 1 | 2;
  iteratorKey: string;
  streams: StreamMeta[];
}

const UNLIMITED: ShardLimits = {
  writeRecordsPerSecond: Infinity,
  writeBytesPerSecond: Infinity,
  readCallsPerSecond: Infinity,
  readBytesPerSecond: Infinity,
  iteratorCallsPerSecond: Infinity,
  fanOutBytesPerSecond: Infinity,
};

export class Stream {
  readonly shards = new Map<string, Shard>();
  /** Open shards sorted by starting hash key, for routing by binary search. */
  openShards: Shard[] = [];
  constructor(public meta: StreamMeta) {}

  refreshRouting(): void {
    this.openShards = [...this.shards.values()].filter((s) => s.open).sort((a, b) => (a.start < b.start ? -1 : 1));
  }

  /** The open shard whose hash range holds `hash`. */
  route(hash: bigint): Shard {
    const list = this.openShards;
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (list[mid].start <= hash) lo = mid;
      else hi = mid - 1;
    }
    return list[lo];
  }

  /** Shard ids in creation order (as the service lists them). */
  orderedShards(): Shard[] {
    return [...this.shards.values()].sort((a, b) => a.meta.index - b.meta.index);
  }

  childrenOf(shardId: string): Shard[] {
    return this.orderedShards().filter((s) => s.meta.parentShardId === shardId || s.meta.adjacentParentShardId === shardId);
  }
}

export class StreamRegistry {
  readonly streams = new Map<string, Stream>();
  readonly iterators: ShardIteratorCodec;
  private readonly store: MetadataStore<PersistedState>;
  private readonly iteratorKey: string;
  private readonly statusTimers = new StatusTimers(() => this.persist());

  constructor(
    private readonly storage: StorageEngine,
    readonly options: KdsOptions,
  ) {
    this.store = storage.metadata<PersistedState>('kds-metadata');
    const saved = this.store.load();
    this.iteratorKey = saved?.iteratorKey ?? randomBytes(32).toString('base64');
    this.iterators = new ShardIteratorCodec(Buffer.from(this.iteratorKey, 'base64'));
    for (const meta of saved?.streams ?? []) {
      if (saved?.version === 1) for (const shardMeta of meta.shards) shardMeta.sequenceLayout = 'legacy';
      const stream = new Stream(meta);
      for (const shardMeta of meta.shards) stream.shards.set(shardMeta.shardId, this.openShard(meta, shardMeta));
      stream.refreshRouting();
      this.streams.set(meta.name, stream);
      // A transition that was pending when the process stopped completes now.
      if (meta.status === 'CREATING' || meta.status === 'UPDATING') meta.status = 'ACTIVE';
      if (meta.status === 'DELETING') this.removeStream(stream);
      for (const c of meta.consumers) if (c.status === 'CREATING') c.status = 'ACTIVE';
      meta.consumers = meta.consumers.filter((c) => c.status !== 'DELETING');
    }
    this.persist();
  }

  get clock(): Clock {
    return this.options.clock;
  }
  get limits(): ShardLimits {
    return this.options.limits ?? UNLIMITED;
  }

  persist(): void {
    this.store.save({ version: 2, iteratorKey: this.iteratorKey, streams: [...this.streams.values()].map((s) => s.meta) });
  }

  streamArn(region: string, accountId: string, name: string): string {
    return `arn:aws:kinesis:${region}:${accountId}:stream/${name}`;
  }

  /** The stream name a request gives (StreamName, or the name in StreamARN), for messages; it may not exist. */
  streamNameIn(input: { StreamName?: string; StreamARN?: string }): string | undefined {
    if (input.StreamName !== undefined) return input.StreamName;
    return input.StreamARN?.slice(input.StreamARN.indexOf(':stream/') + ':stream/'.length);
  }

  /**
   * Finds the stream named by StreamName or StreamARN (both may be given; they must agree). `notFound` words
   * the error for a stream that does not exist, where an operation words it its own way.
   */
  find(input: { StreamName?: string; StreamARN?: string }, notFound?: (name: string, accountId: string) => string): Stream {
    let name = input.StreamName;
    if (input.StreamARN !== undefined) {
      const fromArn = input.StreamARN.slice(input.StreamARN.indexOf(':stream/') + ':stream/'.length);
      if (name !== undefined && name !== fromArn) {
        throw awsErrors.invalidArgument(`StreamARN ${input.StreamARN} does not match StreamName ${name}.`);
      }
      name = fromArn;
    }
    if (name === undefined) throw awsErrors.validation('Either StreamName or StreamARN must be provided.');
    const stream = this.streams.get(name);
    if (!stream || (input.StreamARN !== undefined && input.StreamARN !== stream.meta.arn)) {
      const accountId = stream?.meta.accountId ?? this.options.accountId;
      throw awsErrors.resourceNotFound(notFound ? notFound(name, accountId) : `Stream ${name} under account ${accountId} not found.`);
    }
    return stream;
  }

  /**
   * Reads a client's shard id as AWS does (shard-id.ts). One that names no shard is refused before the stream
   * is even looked up: AWS reports the shard first, also for an unknown stream.
   */
  resolveShard(input: { StreamName?: string; StreamARN?: string }, text: string): ResolvedShardId {
    const id = resolveShardId(text);
    if (!id) {
      throw awsErrors.resourceNotFound(`Could not find shard ${text} in stream ${this.streamNameIn(input)} under account ${this.options.accountId}.`);
    }
    return id;
  }

  /**
   * The stream and shard a read (GetShardIterator, SubscribeToShard) names, with AWS's words when either is
   * missing: "Shard shardId-… in stream … under account … does not exist". A CREATING stream has no shards yet.
   */
  findShard(input: { StreamName?: string; StreamARN?: string }, text: string): { stream: Stream; shard: Shard } {
    const id = this.resolveShard(input, text);
    const stream = this.find(input, (name, accountId) => `Shard ${id.shardId} in stream ${name} under account ${accountId} does not exist`);
    return { stream, shard: this.shardIn(stream, id) };
  }

  /** The shard `id` names in `stream` ("Shard … does not exist" if none). A CREATING stream has no shards yet. */
  shardIn(stream: Stream, id: ResolvedShardId): Shard {
    const shard = stream.meta.status === 'CREATING' ? undefined : stream.shards.get(id.shardId);
    if (!shard) {
      throw awsErrors.resourceNotFound(`Shard ${id.shardId} in stream ${stream.meta.name} under account ${stream.meta.accountId} does not exist`);
    }
    return shard;
  }

  /** Adds a shard to `stream` (not yet persisted: callers persist once per operation). */
  addShard(stream: Stream, range: { start: bigint; end: bigint }, parents: { parent?: string; adjacent?: string } = {}): Shard {
    const index = stream.meta.nextShardIndex++;
    // A child's sequence numbers carry the second after its creation (Shard.createdSeconds), so they exceed its
    // parents' even when it is split in the second they were created.
    const createdAt = this.clock.now();
    const meta: ShardMeta = {
      shardId: shardIdOf(index),
      index,
      startingHashKey: range.start.toString(),
      endingHashKey: range.end.toString(),
      createdAt,
      ...(parents.parent ? { parentShardId: parents.parent } : {}),
      ...(parents.adjacent ? { adjacentParentShardId: parents.adjacent } : {}),
    };
    stream.meta.shards.push(meta);
    const shard = this.openShard(stream.meta, meta);
    stream.shards.set(meta.shardId, shard);
    return shard;
  }

  closeShard(shard: Shard): void {
    shard.meta.closedAt = this.clock.now();
  }

  openShardCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.openShards.length;
    return n;
  }

  /**
   * Runs `apply` after `delayMs` (or now, when 0), then persists. Used for the status machine and consumer
   * registration; the timers are unref'd and cleared on close.
   */
  later(delayMs: number, apply: () => void): void {
    this.statusTimers.later(delayMs, apply);
  }

  removeStream(stream: Stream): void {
    for (const shard of stream.shards.values()) this.storage.destroyLog(shard.log);
    if (this.streams.get(stream.meta.name) === stream) this.streams.delete(stream.meta.name);
  }

  /**
   * Retention: hides records older than the stream's retention period; drops closed shards whose records have
   * all expired (they no longer appear in ListShards). Cheap enough to call before every read.
   */
  applyRetention(stream: Stream, shard?: Shard): void {
    const cutoff = this.clock.now() - stream.meta.retentionHours * 3600_000;
    const shards = shard ? [shard] : [...stream.shards.values()];
    let removed = false;
    for (const s of shards) {
      const log = s.log;
      if (log.length > log.trimHorizon && log.arrivalOf(log.trimHorizon) < cutoff) log.trimBefore(cutoff);
      if (!shard && !s.open && (s.meta.closedAt as number) < cutoff && log.trimHorizon >= log.length) {
        stream.shards.delete(s.id);
        stream.meta.shards = stream.meta.shards.filter((m) => m.shardId !== s.id);
        this.storage.destroyLog(log);
        removed = true;
      }
    }
    if (removed) this.persist();
  }

  close(): void {
    this.statusTimers.clear();
  }

  private openShard(stream: StreamMeta, meta: ShardMeta): Shard {
    const log = this.storage.openLog(`kds/${stream.name}-${stream.createdAt}/${meta.shardId}`);
    return new Shard(meta, log, this.limits, this.clock);
  }
}
