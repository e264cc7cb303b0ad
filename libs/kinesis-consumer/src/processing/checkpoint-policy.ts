/**
 * When the shard consumer writes a checkpoint (pure decision logic, no I/O): after each batch (KCL's usual
 * `checkpoint()` at the end of processRecords), every N records, every T ms, or only when the handler calls
 * `context.checkpoint()`. A checkpoint is a DynamoDB write per shard, so batching them trades replay after a
 * failover (at most N records / T ms) for fewer writes. Shard end and graceful shutdown checkpoint regardless
 * (KCL: SHARD_END must checkpoint, REQUESTED is the last chance): that is the consumer's rule, not this policy's.
 */
import { invalidOption } from './processing-options';

export type CheckpointAfter = 'batch' | 'manual' | { records?: number; ms?: number };

export interface CheckpointProgress {
  /** Records done (handled or dead-lettered) since the last checkpoint. */
  recordsSinceLast: number;
  /** Milliseconds since the last checkpoint (or since the lease was taken). */
  msSinceLast: number;
}

export class CheckpointPolicy {
  readonly kind: 'batch' | 'manual' | 'interval';
  /** For 'interval': the thresholds (either may be absent, not both). */
  readonly records?: number;
  readonly ms?: number;

  constructor(option: CheckpointAfter = 'batch') {
    if (option === 'batch' || option === 'manual') {
      this.kind = option;
      return;
    }
    if (typeof option !== 'object' || option === null) {
      throw invalidOption('checkpointAfter', "must be 'batch', 'manual' or { records?, ms? }.");
    }
    for (const key of Object.keys(option)) {
      if (key !== 'records' && key !== 'ms') throw invalidOption(`checkpointAfter.${key}`, 'unknown setting.');
    }
    if (option.records === undefined && option.ms === undefined) {
      throw invalidOption('checkpointAfter', 'give records, ms or both.');
    }
    if (option.records !== undefined && !(Number.isInteger(option.records) && option.records > 0)) {
      throw invalidOption('checkpointAfter.records', 'must be a positive integer.');
    }
    if (option.ms !== undefined && !(Number.isFinite(option.ms) && option.ms > 0)) {
      throw invalidOption('checkpointAfter.ms', 'must be a positive number of milliseconds.');
    }
    this.kind = 'interval';
    if (option.records !== undefined) this.records = option.records;
    if (option.ms !== undefined) this.ms = option.ms;
  }

  /** Whether to checkpoint now. Nothing new since the last checkpoint never needs one. */
  shouldCheckpoint(progress: CheckpointProgress): boolean {
    if (progress.recordsSinceLast <= 0) return false;
    switch (this.kind) {
      case 'batch':
        return true;
      case 'manual':
        return false;
      case 'interval':
        return (
          (this.records !== undefined && progress.recordsSinceLast >= this.records) || (this.ms !== undefined && progress.msSinceLast >= this.ms)
        );
    }
  }

  /**
   * For a time-based policy with records waiting: the milliseconds until `shouldCheckpoint` turns true by time
   * alone (0 when due), so an idle shard still checkpoints on time. Undefined when no timer is needed.
   */
  dueInMs(progress: CheckpointProgress): number | undefined {
    if (this.kind !== 'interval' || this.ms === undefined || progress.recordsSinceLast <= 0) return undefined;
    return Math.max(0, this.ms - progress.msSinceLast);
  }
}
