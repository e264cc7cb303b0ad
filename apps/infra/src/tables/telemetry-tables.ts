/**
 * The DynamoDB tables of the telemetry-consumer, with the exact key schemas its code creates and checks:
 *
 * - the lease table (libs/kinesis-consumer src/leases/lease-table.ts `ensureTable`): named after the consumer's
 *   application name, as KCL does; hash key `leaseKey` (S), one item per shard;
 * - the device-state table (apps/telemetry-consumer src/sinks/device-state-sink.ts): hash key `deviceId` (S), one
 *   item per device; the sink refuses to start on a table with another key schema;
 * - the rollup table (src/sinks/rollup-table-sink.ts, item layout in libs/schemas dashboard-items.ts): hash key
 *   `deviceId` (S), range key `window` (S), TTL on `expiresAt` (the consumer enables TTL only on a table it creates);
 * - the camera-health table (apps/video-producer src/health/camera-health-reporter.ts): hash key `streamName` (S),
 *   one item per camera, replaced every 5 s. Without point-in-time recovery: it holds nothing worth restoring.
 *
 * Both on demand (PAY_PER_REQUEST, as the code would create them) with point-in-time recovery. Created here, the
 * consumer finds them ACTIVE with DescribeTable and never calls CreateTable, so its role needs no CreateTable.
 * Encryption at rest is DynamoDB's default (AWS-owned key): no KMS calls, nothing to grant.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface TelemetryTablesProps {
  leaseTableName: string;
  deviceStateTableName: string;
  rollupTableName: string;
  cameraHealthTableName: string;
  retainData: boolean;
}

export class TelemetryTables extends Construct {
  readonly leaseTable: Table;
  readonly deviceStateTable: Table;
  readonly rollupTable: Table;
  readonly cameraHealthTable: Table;

  constructor(scope: Construct, id: string, props: TelemetryTablesProps) {
    super(scope, id);
    const common = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };
    this.leaseTable = new Table(this, 'Leases', {
      ...common,
      tableName: props.leaseTableName,
      partitionKey: { name: 'leaseKey', type: AttributeType.STRING },
    });
    this.deviceStateTable = new Table(this, 'DeviceState', {
      ...common,
      tableName: props.deviceStateTableName,
      partitionKey: { name: 'deviceId', type: AttributeType.STRING },
    });
    this.rollupTable = new Table(this, 'Rollups', {
      ...common,
      tableName: props.rollupTableName,
      partitionKey: { name: 'deviceId', type: AttributeType.STRING },
      sortKey: { name: 'window', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
    this.cameraHealthTable = new Table(this, 'CameraHealth', {
      ...common,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
      tableName: props.cameraHealthTableName,
      partitionKey: { name: 'streamName', type: AttributeType.STRING },
    });
  }
}
