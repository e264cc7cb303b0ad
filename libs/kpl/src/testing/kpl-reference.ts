/**
 * The reference deaggregator, aws-kinesis-agg (awslabs/kinesis-aggregation, node), wrapped for tests: what a KCL
 * would make of a Kinesis record. Read from its source (lib/kpl-deagg.js): `deaggregateSync(record, verify, cb)`
 * takes the v2 Lambda shape `{ partitionKey, explicitPartitionKey?, sequenceNumber, data: base64 }` (a record with
 * a `Data` key is taken as the v3 shape and gets capitalised keys back), checks the magic, decodes the protobuf
 * with protobufjs, verifies the MD5 trailer when asked, and calls back once with every user record; a record
 * without the magic comes back as itself, without a subSequenceNumber.
 */
const agg = require('aws-kinesis-agg') as {
  deaggregateSync(
    record: { partitionKey: string; explicitPartitionKey?: string; sequenceNumber: string; data: string },
    computeChecksums: boolean,
    callback: (err: Error | null | undefined, userRecords?: ReferenceUserRecord[]) => void,
  ): void;
};

interface ReferenceUserRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  /** base64 */
  data: string;
}

export interface DeaggregatedUserRecord {
  partitionKey: string;
  explicitHashKey?: string;
  subSequenceNumber?: number;
  data: Buffer;
}

/** The user records inside one Kinesis record (data, its partition key and ExplicitHashKey), per aws-kinesis-agg. */
export function referenceDeaggregate(
  record: { data: Uint8Array; partitionKey: string; explicitHashKey?: string; sequenceNumber?: string },
  verifyChecksum = true,
): DeaggregatedUserRecord[] {
  let result: DeaggregatedUserRecord[] | undefined;
  let failure: Error | undefined;
  agg.deaggregateSync(
    {
      partitionKey: record.partitionKey,
      ...(record.explicitHashKey !== undefined ? { explicitPartitionKey: record.explicitHashKey } : {}),
      sequenceNumber: record.sequenceNumber ?? '0',
      data: Buffer.from(record.data).toString('base64'),
    },
    verifyChecksum,
    (err, userRecords) => {
      if (err) failure = err;
      else
        result = (userRecords ?? []).map((u) => ({
          partitionKey: u.partitionKey,
          ...(u.explicitPartitionKey !== undefined && u.explicitPartitionKey !== null ? { explicitHashKey: String(u.explicitPartitionKey) } : {}),
          ...(u.subSequenceNumber !== undefined ? { subSequenceNumber: u.subSequenceNumber } : {}),
          data: Buffer.from(u.data, 'base64'),
        }));
    },
  );
  if (failure) throw failure;
  if (!result) throw new Error('aws-kinesis-agg did not call back');
  return result;
}
