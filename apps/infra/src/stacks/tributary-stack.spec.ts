/**
 * The template's resources: counts, names, key schemas, billing, retention, encryption, removal, outputs. The
 * IAM policies are checked in roles/app-roles.spec.ts. Each stack is synthesised once for the file.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { readCdkJsonContext } from '../app-context';
import { readInfraConfig, type ContextKey } from '../config/infra-config';
import { TributaryStack, outputId } from './tributary-stack';

function synth(context: Partial<Record<ContextKey, unknown>> = {}): Template {
  const app = new App({ analyticsReporting: false, context: readCdkJsonContext() });
  const stack = new TributaryStack(app, 'Test', { config: readInfraConfig((key) => context[key]) });
  return Template.fromStack(stack);
}

describe('TributaryStack with the defaults', () => {
  let template: Template;
  beforeAll(() => {
    template = synth();
  });

  it('has exactly the expected resources', () => {
    template.resourceCountIs('AWS::Kinesis::Stream', 2);
    template.resourceCountIs('AWS::KinesisVideo::Stream', 2);
    template.resourceCountIs('AWS::DynamoDB::Table', 4);
    template.resourceCountIs('AWS::IAM::Role', 4);
    // Inline policies only: no separate AWS::IAM::Policy that could be attached elsewhere, no managed policies, no keys.
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.resourceCountIs('AWS::Kinesis::StreamConsumer', 0);
  });

  it('the telemetry stream is on demand, encrypted with the AWS-managed key, 24 h retention, retained', () => {
    template.hasResource('AWS::Kinesis::Stream', {
      Properties: Match.objectEquals({
        Name: 'tributary-dev-telemetry',
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        RetentionPeriodHours: 24,
        StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
        Tags: Match.anyValue(),
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('the dead-letter stream is one provisioned shard, encrypted, kept a week', () => {
    template.hasResource('AWS::Kinesis::Stream', {
      Properties: Match.objectEquals({
        Name: 'tributary-dev-telemetry-dlq',
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        ShardCount: 1,
        RetentionPeriodHours: 168,
        StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
        Tags: Match.anyValue(),
      }),
      DeletionPolicy: 'Retain',
    });
  });

  it('one KVS stream per camera: video/h264, retention, the AWS-managed key (no KmsKeyId)', () => {
    for (const name of ['tributary-dev-cam-1', 'tributary-dev-cam-2']) {
      template.hasResource('AWS::KinesisVideo::Stream', {
        Properties: Match.objectEquals({ Name: name, MediaType: 'video/h264', DataRetentionInHours: 24, Tags: Match.anyValue() }),
        DeletionPolicy: 'Retain',
      });
    }
  });

  it.each([
    ['tributary-dev-telemetry-consumer', 'leaseKey'],
    ['tributary-dev-telemetry-device-state', 'deviceId'],
  ])('table %s: hash key %s (S) only, PAY_PER_REQUEST, PITR, deletion protection, retained', (tableName, key) => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectEquals({
        TableName: tableName,
        KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        Tags: Match.anyValue(),
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('the rollup table: hash deviceId, range window (S), TTL on expiresAt, PAY_PER_REQUEST, PITR, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectEquals({
        TableName: 'tributary-dev-telemetry-rollups',
        KeySchema: [
          { AttributeName: 'deviceId', KeyType: 'HASH' },
          { AttributeName: 'window', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'deviceId', AttributeType: 'S' },
          { AttributeName: 'window', AttributeType: 'S' },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        Tags: Match.anyValue(),
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('the camera-health table: hash streamName (S) only, PAY_PER_REQUEST, no PITR (rewritten every 5 s)', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectEquals({
        TableName: 'tributary-dev-video-camera-health',
        KeySchema: [{ AttributeName: 'streamName', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'streamName', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
        DeletionProtectionEnabled: true,
        Tags: Match.anyValue(),
      }),
    });
  });

  it('outputs the names, ARNs and role ARNs the apps are configured with', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'TelemetryStreamName',
        'TelemetryStreamArn',
        'TelemetryDeadLetterStreamName',
        'TelemetryDeadLetterStreamArn',
        'ConsumerApplicationName',
        'LeaseTableName',
        'DeviceStateTableName',
        'RollupTableName',
        'CameraHealthTableName',
        'VideoStreamCam1Name',
        'VideoStreamCam1Arn',
        'VideoStreamCam2Name',
        'VideoStreamCam2Arn',
        'VideoProducerEdgeRoleArn',
        'PlaybackGatewayRoleArn',
        'TelemetryProducerRoleArn',
        'TelemetryConsumerRoleArn',
      ].sort(),
    );
    template.hasOutput('ConsumerApplicationName', { Value: 'tributary-dev-telemetry-consumer' });
    template.hasOutput('VideoStreamCam1Name', { Value: 'tributary-dev-cam-1' });
    template.hasOutput('RollupTableName', { Value: { Ref: Match.stringLikeRegexp('^TelemetryTablesRollups') } });
    template.hasOutput('CameraHealthTableName', { Value: { Ref: Match.stringLikeRegexp('^TelemetryTablesCameraHealth') } });
    template.hasOutput('PlaybackGatewayRoleArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PlaybackGatewayRole'), 'Arn'] } });
  });
});

describe('TributaryStack, provisioned, no DLQ, per-device cameras, data not retained', () => {
  let template: Template;
  beforeAll(() => {
    template = synth({
      stage: 'prod',
      telemetryShardCount: '4',
      telemetryRetentionHours: '48',
      telemetryDlq: 'false',
      retainData: 'false',
      cameras: [{ name: 'door', device: 'pi-1' }, { name: 'yard', device: 'pi-2', retentionHours: 720 }, 'lobby'],
    });
  });

  it('provisions the shard count and retention from context, and no DLQ stream', () => {
    template.resourceCountIs('AWS::Kinesis::Stream', 1);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      Name: 'tributary-prod-telemetry',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 4,
      RetentionPeriodHours: 48,
    });
    expect(Object.keys(template.findOutputs('*')).filter((k) => k.startsWith('TelemetryDeadLetter'))).toEqual([]);
  });

  it('deletes data with the stack: Delete policies, no deletion protection', () => {
    for (const type of ['AWS::Kinesis::Stream', 'AWS::KinesisVideo::Stream', 'AWS::DynamoDB::Table']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource.DeletionPolicy).toBe('Delete');
      }
    }
    template.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });

  it('one KVS stream per camera with its own retention, and one producer role per device', () => {
    template.resourceCountIs('AWS::KinesisVideo::Stream', 3);
    template.hasResourceProperties('AWS::KinesisVideo::Stream', { Name: 'tributary-prod-yard', DataRetentionInHours: 720 });
    template.hasResourceProperties('AWS::KinesisVideo::Stream', { Name: 'tributary-prod-door', DataRetentionInHours: 24 });
    template.resourceCountIs('AWS::IAM::Role', 6);
    expect(Object.keys(template.findOutputs('*')).filter((k) => k.startsWith('VideoProducer')).sort()).toEqual(['VideoProducerEdgeRoleArn', 'VideoProducerPi1RoleArn', 'VideoProducerPi2RoleArn']);
  });
});

describe('outputId', () => {
  it.each([
    ['cam-1', 'Cam1'],
    ['front_door.2', 'FrontDoor2'],
    ['edge', 'Edge'],
  ])('%s → %s', (name, id) => expect(outputId(name)).toBe(id));
});
