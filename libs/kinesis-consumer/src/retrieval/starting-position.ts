/**
 * Checkpoint → where GetShardIterator / SubscribeToShard start.
 *
 * A sequence-number checkpoint restarts AT_SEQUENCE_NUMBER, always, as KCL does (KinesisDataFetcher
 * advanceIteratorTo): the checkpointed Kinesis record is read again and the caller drops what is at or before
 * the checkpoint with `skipUpTo`. AFTER_SEQUENCE_NUMBER would be one record cheaper for a plain record, but a
 * checkpoint (s, 0) cannot tell a plain record from the first sub-record of an aggregate whose other
 * sub-records still wait (the lease stores no "aggregated" flag), and AFTER would lose those. AT + skip is
 * correct in both cases and costs one re-read record per restart.
 *
 * Resubscribing after a subscription ended uses AFTER_SEQUENCE_NUMBER of the last ContinuationSequenceNumber
 * (the service's own resume point), and re-acquiring an expired iterator AFTER_SEQUENCE_NUMBER of the last
 * record returned; both are positions the source itself saw, not checkpoints.
 */
import type { ShardIteratorType, StartingPosition } from '@aws-sdk/client-kinesis';
import { ConsumerError } from '../consumer-error';
import type { Checkpoint } from '../consumer-types';

export interface IteratorStart {
  ShardIteratorType: ShardIteratorType;
  StartingSequenceNumber?: string;
  Timestamp?: Date;
}

export function iteratorStartOf(checkpoint: Checkpoint): IteratorStart {
  if (checkpoint.kind === 'sequence') {
    return { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint.sequenceNumber };
  }
  switch (checkpoint.value) {
    case 'TRIM_HORIZON':
    case 'LATEST':
      return { ShardIteratorType: checkpoint.value };
    case 'AT_TIMESTAMP':
      if (checkpoint.timestamp === undefined || !Number.isFinite(checkpoint.timestamp)) {
        throw new ConsumerError('INVALID_OPTION', 'An AT_TIMESTAMP checkpoint needs a timestamp (epoch ms).', false);
      }
      return { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(checkpoint.timestamp) };
    case 'SHARD_END':
      // A finished shard has nothing to read; the shard consumer must not open a source for it.
      throw new ConsumerError('INTERNAL', 'A shard checkpointed at SHARD_END has no records left to retrieve.', false);
  }
}

/** Iterator start that resumes after a record (or continuation) the source has already seen. */
export function afterSequence(sequenceNumber: string): IteratorStart {
  return { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: sequenceNumber };
}

/** The same position as SubscribeToShard's StartingPosition. */
export function toStartingPosition(start: IteratorStart): StartingPosition {
  return {
    Type: start.ShardIteratorType,
    ...(start.StartingSequenceNumber !== undefined ? { SequenceNumber: start.StartingSequenceNumber } : {}),
    ...(start.Timestamp !== undefined ? { Timestamp: start.Timestamp } : {}),
  };
}
