/**
 * The playback gateway's role: read media of the camera streams, write nothing.
 *
 * - kinesisvideo:ListStreams, on `*`: the stream catalog. ListStreams has no resource type in IAM (the Service
 *   Authorization Reference lists none), so `*` is the only resource it can be granted on; it reveals names and
 *   metadata, no media.
 * - On the camera streams' ARNs only:
 *   DescribeStream, GetDataEndpoint (the archived-media endpoint), ListFragments (health: last fragment, rate),
 *   GetHLSStreamingSessionURL (direct and proxied playback), GetClip (clip download), GetImages (snapshots), and
 *   the HLS player actions GetHLSMasterPlaylist, GetHLSMediaPlaylist, GetMP4InitFragment, GetMP4MediaFragment:
 *   an HLS session URL carries the permissions of whoever asked for it, so the gateway's role must allow the
 *   calls the player (or the gateway's proxy) then makes. FRAGMENTED_MP4 only, so no GetTSFragment; no DASH.
 * - Optionally (context `gatewayReadsDeviceState`, default on) the dashboard's reads, each only what its panel
 *   calls: the device-state table DescribeTable, GetItem, Scan (Query is useless on a hash-key-only table); the
 *   rollup table DescribeTable, Query (one device's minutes by range key); the camera-health table
 *   DescribeTable, GetItem, Scan; the consumer's lease table DescribeTable, Scan (every shard's owner, checkpoint
 *   and lag).
 *
 * Not granted: PutMedia, GetMedia (live media is read through HLS), any stream or table write, Kinesis Data
 * Streams.
 */
import { Effect, PolicyDocument, PolicyStatement, Role, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface PlaybackGatewayRoleProps {
  cameraStreamArns: readonly string[];
  /** The tables the dashboard reads, when it may. */
  dashboardTables: { deviceStateTableArn: string; rollupTableArn: string; cameraHealthTableArn: string; leaseTableArn: string } | undefined;
  principal: IPrincipal;
}

export const PLAYBACK_GATEWAY_CATALOG_ACTIONS = ['kinesisvideo:ListStreams'] as const;
export const PLAYBACK_GATEWAY_MEDIA_ACTIONS = [
  'kinesisvideo:DescribeStream',
  'kinesisvideo:GetDataEndpoint',
  'kinesisvideo:ListFragments',
  'kinesisvideo:GetHLSStreamingSessionURL',
  'kinesisvideo:GetHLSMasterPlaylist',
  'kinesisvideo:GetHLSMediaPlaylist',
  'kinesisvideo:GetMP4InitFragment',
  'kinesisvideo:GetMP4MediaFragment',
  'kinesisvideo:GetClip',
  'kinesisvideo:GetImages',
] as const;
export const PLAYBACK_GATEWAY_DASHBOARD_ACTIONS = ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Scan'] as const;
export const PLAYBACK_GATEWAY_ROLLUP_ACTIONS = ['dynamodb:DescribeTable', 'dynamodb:Query'] as const;
export const PLAYBACK_GATEWAY_CAMERA_HEALTH_ACTIONS = ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Scan'] as const;
export const PLAYBACK_GATEWAY_LEASE_ACTIONS = ['dynamodb:DescribeTable', 'dynamodb:Scan'] as const;

export class PlaybackGatewayRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: PlaybackGatewayRoleProps) {
    super(scope, id);
    const statements = [
      new PolicyStatement({ sid: 'ListCameraStreams', effect: Effect.ALLOW, actions: [...PLAYBACK_GATEWAY_CATALOG_ACTIONS], resources: ['*'] }),
      new PolicyStatement({ sid: 'ReadCameraMedia', effect: Effect.ALLOW, actions: [...PLAYBACK_GATEWAY_MEDIA_ACTIONS], resources: [...props.cameraStreamArns] }),
    ];
    const tables = props.dashboardTables;
    if (tables !== undefined) {
      statements.push(
        new PolicyStatement({ sid: 'ReadDeviceState', effect: Effect.ALLOW, actions: [...PLAYBACK_GATEWAY_DASHBOARD_ACTIONS], resources: [tables.deviceStateTableArn] }),
        new PolicyStatement({ sid: 'ReadRollups', effect: Effect.ALLOW, actions: [...PLAYBACK_GATEWAY_ROLLUP_ACTIONS], resources: [tables.rollupTableArn] }),
        new PolicyStatement({ sid: 'ReadCameraHealth', effect: Effect.ALLOW, actions: [...PLAYBACK_GATEWAY_CAMERA_HEALTH_ACTIONS], resources: [tables.cameraHealthTableArn] }),
        new PolicyStatement({ sid: 'ReadConsumerLeases', effect: Effect.ALLOW, actions: [...PLAYBACK_GATEWAY_LEASE_ACTIONS], resources: [tables.leaseTableArn] }),
      );
    }
    this.role = new Role(this, 'Role', {
      assumedBy: props.principal,
      description: 'tributary playback-gateway: read-only access to the camera streams (HLS, clips, images)',
      inlinePolicies: { ReadMedia: new PolicyDocument({ statements }) },
    });
  }
}
