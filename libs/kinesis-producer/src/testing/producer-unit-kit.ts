/**
 * Unit-test kit: a KinesisProducer against the in-memory Kinesis (fake-kinesis-client.ts) on a fake clock, as
 * every unit spec of the producer builds it (stream "unit", backoff jitter pinned to its middle).
 */
import type { FakeTimers } from '@tributary/runtime/testing';
import { KinesisProducer } from '../producer/kinesis-producer';
import type { KinesisProducerOptions } from '../producer/producer-options';
import type { FakeKinesisClient } from './fake-kinesis-client';

/** A producer on `client` and the fake clock and timers `timers`; `options` override the kit's. */
export function unitProducer(client: FakeKinesisClient, timers: FakeTimers, options: Partial<KinesisProducerOptions> = {}): KinesisProducer {
  return new KinesisProducer({ streamName: 'unit', client, clock: timers, timers, random: () => 0.5, ...options });
}

