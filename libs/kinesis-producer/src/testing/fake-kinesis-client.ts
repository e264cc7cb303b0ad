/**
 * An in-memory stand-in for the two Kinesis calls the producer makes, for unit tests that need exact control
 * (which entry fails, when a shard splits). Integration tests use the real emulator instead. It routes by
 * ExplicitHashKey or MD5(PartitionKey) to the open shard that owns the hash, like Kinesis, and records every
 * call and every stored record.
 */
import {
  ListShardsCommand,
  PutRecordsCommand,
  type ListShardsCommandOutput,
  type PutRecordsCommandOutput,
  type PutRecordsRequestEntry,
  type PutRecordsResultEntry,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { evenHashRanges, hashKeyOf, MAX_HASH_KEY } from '@tributary/partitioning';
import type { KinesisClientLike } from '../producer/producer-options';

export interface StoredRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  explicitHashKey?: string;
  data: Buffer;
}

export type EntryOutcome = 'ok' | 'throttle' | 'internal' | { errorCode: string; errorMessage?: string };

interface FakeShard {
  shardId: string;
  start: bigint;
  end: bigint;
  open: boolean;
  parent?: string;
}

export class FakeKinesisClient implements KinesisClientLike {
  readonly calls: PutRecordsRequestEntry[][] = [];
  readonly stored: StoredRecord[] = [];
  listShardsCalls = 0;
  /** Decides each entry's fate: (entry, index in call, call number from 1). Default: all ok. */
  entryOutcome: (entry: PutRecordsRequestEntry, index: number, call: number) => EntryOutcome = () => 'ok';
  /** Fails a whole PutRecords call when it returns an error. */
  callError: (call: number) => Error | undefined = () => undefined;
  /** Fails ListShards when it returns an error. */
  listShardsError: () => Error | undefined = () => undefined;
  /** The shards ListShards reports; by default the real ones (set to simulate a stale listing). */
  listedShards: (() => FakeShard[]) | undefined;
  destroyed = false;
  private shards: FakeShard[];
  private sequence = 0;
  private nextShardIndex: number;

  constructor(shardCount = 1) {
    this.shards = evenHashRanges(shardCount).map((r, i) => ({ shardId: shardIdOf(i), start: r.start, end: r.end, open: true }));
    this.nextShardIndex = shardCount;
  }

  get openShards(): FakeShard[] {
    return this.shards.filter((s) => s.open);
  }

  /** Splits an open shard in two at the middle of its range (as SplitShard with the midpoint). */
  split(shardId: string): [string, string] {
    const parent = this.shards.find((s) => s.shardId === shardId && s.open);
    if (!parent) throw new Error(`no open shard ${shardId}`);
    parent.open = false;
    const mid = (parent.start + parent.end) / 2n;
    const a = { shardId: shardIdOf(this.nextShardIndex++), start: parent.start, end: mid, open: true, parent: shardId };
    const b = { shardId: shardIdOf(this.nextShardIndex++), start: mid + 1n, end: parent.end, open: true, parent: shardId };
    this.shards.push(a, b);
    return [a.shardId, b.shardId];
  }

  shardOf(hashKey: bigint): string {
    const s = this.openShards.find((x) => x.start <= hashKey && hashKey <= x.end);
    if (!s) throw new Error(`no open shard for ${hashKey}`);
    return s.shardId;
  }

  rangeOf(shardId: string): { start: bigint; end: bigint } {
    const s = this.shards.find((x) => x.shardId === shardId);
    if (!s) throw new Error(`unknown shard ${shardId}`);
    return { start: s.start, end: s.end };
  }

  destroy(): void {
    this.destroyed = true;
  }

  send(command: PutRecordsCommand, options?: { abortSignal?: AbortSignal }): Promise<PutRecordsCommandOutput>;
  send(command: ListShardsCommand, options?: { abortSignal?: AbortSignal }): Promise<ListShardsCommandOutput>;
  async send(command: PutRecordsCommand | ListShardsCommand): Promise<PutRecordsCommandOutput | ListShardsCommandOutput> {
    await Promise.resolve();
    if (command instanceof ListShardsCommand) {
      this.listShardsCalls++;
      const err = this.listShardsError();
      if (err) throw err;
      const listed = this.listedShards ? this.listedShards() : this.openShards;
      const Shards: Shard[] = listed.map((s) => ({
        ShardId: s.shardId,
        ...(s.parent ? { ParentShardId: s.parent } : {}),
        HashKeyRange: { StartingHashKey: s.start.toString(), EndingHashKey: s.end.toString() },
        SequenceNumberRange: { StartingSequenceNumber: '1' },
      }));
      return { Shards, $metadata: {} };
    }
    const entries = command.input.Records ?? [];
    this.calls.push(entries);
    const call = this.calls.length;
    const err = this.callError(call);
    if (err) throw err;
    const Records: PutRecordsResultEntry[] = [];
    let failed = 0;
    entries.forEach((entry, i) => {
      const outcome = this.entryOutcome(entry, i, call);
      if (outcome !== 'ok') {
        failed++;
        if (outcome === 'throttle') Records.push({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' });
        else if (outcome === 'internal') Records.push({ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' });
        else Records.push({ ErrorCode: outcome.errorCode, ErrorMessage: outcome.errorMessage });
        return;
      }
      const hash = entry.ExplicitHashKey !== undefined ? BigInt(entry.ExplicitHashKey) : hashKeyOf(entry.PartitionKey as string);
      if (hash < 0n || hash > MAX_HASH_KEY) throw new Error('bad hash');
      const shardId = this.shardOf(hash);
      const sequenceNumber = String(++this.sequence).padStart(20, '0');
      this.stored.push({
        shardId,
        sequenceNumber,
        partitionKey: entry.PartitionKey as string,
        ...(entry.ExplicitHashKey !== undefined ? { explicitHashKey: entry.ExplicitHashKey } : {}),
        data: Buffer.from(entry.Data as Uint8Array),
      });
      Records.push({ ShardId: shardId, SequenceNumber: sequenceNumber });
    });
    return { FailedRecordCount: failed, Records, $metadata: {} };
  }
}

export const shardIdOf = (i: number): string => `shardId-${String(i).padStart(12, '0')}`;

/** Errors shaped as the SDK and Node raise them: the ones of @tributary/errors/testing, for the specs here. */
export { serviceError, networkError } from '@tributary/errors/testing';
