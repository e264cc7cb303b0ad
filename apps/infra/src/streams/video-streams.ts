/**
 * One Kinesis Video stream per camera (AWS::KinesisVideo::Stream; aws-cdk-lib has no L2 for it). Media type
 * video/h264, as the video-producer's ffmpeg pipeline writes, and a retention of at least one hour: KVS sends
 * PERSISTED acknowledgements (which release the producer's spool) and serves HLS, GetClip and GetImages only for
 * streams that retain data (kvs-reference.md §3.7, §5).
 *
 * No KmsKeyId: KVS then encrypts with the AWS-managed key `alias/aws/kinesisvideo`, usable by the account's
 * principals through KVS without KMS statements in their policies.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { CfnStream } from 'aws-cdk-lib/aws-kinesisvideo';
import { Construct } from 'constructs';
import type { CameraConfig } from '../config/infra-config';

export interface VideoStreamsProps {
  prefix: string;
  cameras: readonly CameraConfig[];
  removalPolicy: RemovalPolicy;
}

export interface CameraStream {
  camera: CameraConfig;
  stream: CfnStream;
  streamName: string;
  /** Includes the creation time KVS appends (`…:stream/<name>/<epoch ms>`), so it comes from Fn::GetAtt. */
  streamArn: string;
}

export class VideoStreams extends Construct {
  readonly cameras: readonly CameraStream[];

  constructor(scope: Construct, id: string, props: VideoStreamsProps) {
    super(scope, id);
    this.cameras = props.cameras.map((camera) => {
      const streamName = `${props.prefix}-${camera.name}`;
      const stream = new CfnStream(this, `Camera-${camera.name}`, {
        name: streamName,
        mediaType: 'video/h264',
        dataRetentionInHours: camera.retentionHours,
      });
      stream.applyRemovalPolicy(props.removalPolicy);
      return { camera, stream, streamName, streamArn: stream.attrArn };
    });
  }

  /** The cameras of one edge device. */
  forDevice(device: string): CameraStream[] {
    return this.cameras.filter((c) => c.camera.device === device);
  }

  /** The edge devices, in first-seen order. */
  devices(): string[] {
    return [...new Set(this.cameras.map((c) => c.camera.device))];
  }
}
