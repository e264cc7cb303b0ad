/**
 * Operations of today's Kinesis Data Streams API (the model of @aws-sdk/client-kinesis) that the emulator does not
 * serve, each with what to use instead. They are answered as an unknown operation is (400
 * UnknownOperationException), but with a message that says why and what to do, so that code calling them fails
 * locally with a pointer rather than with a bare `__type`. Pure data.
 */
import { AwsServiceError, awsErrors } from '../errors';

const CHANNELS =
  'channels (delivery of records to Amazon S3 or S3 Tables) are not emulated; read the stream with GetRecords or SubscribeToShard (e.g. the KCL) and write the destination yourself, or use a real AWS account';
const RESOURCE_POLICIES =
  'resource policies are not emulated (the emulator checks no IAM or resource policy: any caller may call any operation); use a real AWS account to test access control';
const ACCOUNT_SETTINGS =
  'account settings (the minimum throughput billing commitment) are not emulated; DescribeLimits answers the shard and on-demand stream limits, or use a real AWS account';

export const KDS_UNSUPPORTED_OPERATIONS: Readonly<Record<string, string>> = {
  CreateChannel: CHANNELS,
  DeleteChannel: CHANNELS,
  DescribeChannel: CHANNELS,
  ListChannels: CHANNELS,
  UpdateChannel: CHANNELS,
  PutResourcePolicy: RESOURCE_POLICIES,
  GetResourcePolicy: RESOURCE_POLICIES,
  DeleteResourcePolicy: RESOURCE_POLICIES,
  DescribeAccountSettings: ACCOUNT_SETTINGS,
  UpdateAccountSettings: ACCOUNT_SETTINGS,
  UpdateMaxRecordSize:
    'a stream keeps the MaxRecordSizeInKiB it was created with (CreateStream takes it); use a real AWS account to change it later',
  UpdateStreamRecordDistributionStrategy:
    'records are distributed by the MD5 hash of their partition key (or ExplicitHashKey), the default strategy; use a real AWS account for another',
  UpdateStreamWarmThroughput:
    'warm throughput (accounts with a minimum throughput billing commitment) is not emulated, and on-demand streams keep their 4 shards here; to pre-scale, switch the stream to PROVISIONED (UpdateStreamMode) and call UpdateShardCount, or use a real AWS account',
};

/** Whether `operation` is one of AWS's that the emulator answers as unsupported (own names only). */
export function isUnsupportedKdsOperation(operation: string): boolean {
  return Object.hasOwn(KDS_UNSUPPORTED_OPERATIONS, operation);
}

/** The answer to an operation AWS has and the emulator does not serve. */
export function unsupportedKdsOperation(operation: string): AwsServiceError {
  const instead = Object.hasOwn(KDS_UNSUPPORTED_OPERATIONS, operation) ? KDS_UNSUPPORTED_OPERATIONS[operation] : 'use a real AWS account';
  return awsErrors.unknownOperation(`Operation ${operation} is not supported by the emulator: ${instead}.`);
}
