/**
 * The shards `tail` reads and where each starts, from ListShards and `--from`. The lease planner of the consumer
 * lib decides it as KCL would for a new application (planShardSync): every shard in retention, parents before
 * children, at TRIM_HORIZON or AT_TIMESTAMP; for LATEST only the open shards. A sequence number starts its own
 * shard AT that record and every other shard at the record's arrival time (a whole-stream view from that point).
 */
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type Shard,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { awsErrorName } from '@tributary/errors';
import { planShardSync, type InitialPosition } from '@tributary/kinesis-consumer';
import { notFoundError, toCliError } from '../../cli/cli-error';
import type { PlannedShard } from './shard-lineage';
import type { StartPosition } from './start-position';

export interface StreamPlan {
  summary: StreamDescriptionSummary & { StreamARN: string };
  shards: Shard[];
  planned: PlannedShard[];
  /** Shards closed when tail started: read to SHARD_END even without --follow. */
  closed: Set<string>;
}

export async function describeStream(client: KinesisClient, stream: string, signal: AbortSignal): Promise<StreamDescriptionSummary & { StreamARN: string }> {
  try {
    const out = await client.send(new DescribeStreamSummaryCommand(stream.startsWith('arn:') ? { StreamARN: stream } : { StreamName: stream }), { abortSignal: signal });
    const summary = out.StreamDescriptionSummary;
    if (!summary?.StreamARN) throw new Error('DescribeStreamSummary returned no stream');
    return summary as StreamDescriptionSummary & { StreamARN: string };
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') {
      throw notFoundError(`stream "${stream}" not found (check the name, --region and --endpoint-url; \`tributary streams\` lists the streams)`, error);
    }
    throw toCliError(error, `stream "${stream}"`);
  }
}

export async function listAllShards(client: KinesisClient, streamArn: string, signal: AbortSignal): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const out = await client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamARN: streamArn }), { abortSignal: signal });
    shards.push(...(out.Shards ?? []));
    nextToken = out.NextToken;
  } while (nextToken);
  return shards;
}

export async function planStream(client: KinesisClient, stream: string, from: StartPosition, signal: AbortSignal): Promise<StreamPlan> {
  const summary = await describeStream(client, stream, signal);
  const shards = await listAllShards(client, summary.StreamARN, signal);
  const closed = new Set(shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber !== undefined).map((s) => s.ShardId as string));
  if (from.kind !== 'sequence') {
    return { summary, shards, closed, planned: plan(shards, initialPositionOf(from)) };
  }
  const holder = await findSequenceHolder(client, summary.StreamARN, shards, from.sequenceNumber, signal);
  const planned = plan(shards, { timestamp: holder.arrival }).map((p) =>
    p.shardId === holder.shardId ? { ...p, start: { kind: 'sequence' as const, sequenceNumber: from.sequenceNumber, subSequenceNumber: 0 } } : p,
  );
  return { summary, shards, closed, planned };
}

function initialPositionOf(from: Exclude<StartPosition, { kind: 'sequence' }>): InitialPosition {
  if (from.kind === 'trim-horizon') return 'TRIM_HORIZON';
  if (from.kind === 'latest') return 'LATEST';
  return { timestamp: from.at };
}

function plan(shards: readonly Shard[], position: InitialPosition): PlannedShard[] {
  return planShardSync({ shards, existingLeases: [], initialPosition: position }).create.map((lease) => ({
    shardId: lease.leaseKey,
    parentShardIds: lease.parentShardIds,
    start: lease.checkpoint,
  }));
}

/** The shard whose records include `sequenceNumber`, and that record's arrival time. */
async function findSequenceHolder(
  client: KinesisClient,
  streamArn: string,
  shards: readonly Shard[],
  sequenceNumber: string,
  signal: AbortSignal,
): Promise<{ shardId: string; arrival: Date }> {
  const seq = BigInt(sequenceNumber);
  const candidates = shards.filter((s) => {
    const range = s.SequenceNumberRange;
    if (!range?.StartingSequenceNumber) return false;
    return BigInt(range.StartingSequenceNumber) <= seq && (range.EndingSequenceNumber === undefined || seq <= BigInt(range.EndingSequenceNumber));
  });
  for (const shard of candidates) {
    const shardId = shard.ShardId as string;
    let iterator: string | undefined;
    try {
      const out = await client.send(
        new GetShardIteratorCommand({ StreamARN: streamArn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: sequenceNumber }),
        { abortSignal: signal },
      );
      iterator = out.ShardIterator;
    } catch (error) {
      // Another shard's number: the service says InvalidArgumentException; try the next candidate.
      if (awsErrorName(error) === 'InvalidArgumentException') continue;
      throw toCliError(error, `shard ${shardId}`);
    }
    const records = await client.send(new GetRecordsCommand({ ShardIterator: iterator, StreamARN: streamArn, Limit: 1 }), { abortSignal: signal });
    const first = records.Records?.[0];
    if (first?.SequenceNumber === sequenceNumber) return { shardId, arrival: first.ApproximateArrivalTimestamp ?? new Date() };
  }
  throw notFoundError(`no shard of the stream holds sequence number ${sequenceNumber} (trimmed, or from another stream); use --from trim-horizon or a time`);
}
