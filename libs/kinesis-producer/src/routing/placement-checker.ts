/**
 * Wrong-shard answers (README, "Resharding"). A success on another shard than predicted means the map is out of
 * date (a reshard). The record is stored, and sending it again would duplicate it (what the KPL does), so it
 * stays a success; the map is refreshed, and until then nothing is aggregated, since single records are routed
 * right by Kinesis itself.
 *
 * An aggregate is different: built for the old shard, its sub-records may hash outside the shard that took it,
 * and a KCL then drops the whole aggregate (kds-reference.md §3.3). Once the new map is known, its placement is
 * checked (verify): with `misplacedAggregates: 'report'` (default) the records resolve at once and a misplaced
 * aggregate is reported ('misplaced-aggregate' event, warning log); with 'resend' they are held (counted as in
 * flight, so ordered mode keeps their place) and, if misplaced, sent again: exactly once for KCL consumers, which
 * never see the dropped aggregate.
 */
import type { ProducerBuffer } from '../producer/producer-buffer';
import type { ProducerContext } from '../producer/producer-context';
import type { RetryScheduler } from '../retry/retry-scheduler';
import type { OutgoingRecord } from './shard-channel';
import type { ShardRouter } from './shard-router';

/** An aggregate that landed on an unexpected shard, to be checked against the refreshed map. */
interface PlacementCheck {
  out: OutgoingRecord;
  actualShardId: string;
  sequenceNumber: string;
  /** 'resend' policy: its records are not settled yet. */
  held: boolean;
}

export class PlacementChecker {
  private checks: PlacementCheck[] = [];

  constructor(
    private readonly ctx: ProducerContext,
    private readonly buffer: ProducerBuffer,
    private readonly router: ShardRouter,
    private readonly retries: RetryScheduler,
  ) {}

  get pending(): boolean {
    return this.checks.length > 0;
  }

  /** `out` was stored on `actualShardId`, not on its channel's shard. Returns true when its records are held. */
  onWrongShard(out: OutgoingRecord, actualShardId: string, sequenceNumber: string): boolean {
    const { ctx, router } = this;
    ctx.totals.wrongShard++;
    const first = out.records[0];
    const stale = router.refreshPolicy.observePlacement({ hashKey: first.hashKey, shardId: actualShardId });
    if (stale) {
      router.aggregationSuspended = true;
      ctx.logger.info({ predicted: out.channel.shardId, actual: actualShardId, aggregated: out.aggregated }, 'record landed on an unexpected shard: refreshing the shard map');
    }
    ctx.events.emit('wrong-shard', {
      streamName: ctx.o.streamName,
      predictedShardId: out.channel.shardId as string,
      actualShardId,
      userRecords: out.records.length,
      aggregated: out.aggregated,
    });
    ctx.pump.queue();
    if (!out.aggregated) return false;
    const hold = ctx.o.misplacedAggregates === 'resend';
    this.checks.push({ out, actualShardId, sequenceNumber, held: hold });
    if (hold) out.channel.inFlight++;
    // With the map already refreshed since the call was sent, the check can run now.
    if (!stale) this.verify();
    return hold;
  }

  /** Checks held and reported aggregates against the current map (after a refresh). */
  verify(): void {
    const map = this.router.shardMap;
    if (!map || this.checks.length === 0) return;
    const now = this.ctx.clock.now();
    const remaining: PlacementCheck[] = [];
    for (const check of this.checks) {
      const shard = map.get(check.actualShardId);
      const records = check.out.records;
      if (!shard && records[0].deadline > now) {
        // The listing does not know the shard yet (eventually consistent): look again later.
        remaining.push(check);
        this.router.refreshPolicy.request('wrong-shard');
        continue;
      }
      let outside = 0;
      for (const r of records) if (!shard || r.hashKey < shard.start || r.hashKey > shard.end) outside++;
      const action = check.held ? 'resent' : 'reported';
      if (outside > 0) {
        this.ctx.logger.warn(
          { predicted: check.out.channel.shardId, actual: check.actualShardId, userRecords: records.length, outside, action },
          'an aggregate landed on a shard that does not own all of its records (a KCL drops such an aggregate)',
        );
        this.reportMisplaced(check, outside, action);
      }
      if (!check.held) continue;
      if (outside > 0) {
        this.ctx.totals.retries += records.length;
        this.retries.requeueAtHead(records, 0);
      } else {
        this.resolveHeld(check);
        this.ctx.totals.userRecordsPut += records.length;
      }
      check.out.channel.inFlight--;
    }
    this.checks = remaining;
    this.router.pruneRetired();
    this.ctx.pump.queue();
  }

  /**
   * A held aggregate whose placement could not be verified within its records' time-to-live (no shard map could
   * be loaded): it is stored, so it counts as delivered, and is reported as possibly misplaced.
   */
  expire(now: number): void {
    const keep: PlacementCheck[] = [];
    for (const check of this.checks) {
      const records = check.out.records;
      if (!check.held || records[0].deadline > now) {
        keep.push(check);
        continue;
      }
      this.reportMisplaced(check, records.length, 'reported');
      this.resolveHeld(check);
      check.out.channel.inFlight--;
    }
    this.checks = keep;
  }

  private reportMisplaced(check: PlacementCheck, outsideRecords: number, action: 'resent' | 'reported'): void {
    this.ctx.events.emit('misplaced-aggregate', {
      streamName: this.ctx.o.streamName,
      predictedShardId: check.out.channel.shardId as string,
      actualShardId: check.actualShardId,
      sequenceNumber: check.sequenceNumber,
      userRecords: check.out.records.length,
      outsideRecords,
      action,
    });
  }

  /** Resolves the records of a held aggregate as stored where Kinesis put it. */
  private resolveHeld(check: PlacementCheck): void {
    const records = check.out.records;
    for (let j = 0; j < records.length; j++) {
      const r = records[j];
      r.resolve({ shardId: check.actualShardId, sequenceNumber: check.sequenceNumber, subSequenceNumber: j, attempts: r.attempts });
      this.buffer.settle(r, true);
    }
  }
}
