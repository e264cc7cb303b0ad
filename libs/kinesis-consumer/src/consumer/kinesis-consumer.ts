/**
 * KinesisConsumer: one worker of a consumer application (KCL's Scheduler). Workers of the same application
 * (same `applicationName` = lease table) share the stream's shards through DynamoDB leases; each leased shard is
 * read and handled by a ShardConsumer. The worker wires the parts together and owns their life cycle:
 *
 *   LeaseTable (DynamoDB) ← LeaseCoordinator (renew, take, steal) → leaseAcquired → ShardConsumer
 *   ShardSyncer (ListShards → missing leases): at start, every shardSyncIntervalMs, and at once after a shard end
 *   RecordSourceFactory: polling (GetRecords) or enhanced fan-out (SubscribeToShard over shared HTTP/2 sessions)
 *   BatchProcessor: the user's handler with retries, bisection, max age and the dead-letter destination
 *
 * stop() is the graceful handoff: no new leases, each shard finishes its handler call, writes its last done
 * record and releases its lease in one conditional write, so another worker resumes it at its next taker run
 * instead of after the failover time.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { classifyCallError, isAwsError } from '@tributary/errors';
import { HashKeyCache } from '@tributary/partitioning';
import { ConsumerError, DependencyError, type BatchOutcome } from '../consumer-error';
import {
  noopLogger,
  systemClock,
  systemTimers,
  type Checkpoint,
  type Clock,
  type ConsumerRecord,
  type Lease,
  type Logger,
  type RecordSourceFactory,
  type Timers,
} from '../consumer-types';
import { CONSUMER_DEFAULTS } from '../defaults';
import type { LeaseCoordinator, LeaseLostInfo, LeaseProtocol } from '../leases/lease-coordinator';
import { createLeaseCoordinator } from '../leases/heartbeat-coordinator';
import { LeaseTable } from '../leases/lease-table';
import { BatchProcessor } from '../processing/batch-processor';
import type { CheckpointAfter } from '../processing/checkpoint-policy';
import type { FailureOrigin } from '../processing/failure-classifier';
import type { BatchHandler, DeadLetterSink, ProcessingDeadLetterEvent, ProcessingRetryEvent, RetryBackoff } from '../processing/processing-types';
import { FanOutRecordSourceFactory, type FanOutKinesisClient } from '../retrieval/fan-out-record-source';
import { createConsumerKinesisClient, type ConsumerClientOptions } from '../retrieval/kinesis-clients';
import { PollingRecordSourceFactory } from '../retrieval/polling-record-source';
import type { InitialPosition } from '../shards/shard-sync-planner';
import { ShardSyncer } from '../shards/shard-syncer';
import { ServiceHealth, serviceOf, type ConsumerService, type ServiceStatus } from './service-health';
import { ShardConsumer, toConsumerError, type ShardBatchEvent, type ShardConsumerExit } from './shard-consumer';

export interface KinesisConsumerOptions {
  /** The stream, by name or ARN (one of the two). */
  streamName?: string;
  streamArn?: string;
  /** The application: names the lease table (as KCL does) and, by default, the enhanced fan-out consumer. */
  applicationName: string;
  /** Default `${hostname}:${pid}:${random}`. */
  workerId?: string;
  handler: BatchHandler;
  /** Polling and control calls. Default: keep-alive HTTP/1.1 client from the standard AWS environment. */
  kinesisClient?: KinesisClient;
  /** SubscribeToShard. Default: a client on multiplexed HTTP/2 sessions from the same environment. */
  fanOutClient?: FanOutKinesisClient;
  /** Region, endpoint, credentials for the clients the consumer creates (default: the SDK's own resolution). */
  clientOptions?: ConsumerClientOptions;
  dynamoClient?: DynamoDBClient;
  retrieval?: 'polling' | 'fan-out';
  /** The registered stream consumer (fan-out). Default: applicationName. */
  consumerName?: string;
  /** Where a shard without a checkpoint starts. Default TRIM_HORIZON (children of a split always start at their own horizon). */
  initialPosition?: InitialPosition;
  /** Most user records per handler call. */
  batchSize?: number;
  checkpointAfter?: CheckpointAfter;
  maximumRetryAttempts?: number;
  bisectBatchOnFunctionError?: boolean;
  maximumRecordAgeInSeconds?: number;
  retryBackoff?: Partial<RetryBackoff>;
  /** Whose failure a handler error is; platform failures spend no retry budget (default classifyHandlerFailure). */
  classifyFailure?: (error: unknown) => FailureOrigin;
  onFailure?: DeadLetterSink;
  /**
   * The lease protocol (default 'heartbeat': one heartbeat write per worker per renewal interval instead of one per
   * lease; see LeaseProtocol). 'per-lease' is KCL 2's. Both kinds of worker can share a table during a rolling
   * restart from one to the other.
   */
  leaseProtocol?: LeaseProtocol;
  /** Coalesces a shard's checkpoint writes: at most one per this many ms (default 5,000; 0: every request at once). */
  checkpointIntervalMs?: number;
  failoverTimeMs?: number;
  takerIntervalMs?: number;
  maxLeasesForWorker?: number;
  maxLeasesToStealAtOneTime?: number;
  shardSyncIntervalMs?: number;
  parentPollMs?: number;
  /** Polling: wait between GetRecords calls once caught up (default 200 ms, KCL 3's minimum). */
  idleTimeBetweenReadsMs?: number;
  /** Polling: GetRecords Limit (default 10,000). */
  maxRecordsPerCall?: number;
  shutdownTimeoutMs?: number;
  clock?: Clock;
  timers?: Timers;
  random?: () => number;
  logger?: Logger;
}

export interface ShardStats {
  shardId: string;
  millisBehindLatest?: number;
  checkpoint: Checkpoint;
  /** User records whose handler call succeeded (dead-lettered ones are counted in `deadLettered`). */
  recordsProcessed: number;
}

export interface ConsumerStats {
  workerId: string;
  state: ConsumerState;
  leasesHeld: string[];
  shards: ShardStats[];
  recordsProcessed: number;
  deadLettered: number;
  retries: number;
  /** Whether Kinesis and DynamoDB (the lease table) answer, as this worker's calls see them. */
  services: ServiceStatus[];
}

export type ConsumerState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface BatchProcessedEvent extends ShardBatchEvent {
  workerId: string;
}

export interface KinesisConsumerEvents {
  leaseAcquired: [event: { workerId: string; shardId: string; stolen: boolean; previousOwner?: string }];
  leaseLost: [event: { workerId: string; shardId: string; reason: LeaseLostInfo['reason'] }];
  batchProcessed: [event: BatchProcessedEvent];
  checkpointed: [event: { workerId: string; shardId: string; checkpoint: Checkpoint }];
  retry: [event: ProcessingRetryEvent];
  deadLettered: [event: ProcessingDeadLetterEvent];
  shardEnded: [event: { workerId: string; shardId: string; childShardIds: string[] }];
  outOfRange: [event: { shardId: string; records: ConsumerRecord[] }];
  /** A service's calls started failing (once per outage; the worker logs it too). */
  serviceDown: [event: { workerId: string; service: ConsumerService; at: number; error: ConsumerError }];
  /** A service answers again (once per outage). */
  serviceUp: [event: { workerId: string; service: ConsumerService; at: number; downForMs: number; failures: number }];
  /** Every failure, as it happens. Logged by the worker once (at warn, debug during a known outage), without a stack. */
  error: [error: ConsumerError];
}

export class KinesisConsumer extends EventEmitter<KinesisConsumerEvents> {
  readonly workerId: string;
  private readonly options: KinesisConsumerOptions;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private stateValue: ConsumerState = 'new';
  private kinesis: KinesisClient | undefined;
  private dynamo: DynamoDBClient | undefined;
  private ownsKinesis = false;
  private ownsDynamo = false;
  private streamName = '';
  private streamArn = '';
  private table: LeaseTable | undefined;
  private coordinator: LeaseCoordinator | undefined;
  private syncer: ShardSyncer | undefined;
  private sources: RecordSourceFactory | undefined;
  private processor: BatchProcessor | undefined;
  private readonly shards = new Map<string, { consumer: ShardConsumer; run: Promise<ShardConsumerExit> }>();
  private syncTimer: unknown;
  private syncing: Promise<void> | undefined;
  private resync = false;
  private stopping: Promise<void> | undefined;
  private totals = { recordsProcessed: 0, deadLettered: 0, retries: 0 };
  private readonly health: ServiceHealth;
  /** Partition key → hash key for the out-of-range check of aggregated records, shared by this worker's shards. */
  private readonly hashKeys = new HashKeyCache(100_000);

  constructor(options: KinesisConsumerOptions) {
    super();
    validate(options);
    this.options = options;
    this.workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.logger = (options.logger ?? noopLogger).child({ component: 'kinesis-consumer', workerId: this.workerId });
    this.health = new ServiceHealth(this.clock.now());
  }

  get state(): ConsumerState {
    return this.stateValue;
  }

  /**
   * Creates the lease table if missing, creates leases for the stream's shards, registers the fan-out consumer
   * if that mode is chosen, and takes a first share of leases. Rejects (and cleans up) when the stream or the
   * table cannot be used.
   */
  async start(): Promise<void> {
    if (this.stateValue !== 'new') throw new ConsumerError('INTERNAL', `start() called when ${this.stateValue}.`, false);
    this.stateValue = 'starting';
    const o = this.options;
    try {
      this.kinesis = o.kinesisClient ?? createConsumerKinesisClient(o.clientOptions);
      this.ownsKinesis = o.kinesisClient === undefined;
      this.dynamo = o.dynamoClient ?? new DynamoDBClient(dynamoConfig(o.clientOptions));
      this.ownsDynamo = o.dynamoClient === undefined;
      await this.resolveStream();
      this.table = new LeaseTable({ client: this.dynamo, tableName: o.applicationName, logger: this.logger, clock: this.clock, timers: this.timers });
      await this.table.ensureTable();
      if ((o.leaseProtocol ?? CONSUMER_DEFAULTS.leaseProtocol) === 'heartbeat') await this.table.ensureHeartbeatTable();
      this.syncer = new ShardSyncer({
        kinesisClient: this.kinesis,
        store: this.table,
        streamName: this.streamName,
        initialPosition: o.initialPosition ?? CONSUMER_DEFAULTS.initialPosition,
        logger: this.logger,
      });
      await this.syncer.sync();
      this.sources = this.createSources();
      if (this.sources instanceof FanOutRecordSourceFactory) await this.sources.ensureConsumer(this.streamArn);
      this.processor = new BatchProcessor({
        handler: o.handler,
        maximumRetryAttempts: o.maximumRetryAttempts,
        bisectBatchOnFunctionError: o.bisectBatchOnFunctionError,
        maximumRecordAgeInSeconds: o.maximumRecordAgeInSeconds,
        retryBackoff: o.retryBackoff,
        ...(o.classifyFailure ? { classifyFailure: o.classifyFailure } : {}),
        onFailure: o.onFailure,
        clock: this.clock,
        timers: this.timers,
        random: o.random,
        logger: this.logger,
        onRetry: (event) => {
          this.totals.retries++;
          this.emit('retry', event);
        },
        onDeadLettered: (event) => {
          this.totals.deadLettered += event.entries.length;
          this.emit('deadLettered', event);
        },
      });
      this.coordinator = this.createCoordinator();
      this.stateValue = 'running';
      await this.coordinator.start();
      this.scheduleSync();
      this.logger.info({ stream: this.streamName, retrieval: o.retrieval ?? CONSUMER_DEFAULTS.retrieval, leases: this.coordinator.heldLeaseKeys().length }, 'consumer started');
    } catch (err) {
      const error = toConsumerError(err);
      this.stateValue = 'stopping';
      await this.teardown();
      this.stateValue = 'stopped';
      throw error;
    }
  }

  /** Graceful stop: final checkpoints and lease releases, so other workers take the shards over at once. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  stats(): ConsumerStats {
    return {
      workerId: this.workerId,
      state: this.stateValue,
      leasesHeld: this.coordinator?.heldLeaseKeys() ?? [],
      shards: [...this.shards.values()].map((s) => s.consumer.stats),
      ...this.totals,
      services: this.health.status(),
    };
  }

  private async doStop(): Promise<void> {
    if (this.stateValue === 'new') {
      this.stateValue = 'stopped';
      return;
    }
    if (this.stateValue === 'stopped') return;
    this.stateValue = 'stopping';
    if (this.syncTimer !== undefined) this.timers.clearTimeout(this.syncTimer);
    const runs = [...this.shards.values()];
    for (const s of runs) s.consumer.stop();
    let bound: unknown;
    const timeout = new Promise<'timeout'>((resolve) => (bound = this.timers.setTimeout(() => resolve('timeout'), this.options.shutdownTimeoutMs ?? CONSUMER_DEFAULTS.shutdownTimeoutMs)));
    const outcome = await Promise.race([Promise.all(runs.map((s) => s.run.catch(() => undefined))), timeout]);
    this.timers.clearTimeout(bound);
    if (outcome === 'timeout') this.logger.warn({ shards: runs.map((s) => s.consumer.shardId) }, 'graceful stop timed out; unreleased leases will expire');
    await this.teardown();
    this.stateValue = 'stopped';
    this.logger.info({}, 'consumer stopped');
  }

  private async teardown(): Promise<void> {
    // Leases still held (waiting on parents, or a shard that did not finish in time) are released too.
    await this.coordinator?.stop({ release: true }).catch(() => undefined);
    await this.syncing?.catch(() => undefined);
    await this.sources?.close().catch(() => undefined);
    if (this.ownsKinesis) this.kinesis?.destroy();
    if (this.ownsDynamo) this.dynamo?.destroy();
  }

  private async resolveStream(): Promise<void> {
    const o = this.options;
    const out = await need(this.kinesis, 'kinesis').send(
      new DescribeStreamSummaryCommand(o.streamArn ? { StreamARN: o.streamArn } : { StreamName: o.streamName }),
    ).catch((err: unknown) => {
      const { code, message, retriable } = classifyCallError(err);
      const text = `Stream ${o.streamArn ?? o.streamName} cannot be described: ${code}: ${message}`;
      if (isAwsError(err, 'ResourceNotFoundException')) throw new ConsumerError('SHARD_NOT_FOUND', text, false, { cause: err });
      throw new DependencyError('DescribeStreamSummary', code, text, retriable, { cause: err });
    });
    this.streamName = out.StreamDescriptionSummary?.StreamName ?? o.streamName ?? '';
    this.streamArn = out.StreamDescriptionSummary?.StreamARN ?? o.streamArn ?? '';
  }

  private createSources(): RecordSourceFactory {
    const o = this.options;
    if ((o.retrieval ?? CONSUMER_DEFAULTS.retrieval) === 'fan-out') {
      return new FanOutRecordSourceFactory({
        // Without a client of the user's, the factory builds its own (multiplexed HTTP/2) and destroys it on close.
        ...(o.fanOutClient ? { client: o.fanOutClient } : { clientOptions: o.clientOptions }),
        consumerName: o.consumerName ?? o.applicationName,
        streamArn: this.streamArn,
        clock: this.clock,
        timers: this.timers,
        logger: this.logger,
        random: o.random,
      });
    }
    return new PollingRecordSourceFactory({
      client: need(this.kinesis, 'kinesis'),
      maxRecords: o.maxRecordsPerCall,
      idleTimeBetweenReadsMs: o.idleTimeBetweenReadsMs,
      clock: this.clock,
      timers: this.timers,
      logger: this.logger,
      random: o.random,
    });
  }

  private createCoordinator(): LeaseCoordinator {
    const o = this.options;
    const coordinator = createLeaseCoordinator({
      store: need(this.table, 'table'),
      protocol: o.leaseProtocol ?? CONSUMER_DEFAULTS.leaseProtocol,
      workerId: this.workerId,
      failoverTimeMs: o.failoverTimeMs ?? CONSUMER_DEFAULTS.failoverTimeMs,
      takerIntervalMs: o.takerIntervalMs ?? CONSUMER_DEFAULTS.takerIntervalMs,
      maxLeasesForWorker: o.maxLeasesForWorker,
      maxLeasesToStealAtOneTime: o.maxLeasesToStealAtOneTime ?? CONSUMER_DEFAULTS.maxLeasesToStealAtOneTime,
      // Written on the lease item with each renewal (dashboards read lag and throughput from the lease table).
      progress: (leaseKey) => {
        const stats = this.shards.get(leaseKey)?.consumer.stats;
        if (stats === undefined) return undefined;
        return stats.millisBehindLatest === undefined ? { recordsProcessed: stats.recordsProcessed } : { millisBehindLatest: stats.millisBehindLatest, recordsProcessed: stats.recordsProcessed };
      },
      random: o.random,
      clock: this.clock,
      timers: this.timers,
      logger: this.logger,
    });
    coordinator.on('leaseAcquired', (lease, info) => {
      this.emit('leaseAcquired', { workerId: this.workerId, shardId: lease.leaseKey, stolen: info.stolen, previousOwner: info.previousOwner });
      if (this.stateValue !== 'running') {
        // Taken by a taker run that raced stop(): hand it straight back.
        void coordinator.release(lease.leaseKey).catch(() => undefined);
        return;
      }
      this.startShard(lease);
    });
    coordinator.on('leaseLost', (leaseKey, info) => {
      this.emit('leaseLost', { workerId: this.workerId, shardId: leaseKey, reason: info.reason });
      this.shards.get(leaseKey)?.consumer.leaseLost();
    });
    // Heartbeat protocol: another worker asked for this shard; finish the batch, checkpoint, hand it over.
    coordinator.on('handoffRequested', (leaseKey) => {
      const shard = this.shards.get(leaseKey);
      if (shard) shard.consumer.stop();
      else void coordinator.release(leaseKey).catch(() => undefined);
    });
    // Handed over while running (a graceful handoff): for the application the shard is gone, as after a steal.
    coordinator.on('leaseReleased', (leaseKey) => {
      if (this.stateValue === 'running') this.emit('leaseLost', { workerId: this.workerId, shardId: leaseKey, reason: 'handed-off' });
    });
    coordinator.on('renewalFailed', (_key, error) => this.emitError(error));
    coordinator.on('takerFailed', (error) => this.emitError(error));
    // The taker lists the lease table every takerIntervalMs: the heartbeat that tells DynamoDB answers again.
    coordinator.on('takerRun', () => this.serviceAnswered('dynamodb'));
    return coordinator;
  }

  private startShard(lease: Lease): void {
    const o = this.options;
    const existing = this.shards.get(lease.leaseKey);
    if (existing) existing.consumer.leaseLost();
    const consumer = new ShardConsumer({
      lease,
      streamName: this.streamName,
      streamArn: this.streamArn,
      sources: need(this.sources, 'sources'),
      processor: need(this.processor, 'processor'),
      leases: need(this.coordinator, 'coordinator'),
      store: need(this.table, 'table'),
      checkpointAfter: o.checkpointAfter ?? 'batch',
      checkpointIntervalMs: o.checkpointIntervalMs ?? CONSUMER_DEFAULTS.checkpointIntervalMs,
      batchSize: o.batchSize ?? CONSUMER_DEFAULTS.batchSize,
      parentPollMs: o.parentPollMs ?? CONSUMER_DEFAULTS.parentPollMs,
      failedShardBackoffMs: CONSUMER_DEFAULTS.failedShardBackoffMs,
      failedShardBackoffMaxMs: CONSUMER_DEFAULTS.failedShardBackoffMaxMs,
      clock: this.clock,
      timers: this.timers,
      logger: this.logger.child({ shardId: lease.leaseKey }),
      hashKeys: this.hashKeys,
      hooks: {
        onBatch: (event) => this.emit('batchProcessed', { ...event, workerId: this.workerId }),
        onOutcome: (_shardId, outcome: BatchOutcome) => {
          this.totals.recordsProcessed += outcome.handled;
        },
        onCheckpoint: (shardId, checkpoint) => {
          this.serviceAnswered('dynamodb');
          this.emit('checkpointed', { workerId: this.workerId, shardId, checkpoint });
        },
        onRead: () => this.serviceAnswered('kinesis'),
        onOutOfRange: (shardId, records) => this.emit('outOfRange', { shardId, records }),
        onMalformed: (shardId, count) => this.logger.warn({ shardId, count }, 'malformed KPL aggregates passed through as plain records'),
        onError: (_shardId, error) => this.emitError(error),
      },
    });
    const entry = { consumer, run: consumer.run() };
    this.shards.set(lease.leaseKey, entry);
    entry.run
      .then((exit) => this.shardFinished(lease.leaseKey, entry, exit))
      .catch((err: unknown) => {
        if (this.shards.get(lease.leaseKey) === entry) this.shards.delete(lease.leaseKey);
        this.emitError(toConsumerError(err));
      });
  }

  private shardFinished(shardId: string, entry: { consumer: ShardConsumer }, exit: ShardConsumerExit): void {
    if (this.shards.get(shardId) === entry) this.shards.delete(shardId);
    if (exit.kind !== 'shard-end') return;
    const childShardIds = exit.childShards.map((c) => c.ShardId ?? '').filter((id) => id !== '');
    this.emit('shardEnded', { workerId: this.workerId, shardId, childShardIds });
    // Children waiting on this parent here look again at once; new child leases are created and taken now.
    for (const s of this.shards.values()) s.consumer.parentsMayBeDone();
    if (this.stateValue === 'running') void this.syncShards().then(() => this.coordinator?.takeLeasesNow().catch(() => undefined));
  }

  private syncShards(): Promise<void> {
    if (this.syncing) {
      this.resync = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.resync = false;
        try {
          await need(this.syncer, 'syncer').sync();
          this.serviceAnswered('kinesis');
        } catch (err) {
          this.emitError(toConsumerError(err));
        }
      } while (this.resync && this.stateValue === 'running');
    })().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private scheduleSync(): void {
    if (this.stateValue !== 'running') return;
    this.syncTimer = this.timers.setTimeout(() => {
      void this.syncShards().finally(() => this.scheduleSync());
    }, this.options.shardSyncIntervalMs ?? CONSUMER_DEFAULTS.shardSyncIntervalMs);
  }

  private emitError(error: ConsumerError): void {
    // Logged here once (the parts that report errors up log them at debug), without a stack: during an outage
    // the outage is the news, logged when it starts and when it ends, not each failed call.
    const service = serviceOf(error);
    const transition = service === undefined ? undefined : this.health.failed(service, error, this.clock.now());
    if (transition?.kind === 'down') {
      this.logger.warn({ service: transition.service, code: error instanceof DependencyError ? error.awsCode : error.code, err: error.message }, `${transition.service} is failing (logged once per outage; its recovery is logged too)`);
      this.emit('serviceDown', { workerId: this.workerId, service: transition.service, at: transition.at, error });
    } else if (service !== undefined && this.health.isDown(service)) {
      this.logger.debug({ service, code: error.code, err: error.message }, 'consumer error (known outage)');
    } else {
      this.logger.warn({ code: error.code, retriable: error.retriable, err: error.message }, 'consumer error');
    }
    // An 'error' event without a listener would throw (EventEmitter); errors here are reports, not crashes.
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** A call to `service` succeeded: ends its outage, if any (logged and emitted once). */
  private serviceAnswered(service: ConsumerService): void {
    const transition = this.health.succeeded(service, this.clock.now());
    if (transition?.kind !== 'up') return;
    this.logger.info({ service, downForMs: transition.downForMs, failures: transition.failures }, `${service} answers again`);
    this.emit('serviceUp', { workerId: this.workerId, service, at: transition.at, downForMs: transition.downForMs, failures: transition.failures });
  }
}

/** The parts exist from start() on; a call before that is a bug. */
function need<T>(part: T | undefined, name: string): T {
  if (part === undefined) throw new ConsumerError('INTERNAL', `KinesisConsumer: ${name} used before start().`, false);
  return part;
}

function dynamoConfig(options: ConsumerClientOptions | undefined): DynamoDBClientConfig {
  return {
    ...(options?.region ? { region: options.region } : {}),
    ...(options?.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options?.credentials ? { credentials: options.credentials } : {}),
  };
}

function validate(o: KinesisConsumerOptions): void {
  const bad = (setting: string, why: string): never => {
    throw new ConsumerError('INVALID_OPTION', `${setting} ${why}`, false);
  };
  if (!o || typeof o !== 'object') bad('options', 'must be an object.');
  if (!o.streamName === !o.streamArn) bad('streamName/streamArn', 'give exactly one of the two.');
  if (typeof o.applicationName !== 'string' || !/^[a-zA-Z0-9_.-]{3,255}$/.test(o.applicationName)) {
    bad('applicationName', 'must be 3-255 characters of [a-zA-Z0-9_.-] (it names the DynamoDB lease table).');
  }
  if (typeof o.handler !== 'function') bad('handler', 'must be an async function (records, context).');
  if (o.retrieval !== undefined && o.retrieval !== 'polling' && o.retrieval !== 'fan-out') bad('retrieval', "must be 'polling' or 'fan-out'.");
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && o.batchSize >= 1 && o.batchSize <= 10_000)) bad('batchSize', 'must be an integer from 1 to 10,000.');
  if (o.failoverTimeMs !== undefined && !(Number.isFinite(o.failoverTimeMs) && o.failoverTimeMs >= 100)) bad('failoverTimeMs', 'must be at least 100 ms.');
  if (o.leaseProtocol !== undefined && o.leaseProtocol !== 'per-lease' && o.leaseProtocol !== 'heartbeat') bad('leaseProtocol', "must be 'per-lease' or 'heartbeat'.");
  if (o.checkpointIntervalMs !== undefined && !(Number.isFinite(o.checkpointIntervalMs) && o.checkpointIntervalMs >= 0)) bad('checkpointIntervalMs', 'must be a number of ms >= 0.');
  if (o.takerIntervalMs !== undefined && !(Number.isFinite(o.takerIntervalMs) && o.takerIntervalMs > 0)) bad('takerIntervalMs', 'must be a positive number of ms.');
}
