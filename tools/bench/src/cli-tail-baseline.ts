/**
 * The baseline of `npm run bench:cli`: what one writes without the CLI — a naive SDK v3 GetRecords loop (the AWS
 * CLI's get-records per shard in a shell loop is far slower still: a Python process per call). Every shard at once
 * (Promise.all), GetShardIterator TRIM_HORIZON then GetRecords (Limit 10,000) until caught up, one
 * JSON.stringify and one stdout write per record with the data as UTF-8. No pacing (the bench's emulator has
 * AWS's limits off), no deaggregation, no resharding. The default client (the SDK's own HTTP handler).
 *
 *   node dist/cli-bench/cli-tail-baseline.js <endpoint> <stream> <count>
 */
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';

async function main(): Promise<void> {
  const [endpoint, stream, countText] = process.argv.slice(2);
  const limit = Number(countText);
  const client = new KinesisClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  let printed = 0;
  await Promise.all(
    shards.map(async (shard) => {
      let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      while (iterator && printed < limit) {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        for (const r of out.Records ?? []) {
          if (printed >= limit) break;
          const line = JSON.stringify({
            shard: shard.ShardId,
            sequence: r.SequenceNumber,
            partitionKey: r.PartitionKey,
            arrival: r.ApproximateArrivalTimestamp?.toISOString(),
            data: Buffer.from(r.Data ?? new Uint8Array()).toString('utf8'),
          });
          process.stdout.write(`${line}\n`);
          printed++;
        }
        if ((out.Records ?? []).length === 0 && out.MillisBehindLatest === 0) break;
        iterator = out.NextShardIterator;
      }
    }),
  );
  client.destroy();
}

main().then(
  () => process.stdout.write('', () => process.exit(0)),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
