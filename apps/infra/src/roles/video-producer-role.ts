/**
 * The role of one edge device's video-producer: PutMedia to its own cameras' streams, nothing else.
 *
 * Actions, each on the device's stream ARNs only (libs/kvs, apps/video-producer):
 * - kinesisvideo:DescribeStream   start-up check that the stream exists and is ACTIVE (src/stream-bootstrap.ts);
 * - kinesisvideo:GetDataEndpoint  the PutMedia endpoint (libs/kvs data-endpoint-cache.ts);
 * - kinesisvideo:PutMedia         the media upload itself.
 *
 * Camera health (the dashboard's figures, `--health-table`): dynamodb:DescribeTable on the camera-health table
 * (the start-up check; it has no item, so no key condition applies), and dynamodb:PutItem on it only for items
 * whose hash key is one of the device's own stream names (`dynamodb:LeadingKeys`, ForAllValues): a device cannot
 * overwrite another camera's health.
 *
 * Not granted: CreateStream (the producer creates streams only with `--create-stream on`, for the emulator; here
 * the streams are this stack's), GetMedia or any archived-media read, and nothing on other cameras' streams, so a
 * compromised device can neither watch nor overwrite another camera.
 */
import { Effect, PolicyDocument, PolicyStatement, Role, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface VideoProducerRoleProps {
  device: string;
  streamArns: readonly string[];
  /** The device's stream names: the only hash keys it may write in the camera-health table. */
  streamNames: readonly string[];
  cameraHealthTableArn: string;
  principal: IPrincipal;
}

export const VIDEO_PRODUCER_ACTIONS = ['kinesisvideo:DescribeStream', 'kinesisvideo:GetDataEndpoint', 'kinesisvideo:PutMedia'] as const;
export const VIDEO_PRODUCER_HEALTH_ACTIONS = ['dynamodb:PutItem'] as const;

export class VideoProducerRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: VideoProducerRoleProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: props.principal,
      description: `tributary video-producer of edge device "${props.device}": PutMedia to its cameras' KVS streams`,
      inlinePolicies: {
        PutMedia: new PolicyDocument({
          statements: [
            new PolicyStatement({ sid: 'PutMediaToOwnStreams', effect: Effect.ALLOW, actions: [...VIDEO_PRODUCER_ACTIONS], resources: [...props.streamArns] }),
            new PolicyStatement({ sid: 'DescribeCameraHealthTable', effect: Effect.ALLOW, actions: ['dynamodb:DescribeTable'], resources: [props.cameraHealthTableArn] }),
            new PolicyStatement({
              sid: 'PutOwnCameraHealth',
              effect: Effect.ALLOW,
              actions: [...VIDEO_PRODUCER_HEALTH_ACTIONS],
              resources: [props.cameraHealthTableArn],
              conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...props.streamNames] } },
            }),
          ],
        }),
      },
    });
  }
}
