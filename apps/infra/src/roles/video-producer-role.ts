/**
 * The role of one edge device's video-producer: PutMedia to its own cameras' streams, nothing else.
 *
 * Actions, each on the device's stream ARNs only (libs/kvs, apps/video-producer):
 * - kinesisvideo:DescribeStream   start-up check that the stream exists and is ACTIVE (src/stream-bootstrap.ts);
 * - kinesisvideo:GetDataEndpoint  the PutMedia endpoint (libs/kvs data-endpoint-cache.ts);
 * - kinesisvideo:PutMedia         the media upload itself.
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
  principal: IPrincipal;
}

export const VIDEO_PRODUCER_ACTIONS = ['kinesisvideo:DescribeStream', 'kinesisvideo:GetDataEndpoint', 'kinesisvideo:PutMedia'] as const;

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
          ],
        }),
      },
    });
  }
}
