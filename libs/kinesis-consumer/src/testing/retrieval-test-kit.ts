/**
 * Test doubles for the record sources' unit tests: a clock + timers that move only when told, an in-memory
 * shard behind the two polling calls (GetShardIterator, GetRecords) with call logging and fault hooks, and a
 * scripted fan-out client (consumer registration, SubscribeToShard event streams the test feeds). The
 * integration suites use the real emulator instead; these exist for exact timing (pacing, idle time, backoff)
 * without waiting.
 */
import {
  DescribeStreamConsumerCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  type ChildShard,
  type DescribeStreamConsumerCommandOutput,
  type RegisterStreamConsumerCommandOutput,
  type SubscribeToShardCommandOutput,
  type SubscribeToShardEvent,
  type SubscribeToShardEventStream,
  type SubscribeToShardInput,
  type GetRecordsCommandOutput,
  type GetShardIteratorCommandOutput,
  type GetShardIteratorInput,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import type { Clock, RetrievedBatch, ShardRecordSource } from '../consumer-types';

export { FakeTimers as ManualTimers } from '@tributary/runtime/testing';

export const FAKE_SHARD_ID = 'shardId-000000000000';

/** The records of a batch as text. */
export const texts = (b: RetrievedBatch): string[] => b.records.map((r) => Buffer.from(r.Data as Uint8Array).toString());

/** Calls next() and advances fake time in steps until it settles. */
export async function nextBatchOn(
  source: ShardRecordSource,
  timers: { advance(ms: number): Promise<void> },
  stepMs: number,
  maxMs: number,
): Promise<RetrievedBatch> {
  let result: RetrievedBatch | undefined;
  let error: unknown;
  source.next().then(
    (b) => (result = b),
    (e: unknown) => (error = e),
  );
  for (let waited = 0; result === undefined && error === undefined; waited += stepMs) {
    if (waited > maxMs) throw new Error('next() did not settle');
    await timers.advance(stepMs);
  }
  if (error !== undefined) throw error;
  return result as RetrievedBatch;
}

/** An AWS-SDK-shaped service error (the SDK sets `name` to the exception name). */
export function serviceError(name: string, message = name, status = 400): Error {
  const err = new Error(message);
  err.name = name;
  Object.assign(err, { $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
  return err;
}

export interface LoggedCall {
  at: number;
  operation: 'GetShardIterator' | 'GetRecords';
  input: Record<string, unknown>;
}

/**
 * One shard in memory. Sequence numbers are `1000000 + index` (decimal strings; order is numeric). Iterators
 * encode the position and the time they were issued; they expire after `iteratorLifetimeMs`.
 */
export class FakeShardClient {
  readonly records: KinesisRecord[] = [];
  readonly calls: LoggedCall[] = [];
  /** Return an error to fail the call (checked before the call is served). */
  fault: (call: LoggedCall, nth: number) => Error | undefined = () => undefined;
  iteratorLifetimeMs = 300_000;
  childShards: ChildShard[] | undefined;
  private closedAt: number | undefined;

  constructor(private readonly clock: Clock) {}

  static sequenceOf(index: number): string {
    return String(1_000_000 + index);
  }

  append(data: string | Buffer, partitionKey = 'pk'): KinesisRecord {
    const record: KinesisRecord = {
      SequenceNumber: FakeShardClient.sequenceOf(this.records.length),
      Data: typeof data === 'string' ? Buffer.from(data) : data,
      PartitionKey: partitionKey,
      ApproximateArrivalTimestamp: new Date(this.clock.now()),
    };
    this.records.push(record);
    return record;
  }

  /** Closes the shard: after its last record, GetRecords returns no NextShardIterator and these children. */
  close(children: ChildShard[]): void {
    this.childShards = children;
    this.closedAt = this.records.length;
  }

  callsOf(operation: LoggedCall['operation']): LoggedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  send(command: GetShardIteratorCommand, options?: { abortSignal?: AbortSignal }): Promise<GetShardIteratorCommandOutput>;
  send(command: GetRecordsCommand, options?: { abortSignal?: AbortSignal }): Promise<GetRecordsCommandOutput>;
  async send(command: GetShardIteratorCommand | GetRecordsCommand): Promise<GetShardIteratorCommandOutput | GetRecordsCommandOutput> {
    await Promise.resolve();
    const operation = command instanceof GetShardIteratorCommand ? 'GetShardIterator' : 'GetRecords';
    const call: LoggedCall = { at: this.clock.now(), operation, input: { ...command.input } };
    this.calls.push(call);
    const error = this.fault(call, this.callsOf(operation).length);
    if (error) throw error;
    const $metadata = {};
    if (command instanceof GetShardIteratorCommand) return { ShardIterator: this.iteratorAt(this.startOf(command.input)), $metadata };
    const [, pos, issuedAt] = String(command.input.ShardIterator).split(':').map(Number);
    if (this.clock.now() - issuedAt > this.iteratorLifetimeMs) throw serviceError('ExpiredIteratorException', 'Iterator expired.');
    const end = Math.min(this.records.length, pos + (command.input.Limit ?? 10_000));
    const records = this.records.slice(pos, end);
    const atEnd = this.closedAt !== undefined && end >= this.closedAt;
    const behind = end < this.records.length ? this.clock.now() - (this.records[end].ApproximateArrivalTimestamp as Date).getTime() : 0;
    return {
      Records: records,
      MillisBehindLatest: behind,
      ...(atEnd ? { ChildShards: this.childShards } : { NextShardIterator: this.iteratorAt(end) }),
      $metadata,
    };
  }

  private iteratorAt(pos: number): string {
    return `it:${pos}:${this.clock.now()}`;
  }

  private startOf(input: GetShardIteratorInput): number {
    const indexOf = (seq: string | undefined): number => Number(seq) - 1_000_000;
    switch (input.ShardIteratorType) {
      case 'TRIM_HORIZON':
        return 0;
      case 'LATEST':
        return this.records.length;
      case 'AT_SEQUENCE_NUMBER':
        return indexOf(input.StartingSequenceNumber);
      case 'AFTER_SEQUENCE_NUMBER':
        return indexOf(input.StartingSequenceNumber) + 1;
      case 'AT_TIMESTAMP': {
        const t = (input.Timestamp as Date).getTime();
        const i = this.records.findIndex((r) => (r.ApproximateArrivalTimestamp as Date).getTime() >= t);
        return i < 0 ? this.records.length : i;
      }
      default:
        throw serviceError('InvalidArgumentException');
    }
  }
}

/** One scripted SubscribeToShard response: the test pushes events, ends the stream or fails it. */
export class FakeSubscription implements AsyncIterable<SubscribeToShardEventStream> {
  private readonly queue: Array<IteratorResult<SubscribeToShardEventStream> | { error: unknown }> = [];
  private waiting: ((item: IteratorResult<SubscribeToShardEventStream> | { error: unknown }) => void) | undefined;
  aborted = false;

  constructor(
    readonly input: SubscribeToShardInput,
    readonly at: number,
    signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', () => {
      this.aborted = true;
      this.fail(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    });
  }

  event(event: SubscribeToShardEvent): void {
    this.put({ value: { SubscribeToShardEvent: event }, done: false });
  }

  end(): void {
    this.put({ value: undefined, done: true });
  }

  fail(error: unknown): void {
    this.put({ error });
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscribeToShardEventStream> {
    return {
      next: async () => {
        const item = this.queue.shift() ?? (await new Promise<IteratorResult<SubscribeToShardEventStream> | { error: unknown }>((r) => (this.waiting = r)));
        if ('error' in item) throw item.error;
        return item;
      },
    };
  }

  private put(item: IteratorResult<SubscribeToShardEventStream> | { error: unknown }): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w(item);
    else this.queue.push(item);
  }
}

/** The three fan-out calls, scripted: consumer registration state and one FakeSubscription per subscribe. */
export class FakeFanOutClient {
  readonly subscriptions: FakeSubscription[] = [];
  readonly calls: string[] = [];
  consumerStatus: 'absent' | 'CREATING' | 'ACTIVE' = 'absent';
  /** Makes the consumer ACTIVE after this many describes once registered. */
  describesUntilActive = 1;
  /** Return an error to refuse a SubscribeToShard (checked before the subscription is made). */
  subscribeFault: (nth: number) => Error | undefined = () => undefined;
  private describes = 0;

  constructor(private readonly clock: Clock) {}

  send(command: SubscribeToShardCommand, options?: { abortSignal?: AbortSignal }): Promise<SubscribeToShardCommandOutput>;
  send(command: RegisterStreamConsumerCommand, options?: { abortSignal?: AbortSignal }): Promise<RegisterStreamConsumerCommandOutput>;
  send(command: DescribeStreamConsumerCommand, options?: { abortSignal?: AbortSignal }): Promise<DescribeStreamConsumerCommandOutput>;
  async send(
    command: SubscribeToShardCommand | RegisterStreamConsumerCommand | DescribeStreamConsumerCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<SubscribeToShardCommandOutput | RegisterStreamConsumerCommandOutput | DescribeStreamConsumerCommandOutput> {
    await Promise.resolve();
    const $metadata = {};
    const arn = 'arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/app:1';
    if (command instanceof DescribeStreamConsumerCommand) {
      this.calls.push('DescribeStreamConsumer');
      if (this.consumerStatus === 'absent') throw serviceError('ResourceNotFoundException');
      if (this.consumerStatus === 'CREATING' && ++this.describes >= this.describesUntilActive) this.consumerStatus = 'ACTIVE';
      return { ConsumerDescription: { ConsumerARN: arn, ConsumerName: 'app', ConsumerStatus: this.consumerStatus, ConsumerCreationTimestamp: new Date(0), StreamARN: 's' }, $metadata };
    }
    if (command instanceof RegisterStreamConsumerCommand) {
      this.calls.push('RegisterStreamConsumer');
      if (this.consumerStatus !== 'absent') throw serviceError('ResourceInUseException');
      this.consumerStatus = 'CREATING';
      return { Consumer: { ConsumerARN: arn, ConsumerName: 'app', ConsumerStatus: 'CREATING', ConsumerCreationTimestamp: new Date(0) }, $metadata };
    }
    this.calls.push('SubscribeToShard');
    const error = this.subscribeFault(this.calls.filter((c) => c === 'SubscribeToShard').length);
    if (error) throw error;
    const sub = new FakeSubscription(command.input, this.clock.now(), options?.abortSignal);
    this.subscriptions.push(sub);
    return { EventStream: sub, $metadata };
  }

  get last(): FakeSubscription {
    return this.subscriptions[this.subscriptions.length - 1];
  }
}
