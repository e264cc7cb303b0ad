/**
 * Enhanced fan-out retrieval (RegisterStreamConsumer + SubscribeToShard), one subscription chain per lease
 * (kds-reference.md §2).
 *
 * - Consumer registration, once per stream: DescribeStreamConsumer; when absent RegisterStreamConsumer (a
 *   ResourceInUseException means another worker registered it first → describe again); then poll until ACTIVE
 *   with growing intervals, bounded by `registrationTimeoutMs`.
 * - open(): SubscribeToShard from the checkpoint (starting-position.ts: AT_SEQUENCE_NUMBER for a sequence
 *   checkpoint — the caller skips what it already processed — TRIM_HORIZON, LATEST, AT_TIMESTAMP).
 * - next(): one SubscribeToShardEvent → one batch (records, MillisBehindLatest). Heartbeat events come back as
 *   empty batches. Every event's ContinuationSequenceNumber is kept; when a subscription ends (its 5-minute
 *   lifetime, a dropped connection, a takeover), the next subscription starts AFTER_SEQUENCE_NUMBER of it, so
 *   nothing is lost or repeated across renewals.
 * - Subscribe rules: at most one call per second per shard (LimitExceededException otherwise); a
 *   ResourceInUseException (another subscription still active: within its first 5 s the service refuses a new
 *   one; after, the new one takes over and the old one ends with ResourceInUse) → backoff with jitter, retry.
 * - Shard end: an event without ContinuationSequenceNumber, with ChildShards → a `shardEnd` batch; later calls
 *   answer shard end again.
 * - Backpressure: pull-based. An event is read from the SDK's async iterable only when next() is called; while
 *   the handler works nothing is read, the HTTP/2 stream's window fills and the service stops sending (no
 *   unbounded read-ahead; the transport buffers at most the stream window, 1 MiB by default). With the
 *   MultiplexedHttp2Handler a paused subscription does not stall the others sharing its connection.
 * - A subscription silent for `eventTimeoutMs` (no heartbeat either) is taken for a dead connection and replaced.
 * - Failures: a missing stream/shard/consumer ends the source (SHARD_NOT_FOUND), other permanent errors with a
 *   non-retriable DependencyError; transient ones back off, and every `failuresBeforeReport` in a row next()
 *   rejects with a retriable DependencyError (the source stays usable).
 */
import {
  DescribeStreamConsumerCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  type ChildShard,
  type DescribeStreamConsumerCommandOutput,
  type RegisterStreamConsumerCommandOutput,
  type SubscribeToShardCommandOutput,
  type SubscribeToShardEvent,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import { ConsumerError, DependencyError } from '../consumer-error';
import {
  noopLogger,
  systemClock,
  systemTimers,
  type Checkpoint,
  type Clock,
  type Logger,
  type RecordSourceFactory,
  type RetrievedBatch,
  type ShardRecordSource,
  type Timers,
} from '../consumer-types';
import { abortedPromise } from './aborted-promise';
import { createFanOutKinesisClient, type ConsumerClientOptions } from './kinesis-clients';
import { equalJitterDelayMs, sleep } from '@tributary/runtime';
import { RETRIEVAL_DEFAULTS } from '../defaults';
import { classifyRetrievalError, retrievalError, shutdownError, type RetrievalFailure } from './retrieval-errors';
import { afterSequence, iteratorStartOf, toStartingPosition, type IteratorStart } from './starting-position';

type SendOptions = { abortSignal?: AbortSignal };

/** The calls fan-out makes; `KinesisClient` satisfies it. */
export interface FanOutKinesisClient {
  send(command: SubscribeToShardCommand, options?: SendOptions): Promise<SubscribeToShardCommandOutput>;
  send(command: RegisterStreamConsumerCommand, options?: SendOptions): Promise<RegisterStreamConsumerCommandOutput>;
  send(command: DescribeStreamConsumerCommand, options?: SendOptions): Promise<DescribeStreamConsumerCommandOutput>;
  destroy?(): void;
}

export interface FanOutRecordSourceOptions {
  /**
   * The client for SubscribeToShard and the consumer registration. It must speak HTTP/2 (SubscribeToShard is
   * HTTP/2-only); give it a MultiplexedHttp2Handler (createFanOutKinesisClient) so that subscriptions share
   * connections. Default: createFanOutKinesisClient(clientOptions), destroyed by close().
   */
  client?: FanOutKinesisClient;
  clientOptions?: ConsumerClientOptions;
  /** The registered stream consumer's name (KCL uses the application name). */
  consumerName: string;
  /** Known up front: lets `ensureConsumer()` register before the first open(). */
  streamArn?: string;
  registrationTimeoutMs?: number;
  registrationPollMs?: number;
  registrationPollMaxMs?: number;
  minSubscribeIntervalMs?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  eventTimeoutMs?: number;
  failuresBeforeReport?: number;
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
  random?: () => number;
}

type Settings = Required<
  Pick<
    FanOutRecordSourceOptions,
    | 'registrationTimeoutMs'
    | 'registrationPollMs'
    | 'registrationPollMaxMs'
    | 'minSubscribeIntervalMs'
    | 'retryBaseDelayMs'
    | 'retryMaxDelayMs'
    | 'eventTimeoutMs'
    | 'failuresBeforeReport'
    | 'clock'
    | 'timers'
    | 'logger'
    | 'random'
  >
>;

export interface FanOutSourceStats {
  subscriptions: number;
  events: number;
  heartbeats: number;
  records: number;
  subscribeFailures: number;
  streamFailures: number;
  eventTimeouts: number;
  millisBehindLatest: number | undefined;
}

export class FanOutRecordSourceFactory implements RecordSourceFactory {
  readonly client: FanOutKinesisClient;
  private readonly ownsClient: boolean;
  private readonly s: Settings;
  private readonly consumers = new Map<string, Promise<string>>();
  private readonly sources = new Set<FanOutShardRecordSource>();
  private readonly stop = new AbortController();
  private closed = false;

  constructor(private readonly options: FanOutRecordSourceOptions) {
    if (!options.consumerName || !/^[a-zA-Z0-9_.-]{1,128}$/.test(options.consumerName)) {
      throw new ConsumerError('INVALID_OPTION', `consumerName must be 1-128 characters of [a-zA-Z0-9_.-]; got '${options.consumerName}'.`, false);
    }
    const d = RETRIEVAL_DEFAULTS.fanOut;
    this.s = {
      registrationTimeoutMs: options.registrationTimeoutMs ?? d.registrationTimeoutMs,
      registrationPollMs: options.registrationPollMs ?? d.registrationPollMs,
      registrationPollMaxMs: options.registrationPollMaxMs ?? d.registrationPollMaxMs,
      minSubscribeIntervalMs: options.minSubscribeIntervalMs ?? d.minSubscribeIntervalMs,
      retryBaseDelayMs: options.retryBaseDelayMs ?? d.retryBaseDelayMs,
      retryMaxDelayMs: options.retryMaxDelayMs ?? d.retryMaxDelayMs,
      eventTimeoutMs: options.eventTimeoutMs ?? d.eventTimeoutMs,
      failuresBeforeReport: options.failuresBeforeReport ?? d.failuresBeforeReport,
      clock: options.clock ?? systemClock,
      timers: options.timers ?? systemTimers,
      logger: options.logger ?? noopLogger,
      random: options.random ?? Math.random,
    };
    if (!(this.s.eventTimeoutMs > 0) || !(this.s.retryBaseDelayMs > 0) || !(this.s.retryMaxDelayMs >= this.s.retryBaseDelayMs)) {
      throw new ConsumerError('INVALID_OPTION', 'Fan-out delays must be positive (retryBaseDelayMs ≤ retryMaxDelayMs).', false);
    }
    if (!Number.isInteger(this.s.failuresBeforeReport) || this.s.failuresBeforeReport < 1) {
      throw new ConsumerError('INVALID_OPTION', 'failuresBeforeReport must be a positive integer.', false);
    }
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? createFanOutKinesisClient(options.clientOptions).client;
  }

  /**
   * The ARN of this factory's stream consumer on `streamArn`, registering it and waiting until it is ACTIVE when
   * needed. Memoized per stream (a failure is not: the next call tries again).
   */
  ensureConsumer(streamArn: string | undefined = this.options.streamArn): Promise<string> {
    if (!streamArn) return Promise.reject(new ConsumerError('INVALID_OPTION', 'Enhanced fan-out needs the stream ARN.', false));
    let arn = this.consumers.get(streamArn);
    if (!arn) {
      arn = this.register(streamArn);
      this.consumers.set(streamArn, arn);
      arn.catch(() => this.consumers.delete(streamArn));
    }
    return arn;
  }

  async open(args: { streamArn: string; streamName: string; shardId: string; start: Checkpoint }): Promise<FanOutShardRecordSource> {
    if (this.closed) throw shutdownError(args.shardId);
    const start = iteratorStartOf(args.start);
    const consumerArn = await this.ensureConsumer(args.streamArn);
    const source = new FanOutShardRecordSource(this.client, this.s, consumerArn, args.shardId, start, () => this.sources.delete(source));
    this.sources.add(source);
    try {
      await source.start();
    } catch (err) {
      await source.close();
      throw err;
    }
    return source;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    await Promise.all([...this.sources].map((s) => s.close()));
    if (this.ownsClient) this.client.destroy?.();
  }

  private async register(streamArn: string): Promise<string> {
    const { consumerName } = this.options;
    const log = this.s.logger.child({ consumerName, streamArn });
    const describe = async (): Promise<{ arn?: string; status?: string }> => {
      try {
        const out = await this.client.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }), {
          abortSignal: this.stop.signal,
        });
        return { arn: out.ConsumerDescription?.ConsumerARN, status: out.ConsumerDescription?.ConsumerStatus };
      } catch (err) {
        if (classifyRetrievalError(err).kind === 'not-found') return {};
        throw registrationError('DescribeStreamConsumer', err);
      }
    };
    const deadline = this.s.clock.now() + this.s.registrationTimeoutMs;
    let interval = this.s.registrationPollMs;
    let current = await describe();
    for (;;) {
      if (this.closed) throw new ConsumerError('SHUTDOWN', 'The fan-out factory is closed.', false);
      if (current.status === 'ACTIVE' && current.arn) {
        log.debug({ consumerArn: current.arn }, 'stream consumer active');
        return current.arn;
      }
      if (current.status === undefined) {
        try {
          const out = await this.client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }), {
            abortSignal: this.stop.signal,
          });
          log.info({ consumerArn: out.Consumer?.ConsumerARN }, 'stream consumer registered');
          current = { arn: out.Consumer?.ConsumerARN, status: out.Consumer?.ConsumerStatus };
          continue;
        } catch (err) {
          // Another worker registered it between our describe and register: describe again.
          if (classifyRetrievalError(err).kind !== 'in-use') throw registrationError('RegisterStreamConsumer', err);
        }
      }
      if (this.s.clock.now() + interval > deadline) {
        throw new DependencyError(
          'DescribeStreamConsumer',
          'Timeout',
          `Stream consumer ${consumerName} did not become ACTIVE within ${this.s.registrationTimeoutMs} ms (last status ${current.status ?? 'absent'}).`,
          true,
        );
      }
      await sleep(this.s.timers, interval, this.stop.signal);
      interval = Math.min(this.s.registrationPollMaxMs, Math.ceil(interval * 1.5));
      current = await describe();
    }
  }
}

function registrationError(operation: string, err: unknown): ConsumerError {
  const f = classifyRetrievalError(err);
  return new DependencyError(operation, f.code, `${operation} failed (${f.code}): ${f.message}`, f.kind !== 'permanent', { cause: err });
}

type EventResult = IteratorResult<SubscribeToShardEventStream>;

interface Subscription {
  controller: AbortController;
  events?: AsyncIterator<SubscribeToShardEventStream>;
  pending?: Promise<EventResult>;
}

export class FanOutShardRecordSource implements ShardRecordSource {
  readonly stats: FanOutSourceStats = {
    subscriptions: 0,
    events: 0,
    heartbeats: 0,
    records: 0,
    subscribeFailures: 0,
    streamFailures: 0,
    eventTimeouts: 0,
    millisBehindLatest: undefined,
  };
  private readonly log: Logger;
  private readonly stop = new AbortController();
  private position: IteratorStart;
  private subscription: Subscription | undefined;
  private lastSubscribeAt = Number.NEGATIVE_INFINITY;
  private backoffUntil = Number.NEGATIVE_INFINITY;
  private failuresInARow = 0;
  private endBatch: RetrievedBatch | undefined;
  private failure: ConsumerError | undefined;
  private busy = false;
  private closed = false;

  constructor(
    private readonly client: FanOutKinesisClient,
    private readonly s: Settings,
    readonly consumerArn: string,
    readonly shardId: string,
    start: IteratorStart,
    private readonly onClosed: () => void,
  ) {
    this.position = start;
    this.log = s.logger.child({ shardId, retrieval: 'fan-out' });
  }

  /** Where the next subscription will start (AFTER the last continuation once an event arrived). */
  get startingPosition(): IteratorStart {
    return this.position;
  }

  /** The first subscription: retried within `failuresBeforeReport` attempts, then the failure is thrown. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const failure = await this.subscribe(undefined);
      if (!failure) return;
      if (this.failure) throw this.failure;
      if (this.closed) throw shutdownError(this.shardId);
      if (attempt >= this.s.failuresBeforeReport) throw retrievalError('SubscribeToShard', this.shardId, failure, undefined);
    }
  }

  async next(signal?: AbortSignal): Promise<RetrievedBatch> {
    if (this.endBatch) return { records: [], millisBehindLatest: 0, childShards: this.endBatch.childShards, shardEnd: true };
    if (this.failure) throw this.failure;
    if (this.closed) throw shutdownError(this.shardId);
    if (this.busy) throw new ConsumerError('INTERNAL', `next() of ${this.shardId} called while another is pending.`, false);
    this.busy = true;
    try {
      return await this.read(signal);
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
    this.dropSubscription();
    this.onClosed();
  }

  private async read(signal: AbortSignal | undefined): Promise<RetrievedBatch> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.closed) throw shutdownError(this.shardId);
      if (signal?.aborted) throw abortedError(this.shardId, signal);
      const sub = this.subscription;
      if (!sub?.events) {
        const failure = await this.subscribe(signal);
        if (failure) this.maybeReport('SubscribeToShard', failure);
        continue;
      }
      sub.pending ??= sub.events.next();
      const outcome = await this.waitForEvent(sub.pending, signal);
      if (outcome === 'aborted') continue; // the loop head throws the right error
      if (outcome === 'timeout') {
        this.stats.eventTimeouts++;
        this.log.warn({ timeoutMs: this.s.eventTimeoutMs }, 'subscription silent; replacing it');
        this.dropSubscription();
        continue;
      }
      sub.pending = undefined;
      if ('error' in outcome) {
        this.onStreamError(outcome.error);
        continue;
      }
      if (outcome.result.done) {
        this.log.debug({ after: this.position.StartingSequenceNumber }, 'subscription ended; renewing');
        this.dropSubscription();
        continue;
      }
      const batch = this.onEvent(outcome.result.value);
      if (batch) return batch;
    }
  }

  /** The next event, or why there is none: the caller's abort/close, the silence watchdog, or a stream error. */
  private async waitForEvent(
    pending: Promise<EventResult>,
    signal: AbortSignal | undefined,
  ): Promise<{ result: EventResult } | { error: unknown } | 'timeout' | 'aborted'> {
    const caller = abortedPromise(signal);
    const closing = abortedPromise(this.stop.signal);
    let timer: unknown;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = this.s.timers.setTimeout(() => resolve('timeout'), this.s.eventTimeoutMs);
    });
    try {
      return await Promise.race([
        pending.then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        ),
        timeout,
        caller.promise.then(() => 'aborted' as const),
        closing.promise.then(() => 'aborted' as const),
      ]);
    } finally {
      this.s.timers.clearTimeout(timer);
      caller.dispose();
      closing.dispose();
    }
  }

  private onEvent(value: SubscribeToShardEventStream): RetrievedBatch | undefined {
    const event: SubscribeToShardEvent | undefined = value.SubscribeToShardEvent;
    if (!event) {
      const member = Object.keys(value).find((k) => k !== '$unknown' && (value as unknown as Record<string, unknown>)[k] !== undefined);
      if (member) this.onStreamError(Object.assign(new Error(`${member} in the event stream`), { name: member }));
      return undefined; // initial-response or an unknown event type
    }
    this.failuresInARow = 0;
    this.stats.events++;
    const records = event.Records ?? [];
    this.stats.records += records.length;
    if (records.length === 0) this.stats.heartbeats++;
    this.stats.millisBehindLatest = event.MillisBehindLatest;
    if (event.ContinuationSequenceNumber) {
      this.position = afterSequence(event.ContinuationSequenceNumber);
      return { records, millisBehindLatest: event.MillisBehindLatest, shardEnd: false };
    }
    // Shard end: no continuation, and the children to go on with (KCL validates the pair).
    const childShards: ChildShard[] = event.ChildShards ?? [];
    if (childShards.length === 0) this.log.warn({}, 'subscription ended the shard without ChildShards');
    this.endBatch = { records, millisBehindLatest: event.MillisBehindLatest, childShards, shardEnd: true };
    this.log.info({ children: childShards.map((c) => c.ShardId) }, 'shard end reached');
    this.dropSubscription();
    return this.endBatch;
  }

  private onStreamError(error: unknown): void {
    this.dropSubscription();
    if (this.closed) return;
    this.stats.streamFailures++;
    const failure = classifyRetrievalError(error);
    this.log.info({ code: failure.code, err: failure.message }, 'subscription failed; renewing');
    this.maybeReport('SubscribeToShard', failure, error);
  }

  /**
   * One SubscribeToShard call, after the 1-s spacing and any backoff. Returns undefined on success, else the
   * failure (terminal ones are also recorded in `this.failure`).
   */
  private async subscribe(signal: AbortSignal | undefined): Promise<RetrievalFailure | undefined> {
    const now = this.s.clock.now();
    const wait = Math.max(this.lastSubscribeAt + this.s.minSubscribeIntervalMs - now, this.backoffUntil - now);
    if (wait > 0) {
      const both = anySignal(this.stop.signal, signal);
      await sleep(this.s.timers, wait, both.signal);
      both.dispose();
      if (this.closed || signal?.aborted) return undefined;
    }
    this.lastSubscribeAt = this.s.clock.now();
    const controller = new AbortController();
    const sub: Subscription = { controller };
    this.subscription = sub;
    this.stats.subscriptions++;
    try {
      const out = await this.client.send(
        new SubscribeToShardCommand({ ConsumerARN: this.consumerArn, ShardId: this.shardId, StartingPosition: toStartingPosition(this.position) }),
        { abortSignal: controller.signal },
      );
      if (!out.EventStream) throw new Error('SubscribeToShard returned no event stream');
      if (this.subscription !== sub || this.closed) {
        controller.abort();
        return undefined;
      }
      sub.events = out.EventStream[Symbol.asyncIterator]();
      this.log.debug({ position: this.position }, 'subscribed');
      return undefined;
    } catch (err) {
      if (this.subscription === sub) this.subscription = undefined;
      if (this.closed) return undefined;
      this.stats.subscribeFailures++;
      const failure = classifyRetrievalError(err);
      if (failure.kind === 'not-found' || failure.kind === 'permanent') {
        this.fail(retrievalError('SubscribeToShard', this.shardId, failure, err));
        return failure;
      }
      this.failuresInARow++;
      const delay = equalJitterDelayMs(this.failuresInARow, this.s.retryBaseDelayMs, this.s.retryMaxDelayMs, this.s.random);
      this.backoffUntil = this.s.clock.now() + delay;
      this.log.info({ code: failure.code, err: failure.message, delayMs: delay }, 'subscribe refused; retrying');
      return failure;
    }
  }

  /** Counts a failure that is not terminal; every `failuresBeforeReport` in a row, next() rejects with it. */
  private maybeReport(operation: string, failure: RetrievalFailure, cause?: unknown): void {
    if (failure.kind === 'not-found' || failure.kind === 'permanent') {
      this.fail(retrievalError(operation, this.shardId, failure, cause));
      return;
    }
    if (cause !== undefined) {
      // A stream error (a subscribe error was counted and backed off in subscribe()).
      this.failuresInARow++;
      this.backoffUntil = this.s.clock.now() + equalJitterDelayMs(this.failuresInARow, this.s.retryBaseDelayMs, this.s.retryMaxDelayMs, this.s.random);
    }
    if (failure.kind !== 'throttled' && this.failuresInARow >= this.s.failuresBeforeReport) {
      this.failuresInARow = 0;
      throw retrievalError(operation, this.shardId, failure, cause);
    }
  }

  private dropSubscription(): void {
    const sub = this.subscription;
    this.subscription = undefined;
    if (!sub) return;
    // An abandoned read may still settle (with the abort's error): nobody waits for it.
    sub.pending?.catch(() => undefined);
    sub.controller.abort();
  }

  private fail(error: ConsumerError): void {
    if (this.failure) return;
    this.failure = error;
    this.log.error({ code: error.code, err: error.message }, 'record source stopped');
  }
}

function anySignal(a: AbortSignal, b: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  if (!b) return { signal: a, dispose: () => undefined };
  const c = new AbortController();
  const abort = (): void => c.abort();
  if (a.aborted || b.aborted) c.abort();
  a.addEventListener('abort', abort, { once: true });
  b.addEventListener('abort', abort, { once: true });
  return {
    signal: c.signal,
    dispose: () => {
      a.removeEventListener('abort', abort);
      b.removeEventListener('abort', abort);
    },
  };
}

function abortedError(shardId: string, signal: AbortSignal | undefined): ConsumerError {
  return new ConsumerError('SHUTDOWN', `next() on ${shardId} was aborted.`, false, { cause: signal?.reason });
}
