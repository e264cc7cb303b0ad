/**
 * Everything tributary needs in an AWS account, for one stage: the telemetry streams and tables, one KVS stream per
 * camera, and a least-privilege role per app. One stack, because the roles name the streams' and tables' ARNs and
 * a single stack keeps those references inside one template (no cross-stack exports to untangle on change).
 *
 * The outputs are what an operator copies into each app's environment (README.md "Wiring the apps").
 */
import { CfnOutput, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { InfraConfig } from '../config/infra-config';
import { resolveAppPrincipal } from '../roles/app-principal';
import { PlaybackGatewayRole } from '../roles/playback-gateway-role';
import { TelemetryConsumerRole } from '../roles/telemetry-consumer-role';
import { TelemetryProducerRole } from '../roles/telemetry-producer-role';
import { VideoProducerRole } from '../roles/video-producer-role';
import { TelemetryStreams } from '../streams/telemetry-streams';
import { VideoStreams } from '../streams/video-streams';
import { TelemetryTables } from '../tables/telemetry-tables';

export interface TributaryStackProps extends StackProps {
  config: InfraConfig;
}

export class TributaryStack extends Stack {
  readonly telemetryStreams: TelemetryStreams;
  readonly videoStreams: VideoStreams;
  readonly tables: TelemetryTables;
  readonly roles: {
    videoProducers: ReadonlyMap<string, Role>;
    playbackGateway: Role;
    telemetryProducer: Role;
    telemetryConsumer: Role;
  };

  constructor(scope: Construct, id: string, props: TributaryStackProps) {
    super(scope, id, props);
    const config = props.config;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    Tags.of(this).add('project', 'tributary');
    Tags.of(this).add('stage', config.stage);

    this.telemetryStreams = new TelemetryStreams(this, 'TelemetryStreams', { telemetry: config.telemetry, removalPolicy });
    this.videoStreams = new VideoStreams(this, 'VideoStreams', { prefix: config.prefix, cameras: config.video.cameras, removalPolicy });
    this.tables = new TelemetryTables(this, 'TelemetryTables', {
      leaseTableName: config.telemetry.leaseTableName,
      deviceStateTableName: config.telemetry.deviceStateTableName,
      rollupTableName: config.telemetry.rollupTableName,
      cameraHealthTableName: config.video.cameraHealthTableName,
      retainData: config.retainData,
    });

    const videoProducers = new Map<string, Role>();
    for (const device of this.videoStreams.devices()) {
      const role = new VideoProducerRole(this, `VideoProducer-${device}`, {
        device,
        streamArns: this.videoStreams.forDevice(device).map((c) => c.streamArn),
        streamNames: this.videoStreams.forDevice(device).map((c) => c.streamName),
        cameraHealthTableArn: this.tables.cameraHealthTable.tableArn,
        principal: resolveAppPrincipal(config.principals.videoProducer),
      }).role;
      videoProducers.set(device, role);
    }
    const playbackGateway = new PlaybackGatewayRole(this, 'PlaybackGateway', {
      cameraStreamArns: this.videoStreams.cameras.map((c) => c.streamArn),
      dashboardTables: config.gatewayReadsDeviceState
        ? {
            deviceStateTableArn: this.tables.deviceStateTable.tableArn,
            rollupTableArn: this.tables.rollupTable.tableArn,
            cameraHealthTableArn: this.tables.cameraHealthTable.tableArn,
            leaseTableArn: this.tables.leaseTable.tableArn,
          }
        : undefined,
      principal: resolveAppPrincipal(config.principals.playbackGateway),
    }).role;
    const telemetryProducer = new TelemetryProducerRole(this, 'TelemetryProducer', {
      streamArn: this.telemetryStreams.stream.streamArn,
      principal: resolveAppPrincipal(config.principals.telemetryProducer),
    }).role;
    const telemetryConsumer = new TelemetryConsumerRole(this, 'TelemetryConsumer', {
      streamArn: this.telemetryStreams.stream.streamArn,
      efoConsumerName: config.telemetry.applicationName,
      deadLetterStreamArn: this.telemetryStreams.deadLetterStream?.streamArn,
      leaseTableArn: this.tables.leaseTable.tableArn,
      deviceStateTableArn: this.tables.deviceStateTable.tableArn,
      rollupTableArn: this.tables.rollupTable.tableArn,
      principal: resolveAppPrincipal(config.principals.telemetryConsumer),
    }).role;
    this.roles = { videoProducers, playbackGateway, telemetryProducer, telemetryConsumer };

    this.outputs(config);
  }

  private outputs(config: InfraConfig): void {
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    const { stream, deadLetterStream } = this.telemetryStreams;
    out('TelemetryStreamName', stream.streamName, 'telemetry-producer TELEMETRY_STREAM, telemetry-consumer TELEMETRY_CONSUMER_STREAM');
    out('TelemetryStreamArn', stream.streamArn, 'the telemetry Kinesis data stream');
    if (deadLetterStream !== undefined) {
      out('TelemetryDeadLetterStreamName', deadLetterStream.streamName, 'telemetry-consumer TELEMETRY_CONSUMER_DLQ_STREAM');
      out('TelemetryDeadLetterStreamArn', deadLetterStream.streamArn, 'the dead-letter Kinesis data stream');
    }
    out('ConsumerApplicationName', config.telemetry.applicationName, 'telemetry-consumer TELEMETRY_CONSUMER_APPLICATION_NAME (names its lease table)');
    out('LeaseTableName', this.tables.leaseTable.tableName, 'the telemetry-consumer lease table');
    out('DeviceStateTableName', this.tables.deviceStateTable.tableName, 'telemetry-consumer TELEMETRY_CONSUMER_STATE_TABLE, playback-gateway GATEWAY_DEVICE_STATE_TABLE');
    out('RollupTableName', this.tables.rollupTable.tableName, 'telemetry-consumer TELEMETRY_CONSUMER_ROLLUP_TABLE, playback-gateway GATEWAY_ROLLUP_TABLE');
    out('CameraHealthTableName', this.tables.cameraHealthTable.tableName, 'video-producer VIDEO_HEALTH_TABLE, playback-gateway GATEWAY_CAMERA_HEALTH_TABLE');
    for (const c of this.videoStreams.cameras) {
      const id = outputId(c.camera.name);
      out(`VideoStream${id}Name`, c.streamName, `video-producer --stream of camera "${c.camera.name}" (device "${c.camera.device}")`);
      out(`VideoStream${id}Arn`, c.streamArn, `KVS stream of camera "${c.camera.name}"`);
    }
    for (const [device, role] of this.roles.videoProducers) {
      out(`VideoProducer${outputId(device)}RoleArn`, role.roleArn, `role of the video-producer on edge device "${device}"`);
    }
    out('PlaybackGatewayRoleArn', this.roles.playbackGateway.roleArn, 'playback-gateway task role');
    out('TelemetryProducerRoleArn', this.roles.telemetryProducer.roleArn, 'telemetry-producer role');
    out('TelemetryConsumerRoleArn', this.roles.telemetryConsumer.roleArn, 'telemetry-consumer role');
  }
}

/** `front-door.2` → `FrontDoor2`: output logical ids are alphanumeric. */
export function outputId(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter((p) => p !== '')
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}
