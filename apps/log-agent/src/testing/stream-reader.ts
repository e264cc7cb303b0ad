/**
 * Reads back everything a stream holds, as a consumer would: every shard from TRIM_HORIZON, each Kinesis record
 * deaggregated with @tributary/kpl (checksums verified), so the int specs count what consumers get.
 */
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { deaggregate } from '@tributary/kpl';

export interface StoredRecord {
  partitionKey: string;
  data: Buffer;
  /** Sent inside a KPL aggregate. */
  aggregated: boolean;
}

export async function readStream(client: KinesisClient, streamName: string): Promise<StoredRecord[]> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  const out: StoredRecord[] = [];
  for (const shard of shards) {
    let iterator = (
      await client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))
    ).ShardIterator;
    while (iterator) {
      const page = await getRecords(client, iterator);
      for (const r of page.Records ?? []) {
        const data = r.Data as Uint8Array;
        const users = deaggregate(data);
        if (users) for (const u of users) out.push({ partitionKey: u.partitionKey, data: Buffer.from(u.data), aggregated: true });
        else out.push({ partitionKey: r.PartitionKey as string, data: Buffer.from(data), aggregated: false });
      }
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/** GetRecords, waiting out the shard's read limit (5 calls/s, as AWS: the emulator enforces it). */
async function getRecords(client: KinesisClient, iterator: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    } catch (err) {
      if ((err as Error).name !== 'ProvisionedThroughputExceededException' || attempt >= 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

export interface LineCount {
  /** Distinct expected lines found. */
  found: number;
  missing: string[];
  /** Records beyond the first of each expected line (at-least-once re-sends). */
  duplicates: number;
  /** Records that are none of the expected lines. */
  unexpected: string[];
}

/** Counts each expected line (keyed by `keyOf(record)`) in the records read back. */
export function countLines(expected: Iterable<string>, records: readonly StoredRecord[], keyOf: (r: StoredRecord) => string): LineCount {
  const seen = new Map<string, number>();
  for (const key of expected) seen.set(key, 0);
  const unexpected: string[] = [];
  for (const r of records) {
    const key = keyOf(r);
    const n = seen.get(key);
    if (n === undefined) unexpected.push(key);
    else seen.set(key, n + 1);
  }
  let duplicates = 0;
  let found = 0;
  const missing: string[] = [];
  for (const [key, n] of seen) {
    if (n === 0) missing.push(key);
    else {
      found++;
      duplicates += n - 1;
    }
  }
  return { found, missing, duplicates, unexpected };
}
