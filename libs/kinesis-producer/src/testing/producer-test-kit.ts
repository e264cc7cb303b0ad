/**
 * Integration-test kit: the real emulator in process on port 0, SDK v3 clients, unique stream names, and a
 * reader that fetches every record of a stream (open and closed shards) with GetRecords and deaggregates it with
 * aws-kinesis-agg, the reference implementation, so tests compare what a KCL would see with what was put.
 */
import * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '@tributary/emulator';
import { referenceDeaggregate } from '@tributary/kpl/testing';
import type { DefaultClientOptions } from '../dispatch/kinesis-client-factory';
import { KinesisProducer } from '../producer/kinesis-producer';
import type { KinesisProducerOptions } from '../producer/producer-options';

export const TEST_REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, ...options });
}

/** An SDK client for the test's own calls (create, read back): keep-alive HTTP/1.1, SDK retries off. */
export function testClient(url: string): KinesisClient {
  return new KinesisClient({
    endpoint: url,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
  });
}

/** A KinesisProducer with its own client pointed at the emulator at `url`; `client` adds to its client options. */
export function emulatorProducer(
  url: string,
  streamName: string,
  options: Partial<KinesisProducerOptions> = {},
  client: Partial<DefaultClientOptions> = {},
): KinesisProducer {
  return new KinesisProducer({
    streamName,
    clientOptions: { endpoint: url, region: TEST_REGION, credentials: TEST_CREDENTIALS, ...client },
    ...options,
  });
}

let counter = 0;
export function uniqueStreamName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

export async function createStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 200; i++) {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(10);
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

/** Retries a read the emulator throttled (its read limits are on: 5 GetRecords/s per shard). */
async function withReadRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if ((err as Error).name !== 'ProvisionedThroughputExceededException' || attempt > 50) throw err;
      await sleep(220);
    }
  }
}

export interface ReadRecord {
  shardId: string;
  sequenceNumber: string;
  /** Position inside an aggregate; absent for a record sent on its own. */
  subSequenceNumber?: number;
  partitionKey: string;
  explicitHashKey?: string;
  data: string;
  /** The Kinesis record it came in: its partition key ("a" for aggregates) and whether it was aggregated. */
  aggregated: boolean;
}

export interface StreamContents {
  shards: Shard[];
  /** Every user record, per shard in shard order (shards in ListShards order). */
  records: ReadRecord[];
  /** Kinesis records (aggregates or single records) read. */
  kinesisRecords: number;
  /** Aggregates holding a sub-record whose hash key is outside the shard that stored it (a KCL drops these). */
  misplacedAggregates: Array<{ shardId: string; sequenceNumber: string; userRecords: number; outside: number }>;
}

/** Every record of every shard (closed parents included), deaggregated by aws-kinesis-agg. */
export async function readStream(client: KinesisClient, streamName: string, hashKeyOf: (pk: string) => bigint): Promise<StreamContents> {
  const shards: Shard[] = [];
  let next: string | undefined;
  do {
    const out = await client.send(new ListShardsCommand(next ? { NextToken: next } : { StreamName: streamName }));
    shards.push(...(out.Shards ?? []));
    next = out.NextToken;
  } while (next);
  const records: ReadRecord[] = [];
  const misplacedAggregates: StreamContents['misplacedAggregates'] = [];
  let kinesisRecords = 0;
  for (const shard of shards) {
    const shardId = shard.ShardId as string;
    const start = BigInt(shard.HashKeyRange?.StartingHashKey as string);
    const end = BigInt(shard.HashKeyRange?.EndingHashKey as string);
    let iterator = (
      await withReadRetries(() => client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' })))
    ).ShardIterator;
    while (iterator) {
      const it = iterator;
      const out = await withReadRetries(() => client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 })));
      for (const r of out.Records ?? []) {
        kinesisRecords++;
        const users = referenceDeaggregate({
          data: r.Data as Uint8Array,
          partitionKey: r.PartitionKey as string,
          sequenceNumber: r.SequenceNumber,
        });
        let outside = 0;
        for (const u of users) {
          const aggregated = u.subSequenceNumber !== undefined;
          records.push({
            shardId,
            sequenceNumber: r.SequenceNumber as string,
            ...(aggregated ? { subSequenceNumber: u.subSequenceNumber } : {}),
            partitionKey: u.partitionKey,
            ...(u.explicitHashKey !== undefined ? { explicitHashKey: u.explicitHashKey } : {}),
            data: u.data.toString('utf8'),
            aggregated,
          });
          if (aggregated) {
            const hash = u.explicitHashKey !== undefined ? BigInt(u.explicitHashKey) : hashKeyOf(u.partitionKey);
            if (hash < start || hash > end) outside++;
          }
        }
        if (outside > 0) misplacedAggregates.push({ shardId, sequenceNumber: r.SequenceNumber as string, userRecords: users.length, outside });
      }
      // An open shard is read to its tip (an empty answer); a closed one until the iterator ends.
      if ((out.Records ?? []).length === 0) break;
      iterator = out.NextShardIterator;
    }
  }
  return { shards, records, kinesisRecords, misplacedAggregates };
}

/** What a KCL delivers: the records minus the aggregates it drops (a sub-record outside the receiving shard). */
export function kclView(contents: StreamContents): ReadRecord[] {
  const dropped = new Set(contents.misplacedAggregates.map((m) => `${m.shardId}/${m.sequenceNumber}`));
  return contents.records.filter((r) => !dropped.has(`${r.shardId}/${r.sequenceNumber}`));
}

/** The payloads of `records`, grouped by partition key, in stream order (shard order, then sequence). */
export function payloadsByKey(records: ReadRecord[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of records) {
    let list = out.get(r.partitionKey);
    if (!list) out.set(r.partitionKey, (list = []));
    list.push(r.data);
  }
  return out;
}

/** Payloads that occur more than once. */
export function duplicatesOf(records: ReadRecord[]): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const r of records) {
    if (seen.has(r.data)) dups.push(r.data);
    seen.add(r.data);
  }
  return dups;
}
