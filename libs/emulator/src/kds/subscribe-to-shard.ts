/**
 * SubscribeToShard (enhanced fan-out), push-based:
 * - checks run before the response starts, so they fail as ordinary JSON errors (HTTP 400);
 * - then the event stream: `initial-response` first (awsJson1_1 is an RPC protocol, smithy event-stream spec),
 *   then a `SubscribeToShardEvent` whenever the shard log grows, an empty one as heartbeat when idle (so
 *   ContinuationSequenceNumber keeps advancing), and at the end of a closed shard a final event with no
 *   ContinuationSequenceNumber and the ChildShards (kds-reference.md §1.5, §2.2);
 * - a subscription ends after its lifetime (5 minutes, configurable) and the client re-subscribes
 *   AFTER_SEQUENCE_NUMBER its last continuation;
 * - per consumer and shard: one call per second (LimitExceededException), and a second subscription within 5 s
 *   of a successful one is refused (ResourceInUseException); after 5 s it takes over and the old stream ends
 *   with a ResourceInUseException event;
 * - 2 MiB/s per consumer per shard, and the transport's backpressure (HTTP/2 flow control) is honoured.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { awsErrors } from '../errors';
import { KDS_SIZES } from '../defaults';
import { TokenBucket } from '@tributary/runtime';
import { childShardsView } from './shard-view';
import { findConsumer } from './consumer-operations';
import { millisBehind, recordView, startingOrdinal } from './record-operations';
import type { KdsEnv } from './kds-context';
import type { ConsumerMeta, Shard } from './stream-model';
import type { Stream } from './stream-registry';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kds-shapes.ts

export interface EventSink {
  /** Sends one event; resolves when the transport can take more. */
  event(eventType: string, payload: object): Promise<void>;
  /** Sends a modeled exception event and ends the stream. */
  exception(exceptionType: string, message: string): void;
  end(): void;
  readonly closed: boolean;
  onClose(listener: () => void): void;
}

interface ActiveSubscription {
  startedAt: number;
  terminate: () => void;
}

const active = new WeakMap<KdsEnv, Map<string, ActiveSubscription>>();
const lastCall = new WeakMap<KdsEnv, Map<string, number>>();

function mapOf<V>(store: WeakMap<KdsEnv, Map<string, V>>, env: KdsEnv): Map<string, V> {
  let m = store.get(env);
  if (!m) store.set(env, (m = new Map()));
  return m;
}

/** Validates the call and returns the function that streams the events into a sink. */
export function subscribeToShard(env: KdsEnv, input: In): (sink: EventSink) => Promise<void> {
  const subscription = admit(env, input);
  return (sink: EventSink) => streamEvents(env, subscription, sink);
}

/** A call that passed the checks: what it reads, from where, and the subscription it takes over. */
interface Admitted {
  stream: Stream;
  consumer: ConsumerMeta;
  shard: Shard;
  /** `consumer ARN|shard id`. */
  key: string;
  startedAt: number;
  ordinal: number;
  previous: ActiveSubscription | undefined;
}

/** The checks that answer as ordinary JSON errors, before the event stream starts. */
function admit(env: KdsEnv, input: In): Admitted {
  const { registry } = env;
  const { stream, consumer } = findConsumer(env, { ConsumerARN: input.ConsumerARN });
  if (consumer.status !== 'ACTIVE') {
    throw awsErrors.resourceInUse(`Consumer ${consumer.arn} under account ${stream.meta.accountId} is not ACTIVE.`);
  }
  const shard = registry.shardIn(stream, registry.resolveShard({ StreamName: stream.meta.name }, input.ShardId));
  // Arguments are checked before the call rate: a refused request does not spend it.
  const pos = input.StartingPosition;
  const ordinal = startingOrdinal(env, stream, shard, pos.Type, pos.SequenceNumber, pos.Timestamp, 'SubscribeToShard');
  const key = `${consumer.arn}|${shard.id}`;
  const now = registry.clock.now();
  const calls = mapOf(lastCall, env);
  const previousCall = calls.get(key);
  if (previousCall !== undefined && now - previousCall < 1000) {
    throw awsErrors.limitExceeded(`Consumer ${consumer.arn} is subscribing to ${shard.id} more than once per second.`);
  }
  const previous = mapOf(active, env).get(key);
  if (previous && now - previous.startedAt < registry.options.subscriptionTakeoverMs) {
    throw awsErrors.resourceInUse(`Another active subscription exists for consumer ${consumer.arn} on ${shard.id}.`);
  }
  calls.set(key, now);
  return { stream, consumer, shard, key, startedAt: now, ordinal, previous };
}

/** A sleep that an append, a closed sink or a takeover cuts short. */
class Waker {
  private pending: AbortController | undefined;

  async sleep(ms: number): Promise<void> {
    const controller = new AbortController();
    this.pending = controller;
    try {
      await sleep(ms, undefined, { signal: controller.signal });
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    } finally {
      if (this.pending === controller) this.pending = undefined;
    }
  }

  wake(): void {
    this.pending?.abort();
  }
}

/** The event stream: records as they arrive within the fan-out budget, heartbeats when idle, the end of a shard. */
async function streamEvents(env: KdsEnv, admitted: Admitted, sink: EventSink): Promise<void> {
  const { registry } = env;
  const { stream, consumer, shard, key } = admitted;
  let ordinal = admitted.ordinal;
  admitted.previous?.terminate();
  const waker = new Waker();
  let taken = false;
  const mine: ActiveSubscription = {
    startedAt: admitted.startedAt,
    terminate: () => {
      taken = true;
      waker.wake();
    },
  };
  const subs = mapOf(active, env);
  subs.set(key, mine);
  const unsubscribe = shard.log.onAppend(() => waker.wake());
  sink.onClose(() => waker.wake());
  const budget = new TokenBucket(registry.limits.fanOutBytesPerSecond, registry.limits.fanOutBytesPerSecond, registry.clock);
  const deadline = Date.now() + registry.options.subscriptionLifetimeMs;
  const encrypted = stream.meta.encryptionType === 'KMS';

  try {
    await sink.event('initial-response', {});
    while (!sink.closed && !taken && Date.now() < deadline && registry.streams.get(stream.meta.name) === stream) {
      const wait = budget.msUntil(1);
      if (wait > 0) {
        await waker.sleep(Math.min(wait, deadline - Date.now()));
        continue;
      }
      registry.applyRetention(stream, shard);
      const maxBytes = Math.min(KDS_SIZES.maxGetRecordsBytes, Math.max(1, budget.available()));
      const records = shard.log.read(ordinal, KDS_SIZES.maxGetRecordsCount, maxBytes);
      if (records.length > 0) ordinal = records[records.length - 1].ordinal + 1;
      else ordinal = Math.max(ordinal, shard.log.trimHorizon);
      let bytes = 0;
      for (const r of records) bytes += r.data.length + r.partitionKey.length;
      budget.takeDebt(bytes);
      const atEnd = !shard.open && ordinal >= shard.log.length;
      if (records.length > 0 || atEnd) {
        await sink.event('SubscribeToShardEvent', {
          Records: records.map((r) => recordView(shard, r, encrypted)),
          MillisBehindLatest: millisBehind(shard, ordinal, registry.clock.now()),
          ...(atEnd
            ? { ChildShards: childShardsView(stream, shard) }
            : { ContinuationSequenceNumber: shard.sequencer.encode(ordinal, registry.clock.now()) }),
        });
        if (atEnd) break;
        continue;
      }
      await waker.sleep(Math.min(registry.options.subscriptionHeartbeatMs, Math.max(0, deadline - Date.now())));
      if (!sink.closed && !taken && shard.log.length <= ordinal && Date.now() < deadline) {
        await sink.event('SubscribeToShardEvent', {
          Records: [],
          MillisBehindLatest: 0,
          ContinuationSequenceNumber: shard.sequencer.encode(ordinal, registry.clock.now()),
        });
      }
    }
    if (taken && !sink.closed) {
      sink.exception('ResourceInUseException', `Another subscription took over shard ${shard.id} for consumer ${consumer.arn}.`);
      return;
    }
    if (!sink.closed) sink.end();
  } finally {
    unsubscribe();
    if (subs.get(key) === mine) subs.delete(key);
  }
}
