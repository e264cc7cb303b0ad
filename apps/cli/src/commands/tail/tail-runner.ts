/**
 * `tail`'s reading loop: one reader per shard through the consumer lib's record sources (polling: GetShardIterator
 * and GetRecords paced at ≤ 5 calls/s and 2 MiB/s per shard with backoff on throttling; or enhanced fan-out:
 * SubscribeToShard), KPL aggregates opened with its deaggregator, children started only after their parents
 * ended (ShardLineage). Without --follow a shard stops at its tip (MillisBehindLatest 0) or at its end, and the
 * run when every shard stopped; with --follow it runs until --count, Ctrl-C or a closed stdout.
 */
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { DeregisterStreamConsumerCommand, type ChildShard, type KinesisClient } from '@aws-sdk/client-kinesis';
import { awsErrorName, isRetriableError } from '@tributary/errors';
import { FanOutRecordSourceFactory, PollingRecordSourceFactory, type RecordSourceFactory } from '@tributary/kinesis-consumer';
import { setTimeout as delay } from 'node:timers/promises';
import { toCliError } from '../../cli/cli-error';
import type { ReaderClients } from './kinesis-readers';
import type { RecordSink } from './record-sink';
import { ShardLineage, type PlannedShard } from './shard-lineage';
import { planStream } from './shard-plan';
import type { StartPosition } from './start-position';

export interface TailRun {
  stream: string;
  from: StartPosition;
  follow: boolean;
  efo: boolean;
  /** The EFO consumer's name (default: tributary-tail-<host>-<pid>). */
  consumerName?: string;
  sink: RecordSink;
  clients: ReaderClients;
  signal: AbortSignal;
  warn(message: string): void;
}

interface ReaderContext {
  run: TailRun;
  streamArn: string;
  streamName: string;
  factory: RecordSourceFactory;
  closedAtStart: ReadonlySet<string>;
  signal: AbortSignal;
}

export async function runTail(run: TailRun): Promise<void> {
  const plan = await planStream(run.clients.polling, run.stream, run.from, run.signal);
  const streamArn = plan.summary.StreamARN;
  const lineage = new ShardLineage(plan.planned);
  const stop = new AbortController();
  // Every shard's reader waits on this signal (one listener each): dozens of shards are normal, not a leak.
  setMaxListeners(0, stop.signal);
  const onAbort = (): void => stop.abort(run.signal.reason);
  run.signal.addEventListener('abort', onAbort, { once: true });
  const consumerName = run.consumerName ?? `tributary-tail-${hostname()}-${process.pid}`.replace(/[^\w.-]/g, '-').slice(0, 128);
  const factory: RecordSourceFactory = run.efo
    ? new FanOutRecordSourceFactory({ client: run.clients.fanOut(), consumerName, streamArn })
    : new PollingRecordSourceFactory({ client: run.clients.polling, prefetchBatches: 2 });
  const reader: ReaderContext = { run, streamArn, streamName: plan.summary.StreamName ?? run.stream, factory, closedAtStart: plan.closed, signal: stop.signal };
  const active = new Map<string, Promise<string>>();
  try {
    for (;;) {
      for (const shard of lineage.takeReady()) {
        active.set(
          shard.shardId,
          readShard(shard, reader).then((children) => {
            if (children) lineage.finished(shard.shardId, children);
            return shard.shardId;
          }),
        );
      }
      if (active.size === 0 || run.sink.full || stop.signal.aborted) break;
      active.delete(await Promise.race(active.values()));
    }
  } finally {
    stop.abort('done');
    run.signal.removeEventListener('abort', onAbort);
    await Promise.allSettled(active.values());
    await factory.close();
    if (run.efo) await deregisterConsumer(run, run.clients.polling, streamArn, consumerName);
  }
}

/**
 * Reads one shard; resolves with its ChildShards when it ended, [] when it stopped at its tip (no --follow),
 * undefined when tail is stopping (--count, Ctrl-C, closed stdout).
 */
async function readShard(shard: PlannedShard, r: ReaderContext): Promise<ChildShard[] | undefined> {
  const { run, signal } = r;
  const source = await r.factory.open({ streamArn: r.streamArn, streamName: r.streamName, shardId: shard.shardId, start: shard.start });
  try {
    for (;;) {
      if (signal.aborted || run.sink.full) return undefined;
      let batch;
      try {
        batch = await source.next(signal);
      } catch (error) {
        if (signal.aborted) return undefined;
        if ((error as { code?: string }).code === 'SHARD_NOT_FOUND') {
          run.warn(`${shard.shardId} is gone (trimmed or deleted); going on without it`);
          return [];
        }
        if (!isRetriableError(error)) throw toCliError(error, `shard ${shard.shardId}`);
        run.warn(`${shard.shardId}: ${(error as Error).message}; still trying`);
        await delay(1_000, undefined, { signal }).catch(() => undefined);
        continue;
      }
      if (batch.records.length > 0) {
        const pending = run.sink.writeKinesis(shard.shardId, batch.records);
        if (pending) await pending;
      }
      if (batch.shardEnd) return batch.childShards ?? [];
      if (!run.follow && !r.closedAtStart.has(shard.shardId) && batch.millisBehindLatest === 0) return [];
    }
  } finally {
    await source.close();
  }
}

/** --efo registered a stream consumer for this run: remove it (each one costs money and counts against 20). */
async function deregisterConsumer(run: TailRun, client: KinesisClient, streamArn: string, consumerName: string): Promise<void> {
  try {
    await client.send(new DeregisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }));
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return;
    run.warn(
      `could not deregister the enhanced fan-out consumer ${consumerName} (${(error as Error).message}); remove it with: ` +
        `aws kinesis deregister-stream-consumer --stream-arn ${streamArn} --consumer-name ${consumerName}`,
    );
  }
}
