/**
 * The seam between the app and @tributary/kinesis-consumer: the library's handler and dead-letter types are used
 * as they are, and the worker itself is reached through `ConsumerPort` / `ConsumerFactory`, so that tests of the
 * app's own wiring (sinks, DLQ reporting, health, metrics, shutdown order) can drive the same handler through a
 * fake (src/testing/fake-consumer.ts) while the end-to-end suite runs the real KinesisConsumer.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  FileDeadLetterSink,
  KinesisConsumer,
  KinesisDeadLetterSink,
  type ConsumerStats,
  type DeadLetterSink,
  type KinesisConsumerEvents,
  type KinesisConsumerOptions,
} from '@tributary/kinesis-consumer';

export {
  comparePositions,
  recordIdentifier,
  type BatchContext,
  type BatchItemFailure,
  type BatchResponse,
  type ConsumerRecord,
  type DeadLetterCondition,
  type DeadLetterEntry,
  type DeadLetterSink,
  type KinesisConsumerOptions,
} from '@tributary/kinesis-consumer';

/** What the app reads of `consumer.stats()`. */
export type ConsumerStatsView = Pick<ConsumerStats, 'workerId' | 'leasesHeld' | 'recordsProcessed' | 'deadLettered' | 'retries'> & {
  shards: Array<{ shardId: string; millisBehindLatest?: number; recordsProcessed: number }>;
  /** Kinesis and DynamoDB as the library sees them (readiness); absent from fakes that do not model it. */
  services?: ConsumerStats['services'];
};

/** The events the app listens to, with the library's payloads. */
export type ConsumerEventName = 'leaseAcquired' | 'leaseLost' | 'shardEnded' | 'error';
export type ConsumerEventListeners = { [E in ConsumerEventName]?: (payload: KinesisConsumerEvents[E][0]) => void };

/** A worker as the app drives it (KinesisConsumer, or a fake in tests). */
export interface ConsumerPort {
  /** Registers listeners of the consumer's lease, shard and error events. */
  subscribe(listeners: ConsumerEventListeners): void;
  start(): Promise<void>;
  /** Graceful: finishes the batch in flight, checkpoints, releases leases. */
  stop(): Promise<void>;
  stats(): ConsumerStatsView;
}

/** How the app makes the library's objects; tests pass a fake. */
export interface ConsumerFactory {
  createConsumer(options: KinesisConsumerOptions): ConsumerPort;
  fileDeadLetterSink(path: string): DeadLetterSink;
  kinesisDeadLetterSink(client: KinesisClient, streamName: string): DeadLetterSink;
}

/** The factory over @tributary/kinesis-consumer. */
export const consumerLibrary: ConsumerFactory = {
  createConsumer: (options) => {
    const consumer = new KinesisConsumer(options);
    return {
      subscribe: (l) => {
        if (l.leaseAcquired) consumer.on('leaseAcquired', l.leaseAcquired);
        if (l.leaseLost) consumer.on('leaseLost', l.leaseLost);
        if (l.shardEnded) consumer.on('shardEnded', l.shardEnded);
        if (l.error) consumer.on('error', l.error);
      },
      start: () => consumer.start(),
      stop: () => consumer.stop(),
      stats: () => consumer.stats(),
    };
  },
  fileDeadLetterSink: (path) => new FileDeadLetterSink({ path }),
  kinesisDeadLetterSink: (client, streamName) => new KinesisDeadLetterSink({ client, streamName }),
};
