/**
 * Shard routing: the shard map (ListShards, refreshed by ShardMapRefreshPolicy: on a wrong-shard answer, an
 * incomplete listing, and periodically while records flow), one ShardChannel per open shard plus the unmapped
 * channel, and the predicted shard of a record (MD5 of its partition key or its explicit hash key, looked up in
 * the map; noted in the key's KeyInfo until the next map).
 *
 * A new map keeps the channels of shards that kept their range (with their limiter and in-flight state); the
 * records of the others move, in order, to the channels that own them now, ahead of anything queued there (they
 * are older). A replaced channel with calls in flight stays known (`retiredInFlight`) until they complete, and in
 * ordered mode the channels overlapping it wait for that.
 */
import { classifyCallError } from '@tributary/errors';
import { ShardMapRefreshPolicy, type ShardMap } from '@tributary/partitioning';
import type { RoutingView } from '../batching/batch-builder';
import type { KeyInfo } from '../intake/key-info';
import { ShardRateLimiter } from '../limits/shard-rate-limiter';
import type { ProducerContext } from '../producer/producer-context';
import type { KinesisClientLike } from '../producer/producer-options';
import { ShardChannel, type PendingRecord } from './shard-channel';
import { loadShardMap } from './shard-map-loader';

export class ShardRouter implements RoutingView {
  shardMap: ShardMap | undefined;
  channelList: ShardChannel[];
  retiredInFlight: ShardChannel[] = [];
  /** A put landed on an unexpected shard: no aggregation until the map is refreshed (raw records route themselves). */
  aggregationSuspended = false;
  readonly refreshPolicy: ShardMapRefreshPolicy;
  /** The ListShards call under way, if any. */
  refreshing: Promise<void> | undefined;
  /** Called after each map is installed (the placement checks wait for it). */
  onMapInstalled: () => void = () => undefined;
  private channels = new Map<string, ShardChannel>();
  private unmapped: ShardChannel;
  private refreshFailedBeforeFirstMap = false;
  /** Bumped by every shard map: the routes noted in KeyInfo are valid while theirs equals it. */
  private routeVersion = 0;

  constructor(
    private readonly ctx: ProducerContext,
    private readonly client: KinesisClientLike,
  ) {
    this.refreshPolicy = new ShardMapRefreshPolicy({
      clock: ctx.clock,
      minIntervalMs: ctx.o.shardMapMinIntervalMs,
      maxAgeMs: ctx.o.shardMapMaxAgeMs,
    });
    this.unmapped = ShardChannel.unmapped();
    this.channelList = [this.unmapped];
  }

  get awaitingFirstMap(): boolean {
    return this.shardMap === undefined && !this.refreshFailedBeforeFirstMap;
  }

  /** Per shard: the current fraction of the configured rate. */
  rateFactors(): Record<string, number> {
    const rates: Record<string, number> = {};
    for (const ch of this.channels.values()) if (ch.limiter && ch.shardId) rates[ch.shardId] = ch.limiter.rateFactor();
    return rates;
  }

  /** route(r.hashKey), noted in the partition key's KeyInfo until the next shard map. */
  routeOf(r: PendingRecord): ShardChannel {
    if (r.explicitHashKey !== undefined) return this.route(r.hashKey);
    const key: KeyInfo = r.key;
    if (key.routeVersion === this.routeVersion) return key.channel as ShardChannel;
    const ch = this.route(r.hashKey);
    key.channel = ch;
    key.routeVersion = this.routeVersion;
    return ch;
  }

  private route(hashKey: bigint): ShardChannel {
    const map = this.shardMap;
    if (map === undefined) return this.unmapped;
    const shard = map.shardFor(hashKey);
    return (shard && this.channels.get(shard.shardId)) || this.unmapped;
  }

  /** Records by the channel that owns their hash key now, each group in the order given. */
  groupByRoute(records: Iterable<PendingRecord>): Map<ShardChannel, PendingRecord[]> {
    const byChannel = new Map<ShardChannel, PendingRecord[]>();
    for (const r of records) {
      const ch = this.routeOf(r);
      const list = byChannel.get(ch);
      if (list) list.push(r);
      else byChannel.set(ch, [r]);
    }
    return byChannel;
  }

  /** Forgets retired channels whose calls have all completed. */
  pruneRetired(): void {
    if (this.retiredInFlight.length > 0) this.retiredInFlight = this.retiredInFlight.filter((ch) => ch.inFlight > 0);
  }

  /**
   * When the next refresh is due, if one is wanted and worth a timer: a wrong-shard answer is worth a refresh even
   * when idle; other reasons wait for traffic (`hasWork`), and the periodic one for a put.
   */
  refreshDueAt(now: number, hasWork: boolean): number {
    const reason = this.refreshPolicy.reason;
    if (reason === undefined || this.refreshing) return Infinity;
    if (reason === 'wrong-shard' || (reason !== 'max-age' && hasWork)) return now + this.refreshPolicy.delayMs();
    return Infinity;
  }

  /** Starts a ListShards refresh when one is wanted and due. */
  maybeRefresh(): void {
    if (this.refreshing) return;
    const policy = this.refreshPolicy;
    const reason = policy.reason;
    if (reason === undefined || policy.delayMs() > 0) return;
    policy.started();
    const { o, timers } = this.ctx;
    const controller = new AbortController();
    const timeout = timers.setTimeout(() => controller.abort(), o.requestTimeoutMs);
    const stream = { streamName: o.streamName, streamArn: o.streamArn };
    this.refreshing = loadShardMap(this.client, stream, (this.shardMap?.version ?? 0) + 1, controller.signal)
      .then(
        (map) => this.installMap(map, reason),
        (err: unknown) => this.refreshFailed(err),
      )
      .finally(() => {
        timers.clearTimeout(timeout);
        this.refreshing = undefined;
        this.ctx.pump.queue();
      });
  }

  private refreshFailed(err: unknown): void {
    const policy = this.refreshPolicy;
    policy.failed();
    if (!this.shardMap) this.refreshFailedBeforeFirstMap = true;
    const failure = classifyCallError(err);
    this.ctx.logger.debug({ err, code: failure.code, failures: policy.failures }, 'ListShards failed; records go unaggregated to their shard until it works');
    this.ctx.events.emit('shard-map-error', {
      streamName: this.ctx.o.streamName,
      code: failure.code,
      message: failure.message,
      consecutiveFailures: policy.failures,
    });
  }

  /** Switches to a new map (see the file's comment). */
  private installMap(map: ShardMap, reason: string): void {
    const changed = this.refreshPolicy.succeeded(map);
    const first = this.shardMap === undefined;
    this.shardMap = map;
    this.routeVersion++;
    this.refreshFailedBeforeFirstMap = false;
    this.aggregationSuspended = false;
    if (changed || first) this.replaceChannels(map);
    this.onMapInstalled();
    this.ctx.logger.info({ version: map.version, shards: map.size, complete: map.complete, changed, reason }, 'shard map loaded');
    this.ctx.events.emit('shard-map', { streamName: this.ctx.o.streamName, version: map.version, shards: map.size, complete: map.complete, changed, reason });
  }

  private replaceChannels(map: ShardMap): void {
    const old = this.channelList;
    const next = new Map<string, ShardChannel>();
    for (const s of map.shards) {
      const existing = this.channels.get(s.shardId);
      next.set(s.shardId, existing && existing.start === s.start && existing.end === s.end ? existing : this.newChannel(s.shardId, s.start, s.end));
    }
    this.channels = next;
    this.unmapped = ShardChannel.unmapped();
    this.channelList = [...next.values(), this.unmapped];
    for (const ch of old) {
      if (next.get(ch.shardId ?? '') === ch) continue;
      ch.retired = true;
      if (ch.inFlight > 0) this.retiredInFlight.push(ch);
      if (ch.queue.length === 0) continue;
      const moved = ch.queue.drain();
      ch.queuedBytes = 0;
      for (const [target, list] of this.groupByRoute(moved)) {
        target.unshiftAll(list);
        if (ch.blockedUntil > target.blockedUntil) target.blockedUntil = ch.blockedUntil;
      }
    }
  }

  private newChannel(shardId: string, start: bigint, end: bigint): ShardChannel {
    const o = this.ctx.o;
    const limiter = new ShardRateLimiter({
      recordsPerSecond: o.shardRecordsPerSecond,
      bytesPerSecond: o.shardBytesPerSecond,
      decreaseFactor: o.throttleDecreaseFactor,
      recoveryPerSecond: o.throttleRecoveryPerSecond,
      minRateFactor: o.throttleMinRateFactor,
      clock: this.ctx.clock,
    });
    return new ShardChannel(shardId, start, end, limiter);
  }
}
