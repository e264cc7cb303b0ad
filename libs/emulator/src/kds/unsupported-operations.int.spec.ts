/**
 * Kinesis operations AWS has and the emulator does not serve, through the official @aws-sdk/client-kinesis v3
 * client over both handlers: a 400 UnknownOperationException the SDK raises by name, whose message says what to
 * use instead.
 */
import {
  CreateChannelCommand,
  DescribeAccountSettingsCommand,
  GetResourcePolicyCommand,
  KinesisServiceException,
  PutResourcePolicyCommand,
  UpdateMaxRecordSizeCommand,
  UpdateStreamWarmThroughputCommand,
} from '@aws-sdk/client-kinesis';
import { createActiveStream, errorOf, KDS_HANDLERS, streamArnOf, uniqueStreamName, useKdsTestEmulator } from '../testing/kds-test-clients';

describe.each(KDS_HANDLERS)('unsupported Kinesis operations over %s', (handler) => {
  const t = useKdsTestEmulator(handler, {}, { maxAttempts: 1 });

  it.each([
    ['PutResourcePolicy', (arn: string) => new PutResourcePolicyCommand({ ResourceARN: arn, Policy: '{}' }), 'use a real AWS account to test access control'],
    ['GetResourcePolicy', (arn: string) => new GetResourcePolicyCommand({ ResourceARN: arn }), 'resource policies are not emulated'],
    ['DescribeAccountSettings', () => new DescribeAccountSettingsCommand({}), 'DescribeLimits answers the shard and on-demand stream limits'],
    ['UpdateMaxRecordSize', (arn: string) => new UpdateMaxRecordSizeCommand({ StreamARN: arn, MaxRecordSizeInKiB: 2048 }), 'CreateStream takes it'],
    [
      'UpdateStreamWarmThroughput',
      (arn: string) => new UpdateStreamWarmThroughputCommand({ StreamARN: arn, WarmThroughputMiBps: 10 }),
      'call UpdateShardCount',
    ],
    [
      'CreateChannel',
      (arn: string) =>
        new CreateChannelCommand({
          ChannelName: 'c',
          StreamARN: arn,
          RoleARN: 'arn:aws:iam::000000000000:role/r',
          S3DestinationConfiguration: { BucketARN: 'arn:aws:s3:::b' },
        } as never),
      'read the stream with GetRecords or SubscribeToShard',
    ],
  ] as const)('%s: UnknownOperationException naming what to use instead', async (operation, command, instead) => {
    const name = uniqueStreamName('unsupported');
    await createActiveStream(t.client, name, 1);
    const err = await errorOf(t.client.send(command(streamArnOf(name)) as never));
    expect(err).toBeInstanceOf(KinesisServiceException);
    expect(err.name).toBe('UnknownOperationException');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toMatch(new RegExp(`^Operation ${operation} is not supported by the emulator: `));
    expect(err.message).toContain(instead);
  });
});
