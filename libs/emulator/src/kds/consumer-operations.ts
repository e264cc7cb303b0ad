/**
 * Enhanced fan-out consumers: RegisterStreamConsumer, DeregisterStreamConsumer, DescribeStreamConsumer,
 * ListStreamConsumers. A consumer is CREATING for the configured delay, then ACTIVE; its ARN is
 * `<streamArn>/consumer/<name>:<creation epoch seconds>`, so re-registering a name gives a new ARN.
 */
import { awsErrors } from '../errors';
import { KDS_SIZES, KDS_TIMES } from '../defaults';
import type { ConsumerMeta } from './stream-model';
import type { Stream } from './stream-registry';
import { decodeToken, encodeToken, toEpochSeconds, type KdsEnv } from './kds-context';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kds-shapes.ts

/** Finds a consumer by ConsumerARN, or by StreamARN + ConsumerName. */
export function findConsumer(env: KdsEnv, input: In): { stream: Stream; consumer: ConsumerMeta } {
  let streamArn: string | undefined = input.StreamARN;
  let name: string | undefined = input.ConsumerName;
  if (input.ConsumerARN !== undefined) {
    const arn: string = input.ConsumerARN;
    const at = arn.indexOf('/consumer/');
    streamArn = arn.slice(0, at);
    name = arn.slice(at + '/consumer/'.length, arn.lastIndexOf(':'));
  } else if (streamArn === undefined || name === undefined) {
    throw awsErrors.invalidArgument('Either ConsumerARN or both StreamARN and ConsumerName must be provided.');
  }
  const stream = env.registry.find({ StreamARN: streamArn });
  const consumer = stream.meta.consumers.find(
    (c) => c.name === name && (input.ConsumerARN === undefined || c.arn === input.ConsumerARN),
  );
  if (!consumer) {
    throw awsErrors.resourceNotFound(
      `Consumer ${input.ConsumerARN ?? name} under account ${stream.meta.accountId} not found.`,
    );
  }
  return { stream, consumer };
}

const view = (stream: Stream, c: ConsumerMeta, withStream: boolean): Record<string, unknown> => ({
  ConsumerName: c.name,
  ConsumerARN: c.arn,
  ConsumerStatus: c.status,
  ConsumerCreationTimestamp: toEpochSeconds(c.createdAt),
  ...(withStream ? { StreamARN: stream.meta.arn } : {}),
});

export function registerStreamConsumer(env: KdsEnv, input: In): object {
  const stream = env.registry.find({ StreamARN: input.StreamARN });
  const name: string = input.ConsumerName;
  if (stream.meta.consumers.some((c) => c.name === name)) {
    throw awsErrors.resourceInUse(`Consumer ${name} under account ${stream.meta.accountId} already exists for stream ${stream.meta.name}.`);
  }
  if (stream.meta.consumers.length >= KDS_SIZES.maxConsumersPerStream) {
    throw awsErrors.limitExceeded(`Stream ${stream.meta.name} under account ${stream.meta.accountId} already has ${KDS_SIZES.maxConsumersPerStream} registered consumers.`);
  }
  if (stream.meta.consumers.filter((c) => c.status === 'CREATING').length >= 5) {
    throw awsErrors.limitExceeded('Too many consumers are being created at once (at most 5 in CREATING).');
  }
  const now = env.registry.clock.now();
  const consumer: ConsumerMeta = {
    name,
    arn: `${stream.meta.arn}/consumer/${name}:${Math.floor(now / 1000)}`,
    status: 'CREATING',
    createdAt: now,
  };
  stream.meta.consumers.push(consumer);
  const response = { Consumer: view(stream, consumer, false) };
  env.registry.later(env.registry.options.consumerDelayMs, () => {
    if (consumer.status === 'CREATING') consumer.status = 'ACTIVE';
  });
  env.registry.persist();
  return response;
}

export function deregisterStreamConsumer(env: KdsEnv, input: In): object {
  const { stream, consumer } = findConsumer(env, input);
  consumer.status = 'DELETING';
  env.registry.later(env.registry.options.consumerDelayMs, () => {
    stream.meta.consumers = stream.meta.consumers.filter((c) => c !== consumer);
  });
  env.registry.persist();
  return {};
}

export function describeStreamConsumer(env: KdsEnv, input: In): object {
  const { stream, consumer } = findConsumer(env, input);
  return { ConsumerDescription: view(stream, consumer, true) };
}

interface ConsumersToken {
  stream: string;
  after: number;
  issued: number;
}

export function listStreamConsumers(env: KdsEnv, input: In): object {
  const stream = env.registry.find({ StreamARN: input.StreamARN });
  let start = 0;
  if (input.NextToken !== undefined) {
    const token = decodeToken<ConsumersToken>(input.NextToken);
    if (!token || token.stream !== stream.meta.arn || typeof token.after !== 'number') throw awsErrors.invalidArgument('Invalid NextToken.');
    if (env.registry.clock.now() - token.issued > KDS_TIMES.nextTokenLifetimeMs) throw awsErrors.expiredNextToken('The NextToken has expired.');
    start = token.after;
  }
  const limit = Math.min(input.MaxResults ?? 100, 100);
  const all = stream.meta.consumers;
  const page = all.slice(start, start + limit);
  const more = start + page.length < all.length;
  return {
    Consumers: page.map((c) => view(stream, c, false)),
    ...(more ? { NextToken: encodeToken({ stream: stream.meta.arn, after: start + page.length, issued: env.registry.clock.now() }) } : {}),
  };
}
