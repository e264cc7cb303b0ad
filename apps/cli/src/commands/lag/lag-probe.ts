/**
 * How far a checkpoint is behind its shard's tip, measured with the stream itself:
 *
 *   GetShardIterator from the checkpoint, as the consumer restarts from it (AT_SEQUENCE_NUMBER and then skip what
 *   is at or before the checkpoint, because a (sequence, sub-sequence) checkpoint may sit inside a KPL aggregate:
 *   libs/kinesis-consumer starting-position.ts), then GetRecords.
 *
 * Time behind = now − arrival of the oldest record after the checkpoint (0 when there is none: the checkpoint
 * is at the tip). Not the response's MillisBehindLatest: that is measured after the records the call returned,
 * so it reads 0 when the only unprocessed record was returned, and its value depends on the page size. Arrival
 * times are the service's clock and `now` ours: a few ms of clock skew show up as such (clamped at 0).
 *
 * Records behind (`--records`) are counted by reading on to the tip (KPL sub-records counted, up to a cap):
 * exact, but it reads the data, and its GetRecords calls share the shard's 5 reads/s with the consumers, so it
 * is asked for explicitly. Sequence numbers cannot be subtracted instead: they grow with time and other shards'
 * traffic, not by one per record.
 */
import { GetRecordsCommand, GetShardIteratorCommand, type GetShardIteratorCommandInput, type KinesisClient } from '@aws-sdk/client-kinesis';
import { deaggregateRecords, skipUpTo, type Checkpoint } from '@tributary/kinesis-consumer';
import type { LagMeasurement } from './lag-report';

export interface ProbeOptions {
  /** Count the records behind, up to `maxRecords`. */
  countRecords: boolean;
  maxRecords: number;
  signal?: AbortSignal;
  now?: () => number;
}

/** Pages read without a record before giving up on finding the first one (sparse shards return empty pages). */
const MAX_EMPTY_PAGES = 5;

export async function probeLag(client: KinesisClient, stream: string, shardId: string, checkpoint: Checkpoint, options: ProbeOptions): Promise<LagMeasurement> {
  const now = options.now ?? Date.now;
  const start = iteratorStart(stream, shardId, checkpoint);
  if (!start) return { millisBehind: 0, ...(options.countRecords ? { recordsBehind: 0 } : {}) };
  let iterator = (await client.send(new GetShardIteratorCommand(start), { abortSignal: options.signal })).ShardIterator;
  let firstArrival: number | undefined;
  let counted = 0;
  let emptyPages = 0;
  while (iterator) {
    const limit = options.countRecords ? Math.min(10_000, options.maxRecords + 1) : 2;
    const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }), { abortSignal: options.signal });
    const records = skipUpTo(deaggregateRecords(page.Records ?? [], shardId).records, checkpoint);
    if (records.length > 0 && firstArrival === undefined) firstArrival = records[0].approximateArrivalTimestamp.getTime();
    counted += records.length;
    const atTip = (page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0;
    if (atTip || !page.NextShardIterator) break;
    if (!options.countRecords && firstArrival !== undefined) break;
    if (options.countRecords && counted > options.maxRecords) break;
    emptyPages = records.length === 0 ? emptyPages + 1 : 0;
    if (!options.countRecords && emptyPages >= MAX_EMPTY_PAGES) break;
    iterator = page.NextShardIterator;
  }
  const millisBehind = firstArrival === undefined ? 0 : Math.max(0, now() - firstArrival);
  if (!options.countRecords) return { millisBehind };
  return counted > options.maxRecords ? { millisBehind, recordsBehind: options.maxRecords, recordsCapped: true } : { millisBehind, recordsBehind: counted };
}

/** Where the consumer would restart; undefined when nothing can be behind (SHARD_END, or LATEST: it starts at the tip). */
function iteratorStart(stream: string, shardId: string, checkpoint: Checkpoint): GetShardIteratorCommandInput | undefined {
  const base = { StreamName: stream, ShardId: shardId };
  if (checkpoint.kind === 'sequence') return { ...base, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint.sequenceNumber };
  switch (checkpoint.value) {
    case 'TRIM_HORIZON':
      return { ...base, ShardIteratorType: 'TRIM_HORIZON' };
    case 'AT_TIMESTAMP':
      return checkpoint.timestamp === undefined ? { ...base, ShardIteratorType: 'TRIM_HORIZON' } : { ...base, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(checkpoint.timestamp) };
    default:
      return undefined;
  }
}
