/**
 * Dispatch: one batch → one PutRecords call (aborted after `requestTimeoutMs`), and its answer → each user
 * record settled. A stored entry resolves its records with shard, sequence number and sub-sequence number; a
 * failed entry (throttled, internal failure) goes back to the retry scheduler with the others of its channel and
 * kind of failure; a failed call (network, 5xx, timeout, throttling of the whole call) sends all its records there.
 * The caller caps the calls in flight (`inFlight` against `maxConcurrentRequests`).
 */
import {
  PutRecordsCommand,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
  type PutRecordsRequestEntry,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { classifyCallError, classifyEntryError, type ClassifiedFailure } from '@tributary/errors';
import type { Batch } from '../batching/batch-builder';
import type { ProducerBuffer } from '../producer/producer-buffer';
import type { ProducerContext } from '../producer/producer-context';
import type { KinesisClientLike } from '../producer/producer-options';
import type { RetryScheduler } from '../retry/retry-scheduler';
import type { PlacementChecker } from '../routing/placement-checker';
import type { OutgoingRecord, PendingRecord, ShardChannel } from '../routing/shard-channel';
import type { ShardRouter } from '../routing/shard-router';
import { fastPutRecordsInput } from './put-records-body-codec';

interface FailedGroup {
  channel: ShardChannel;
  records: PendingRecord[];
  kinesisRecords: number;
  failure: ClassifiedFailure;
}

/** The parts of the producer an answer touches. */
export interface DispatchTargets {
  buffer: ProducerBuffer;
  router: ShardRouter;
  retries: RetryScheduler;
  placement: PlacementChecker;
}

export class PutRecordsDispatcher {
  /** PutRecords calls in flight. */
  inFlight = 0;
  private readonly stream: { StreamName: string } | { StreamARN: string };

  constructor(
    private readonly ctx: ProducerContext,
    private readonly client: KinesisClientLike,
    /** The client is ours and serializes PutRecords bodies through put-records-body-codec. */
    private readonly fastBody: boolean,
    private readonly t: DispatchTargets,
  ) {
    this.stream = ctx.o.streamArn ? { StreamARN: ctx.o.streamArn } : { StreamName: ctx.o.streamName };
  }

  send(batch: Batch, now: number): void {
    this.inFlight++;
    this.ctx.totals.putRecordsCalls++;
    for (const ch of batch.channels) ch.inFlight++;
    const entries: PutRecordsRequestEntry[] = new Array(batch.records.length);
    for (let i = 0; i < entries.length; i++) {
      const out = batch.records[i];
      entries[i] = out.entry;
      for (const r of out.records) r.attempts++;
    }
    const input: PutRecordsCommandInput = this.fastBody ? fastPutRecordsInput(this.stream, entries) : { ...this.stream, Records: entries };
    const controller = new AbortController();
    const timeout = this.ctx.timers.setTimeout(() => controller.abort(), this.ctx.o.requestTimeoutMs);
    this.client.send(new PutRecordsCommand(input), { abortSignal: controller.signal }).then(
      (output) => this.completed(batch, now, timeout, output, undefined),
      (error: unknown) => this.completed(batch, now, timeout, undefined, error),
    );
  }

  private completed(batch: Batch, sentAt: number, timeout: unknown, output: PutRecordsCommandOutput | undefined, error: unknown): void {
    this.ctx.timers.clearTimeout(timeout);
    try {
      if (output) this.onAnswer(batch, sentAt, output);
      else this.onCallError(batch, sentAt, error);
    } catch (err) {
      // A bug, never an expected path (listeners and hooks are isolated): log it loudly.
      this.ctx.logger.error({ err }, 'internal error while handling a PutRecords answer');
    } finally {
      this.inFlight--;
      for (const ch of batch.channels) ch.inFlight--;
      this.t.router.pruneRetired();
      this.ctx.pump.runNow();
    }
  }

  private onAnswer(batch: Batch, sentAt: number, output: PutRecordsCommandOutput): void {
    const { ctx, t } = this;
    const now = ctx.clock.now();
    const results = output.Records ?? [];
    if (results.length !== batch.records.length) {
      // Cannot tell which entry is which: retry them all (Kinesis never answers so; a proxy might).
      this.onCallError(batch, sentAt, Object.assign(new Error(`PutRecords answered ${results.length} results for ${batch.records.length} records`), { name: 'ResponseMismatch' }));
      return;
    }
    const wantPut = ctx.events.wants('records-put');
    // A record's put time is its deadline minus the time-to-live (FailureReporter.putAtOf), inlined on this path.
    const ttl = ctx.o.recordTtlMs;
    let okUser = 0;
    let okKinesis = 0;
    let okBytes = 0;
    let maxLatency = 0;
    let sumLatency = 0;
    let failed: FailedGroup[] | undefined;
    for (let i = 0; i < results.length; i++) {
      const res = results[i];
      const out = batch.records[i];
      if (res.ErrorCode !== undefined || res.SequenceNumber === undefined || res.ShardId === undefined) {
        failed = addFailed(failed, out, res);
        continue;
      }
      const shardId = res.ShardId;
      const sequenceNumber = res.SequenceNumber;
      const records = out.records;
      // Held back (not settled) when its placement must be verified before it counts: see PlacementChecker.
      if (out.channel.mapped && shardId !== out.channel.shardId && t.placement.onWrongShard(out, shardId, sequenceNumber)) continue;
      for (let j = 0; j < records.length; j++) {
        const r = records[j];
        if (wantPut) {
          const latency = now - (r.deadline - ttl);
          sumLatency += latency;
          if (latency > maxLatency) maxLatency = latency;
        }
        r.resolve(out.aggregated ? { shardId, sequenceNumber, subSequenceNumber: j, attempts: r.attempts } : { shardId, sequenceNumber, attempts: r.attempts });
      }
      t.buffer.settleDelivered(records);
      okUser += records.length;
      okKinesis++;
      okBytes += out.bytes;
    }
    ctx.totals.userRecordsPut += okUser;
    ctx.totals.kinesisRecordsPut += okKinesis;
    if (okKinesis > 0 && wantPut) {
      const meanLatencyMs = okUser > 0 ? sumLatency / okUser : 0;
      const e = { userRecords: okUser, kinesisRecords: okKinesis, bytes: okBytes, requestDurationMs: now - sentAt, maxLatencyMs: maxLatency, meanLatencyMs };
      ctx.events.emit('records-put', { streamName: ctx.o.streamName, ...e });
    }
    if (failed) {
      for (const group of failed) {
        if (group.failure.kind === 'throttled') t.retries.onThrottled(group.channel, sentAt, group.kinesisRecords);
        t.retries.retryOrFail(group.records, group.failure, group.channel, group.kinesisRecords, now);
      }
    }
  }

  private onCallError(batch: Batch, sentAt: number, error: unknown): void {
    const { ctx, t } = this;
    const now = ctx.clock.now();
    const failure = classifyCallError(error);
    let userRecords = 0;
    for (const out of batch.records) userRecords += out.records.length;
    const kinesisRecords = batch.records.length;
    ctx.events.emit('request-error', { streamName: ctx.o.streamName, code: failure.code, kind: failure.kind, kinesisRecords, userRecords, durationMs: now - sentAt });
    ctx.logger.debug({ code: failure.code, kind: failure.kind, kinesisRecords, err: error }, 'PutRecords call failed');
    const byChannel = new Map<ShardChannel, { records: PendingRecord[]; kinesisRecords: number }>();
    for (const out of batch.records) {
      let group = byChannel.get(out.channel);
      if (!group) byChannel.set(out.channel, (group = { records: [], kinesisRecords: 0 }));
      for (const r of out.records) group.records.push(r);
      group.kinesisRecords++;
    }
    for (const [ch, group] of byChannel) {
      if (failure.kind === 'throttled') t.retries.onThrottled(ch, sentAt, group.kinesisRecords);
      t.retries.retryOrFail(group.records, failure, ch, group.kinesisRecords, now);
    }
  }
}

/** Adds a failed entry's records to the group of its channel and kind of failure: each group is retried (or failed) as one. */
function addFailed(failed: FailedGroup[] | undefined, out: OutgoingRecord, res: PutRecordsResultEntry): FailedGroup[] {
  const groups = failed ?? [];
  const failure = classifyEntryError(res.ErrorCode ?? 'MissingSequenceNumber', res.ErrorMessage);
  let group = groups.find((g) => g.channel === out.channel && g.failure.kind === failure.kind);
  if (!group) groups.push((group = { channel: out.channel, records: [], kinesisRecords: 0, failure }));
  for (const r of out.records) group.records.push(r);
  group.kinesisRecords++;
  return groups;
}
