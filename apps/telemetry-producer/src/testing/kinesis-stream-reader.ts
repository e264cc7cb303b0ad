/**
 * Reads back everything a stream holds, as a KCL would see it: every shard from TRIM_HORIZON, each Kinesis
 * record deaggregated by aws-kinesis-agg (the reference implementation of the KPL format), so a test checks what
 * consumers will get rather than what the producer believes it wrote.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';

// aws-kinesis-agg ships types that import aws-sdk v2 and aws-lambda, neither installed: the one function used is
// typed here from its source (lib/kpl-deagg.js: `deaggregateSync(record, computeChecksums, callback)`, v2 Lambda
// record shape with base64 data; a record without the KPL magic comes back as itself).
const agg = require('aws-kinesis-agg') as {
  deaggregateSync(
    record: { partitionKey: string; explicitPartitionKey?: string; sequenceNumber: string; data: string },
    computeChecksums: boolean,
    callback: (err: Error | null | undefined, userRecords?: { partitionKey: string; sequenceNumber: string; subSequenceNumber?: number; data: string }[]) => void,
  ): void;
};

export interface StoredUserRecord {
  shardId: string;
  sequenceNumber: string;
  /** Position inside a KPL aggregate; absent for a record sent on its own. */
  subSequenceNumber?: number;
  partitionKey: string;
  data: Buffer;
}

/** Every user record of every shard, in shard order then stream order. */
export async function readStream(client: KinesisClient, streamName: string): Promise<StoredUserRecord[]> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  const out: StoredUserRecord[] = [];
  for (const shard of shards) {
    const shardId = shard.ShardId as string;
    let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' })))
      .ShardIterator;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) out.push(...deaggregate(shardId, record));
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

function deaggregate(shardId: string, record: KinesisRecord): StoredUserRecord[] {
  let users: StoredUserRecord[] | undefined;
  let failure: Error | undefined;
  agg.deaggregateSync(
    {
      partitionKey: record.PartitionKey as string,
      sequenceNumber: record.SequenceNumber as string,
      data: Buffer.from(record.Data as Uint8Array).toString('base64'),
    },
    true,
    (err, userRecords) => {
      if (err) failure = err;
      else
        users = (userRecords ?? []).map((u) => ({
          shardId,
          sequenceNumber: u.sequenceNumber,
          ...(u.subSequenceNumber !== undefined ? { subSequenceNumber: u.subSequenceNumber } : {}),
          partitionKey: u.partitionKey,
          data: Buffer.from(u.data, 'base64'),
        }));
    },
  );
  if (failure) throw failure;
  if (!users) throw new Error('aws-kinesis-agg did not call back');
  return users;
}
