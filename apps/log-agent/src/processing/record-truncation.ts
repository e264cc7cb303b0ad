/**
 * Truncation of a record over the Kinesis record limit (awslabs/amazon-kinesis-agent tailing/AbstractRecord.truncate
 * with KinesisRecord.getMaxDataSize): when data plus partition key exceed 1 MiB (KinesisConstants.MAX_RECORD_SIZE_BYTES)
 * the data is cut to 1 MiB minus the key's length and its last bytes are replaced by `truncatedRecordTerminator`
 * (default `\n`, FileFlow.DEFAULT_TRUNCATED_RECORD_TERMINATOR). The cut is by bytes, like the agent's (its TODO: a
 * multi-byte UTF-8 character may be split just before the terminator).
 */

/** KinesisConstants.MAX_RECORD_SIZE_BYTES: data and partition key of one record together. */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;
/** The longest partition key Kinesis accepts (256 characters); the default room left for it. */
export const MAX_PARTITION_KEY_BYTES = 256;

/** Returns `data` itself when it fits in `maxDataBytes`, else a copy cut to it and ended by `terminator`. */
export function truncateRecord(data: Buffer, maxDataBytes: number, terminator: Uint8Array): Buffer {
  if (data.length <= maxDataBytes) return data;
  const out = Buffer.allocUnsafe(maxDataBytes);
  const keep = maxDataBytes - terminator.length;
  data.copy(out, 0, 0, keep);
  out.set(terminator, keep);
  return out;
}
