/**
 * The telemetry-consumer's role: read its stream, dead-letter to its DLQ stream, keep its leases and the device
 * state. Every action below is one the code calls (libs/kinesis-consumer, apps/telemetry-consumer); each statement
 * names only its own resources.
 *
 * - Source stream ARN: kinesis:DescribeStreamSummary (start-up), ListShards (shard sync, resharding),
 *   GetShardIterator + GetRecords (polling retrieval), RegisterStreamConsumer (enhanced fan-out registration, an
 *   action on the stream).
 * - The fan-out consumer's ARN (`<stream ARN>/consumer/<application name>:<creation time>`, the consumer name
 *   defaulting to the application name): DescribeStreamConsumer, SubscribeToShard. IAM authorises both on the
 *   consumer resource, not the stream.
 * - Dead-letter stream ARN (if any): kinesis:PutRecords (KinesisDeadLetterSink batches with PutRecords only).
 * - Lease table: dynamodb:DescribeTable, GetItem, PutItem, UpdateItem, DeleteItem, Scan (lease-table.ts).
 * - Device-state table: dynamodb:DescribeTable, PutItem (device-state-sink.ts; conditional PutItem only).
 * - Rollup table: dynamodb:DescribeTable, PutItem (rollup-table-sink.ts; conditional PutItem only, no
 *   BatchWriteItem: a batch cannot carry the "keep the fuller part" condition).
 *
 * Not granted: dynamodb:CreateTable, UpdateTimeToLive (this stack creates the tables, with TTL on the rollups, and the code calls CreateTable only when
 * DescribeTable says a table is missing), Split/MergeShards, DeregisterStreamConsumer, any write to the source
 * stream, any read of the DLQ stream, kinesis:* or dynamodb:*.
 */
import { Effect, PolicyDocument, PolicyStatement, Role, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface TelemetryConsumerRoleProps {
  streamArn: string;
  /** The enhanced fan-out consumer name: the application name unless `--consumer-name` says otherwise. */
  efoConsumerName: string;
  deadLetterStreamArn: string | undefined;
  leaseTableArn: string;
  deviceStateTableArn: string;
  rollupTableArn: string;
  principal: IPrincipal;
}

export const TELEMETRY_CONSUMER_STREAM_ACTIONS = [
  'kinesis:DescribeStreamSummary',
  'kinesis:ListShards',
  'kinesis:GetShardIterator',
  'kinesis:GetRecords',
  'kinesis:RegisterStreamConsumer',
] as const;
export const TELEMETRY_CONSUMER_EFO_ACTIONS = ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'] as const;
export const TELEMETRY_CONSUMER_DLQ_ACTIONS = ['kinesis:PutRecords'] as const;
export const TELEMETRY_CONSUMER_LEASE_ACTIONS = [
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Scan',
] as const;
export const TELEMETRY_CONSUMER_STATE_ACTIONS = ['dynamodb:DescribeTable', 'dynamodb:PutItem'] as const;
export const TELEMETRY_CONSUMER_ROLLUP_ACTIONS = ['dynamodb:DescribeTable', 'dynamodb:PutItem'] as const;

export class TelemetryConsumerRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: TelemetryConsumerRoleProps) {
    super(scope, id);
    const statements = [
      new PolicyStatement({ sid: 'ReadTelemetryStream', effect: Effect.ALLOW, actions: [...TELEMETRY_CONSUMER_STREAM_ACTIONS], resources: [props.streamArn] }),
      new PolicyStatement({
        sid: 'EnhancedFanOut',
        effect: Effect.ALLOW,
        actions: [...TELEMETRY_CONSUMER_EFO_ACTIONS],
        resources: [`${props.streamArn}/consumer/${props.efoConsumerName}:*`],
      }),
    ];
    if (props.deadLetterStreamArn !== undefined) {
      statements.push(
        new PolicyStatement({ sid: 'WriteDeadLetters', effect: Effect.ALLOW, actions: [...TELEMETRY_CONSUMER_DLQ_ACTIONS], resources: [props.deadLetterStreamArn] }),
      );
    }
    statements.push(
      new PolicyStatement({ sid: 'Leases', effect: Effect.ALLOW, actions: [...TELEMETRY_CONSUMER_LEASE_ACTIONS], resources: [props.leaseTableArn] }),
      new PolicyStatement({ sid: 'DeviceState', effect: Effect.ALLOW, actions: [...TELEMETRY_CONSUMER_STATE_ACTIONS], resources: [props.deviceStateTableArn] }),
      new PolicyStatement({ sid: 'Rollups', effect: Effect.ALLOW, actions: [...TELEMETRY_CONSUMER_ROLLUP_ACTIONS], resources: [props.rollupTableArn] }),
    );
    this.role = new Role(this, 'Role', {
      assumedBy: props.principal,
      description: 'tributary telemetry-consumer: read the telemetry stream, its leases and device state, dead-letter',
      inlinePolicies: { ConsumeTelemetry: new PolicyDocument({ statements }) },
    });
  }
}
