/**
 * The KVS calls the camera commands share, through the official SDK v3 clients: the control-plane client from
 * the CLI context, and archived-media clients on the data endpoint GetDataEndpoint names for each API (KVS
 * answers archived-media calls only there, kvs-reference.md §0). A camera that does not exist is a CliError
 * NOT_FOUND (exit 3) that names the camera and where it was looked for, not the SDK's bare exception.
 */
import { DescribeStreamCommand, GetDataEndpointCommand, type APIName, type StreamInfo } from '@aws-sdk/client-kinesis-video';
import {
  KinesisVideoArchivedMediaClient,
  paginateListFragments,
  type Fragment,
  type FragmentSelectorType,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { awsErrorName } from '@tributary/errors';
import type { AwsClients, AwsOptions } from '../cli/aws-options';
import type { CliContext } from '../cli/cli-context';
import { notFoundError, toCliError } from '../cli/cli-error';
import { lookbackWindows } from './camera-health';

/** Which timestamps a range is in: the camera's capture time (default) or KVS' arrival time. */
export type TimestampKind = 'producer' | 'server';

export const SELECTOR_TYPE: Record<TimestampKind, FragmentSelectorType> = { producer: 'PRODUCER_TIMESTAMP', server: 'SERVER_TIMESTAMP' };

/**
 * Later arrival first; fragments of one burst share a server timestamp (a producer catching up sends several
 * within a millisecond), so ties go to the later producer timestamp.
 */
export function isNewer(a: Fragment, b: Fragment): boolean {
  const server = (a.ServerTimestamp?.getTime() ?? 0) - (b.ServerTimestamp?.getTime() ?? 0);
  return server !== 0 ? server > 0 : (a.ProducerTimestamp?.getTime() ?? 0) > (b.ProducerTimestamp?.getTime() ?? 0);
}

export function cameraNotFound(camera: string, aws: AwsClients, cause?: unknown): Error {
  const where = aws.config.endpoint ?? `region ${aws.config.region ?? '(from the profile)'}`;
  return notFoundError(`camera "${camera}" not found: no Kinesis video stream of that name at ${where} (\`tributary cameras\` lists them; check --region and --endpoint-url)`, cause);
}

/** The camera's stream description; NOT_FOUND when it does not exist. */
export async function describeCamera(ctx: CliContext, aws: AwsClients, camera: string): Promise<StreamInfo> {
  try {
    const out = await aws.kinesisVideo.send(new DescribeStreamCommand({ StreamName: camera }), { abortSignal: ctx.signal });
    return out.StreamInfo ?? {};
  } catch (err) {
    if (awsErrorName(err) === 'ResourceNotFoundException') throw cameraNotFound(camera, aws, err);
    throw toCliError(err, `DescribeStream(${camera})`);
  }
}

/**
 * Archived-media clients on the data endpoints of one camera, built on first use per API and destroyed
 * together (the command's `finally`): the CLI context only knows the control-plane clients.
 */
export class CameraArchive {
  private readonly clients = new Map<APIName, KinesisVideoArchivedMediaClient>();

  constructor(
    private readonly ctx: CliContext,
    readonly aws: AwsClients,
    readonly camera: string,
  ) {}

  static open(ctx: CliContext, options: AwsOptions, camera: string): CameraArchive {
    return new CameraArchive(ctx, ctx.aws(options), camera);
  }

  async client(api: APIName): Promise<KinesisVideoArchivedMediaClient> {
    const known = this.clients.get(api);
    if (known) return known;
    let endpoint: string | undefined;
    try {
      const out = await this.aws.kinesisVideo.send(new GetDataEndpointCommand({ StreamName: this.camera, APIName: api }), { abortSignal: this.ctx.signal });
      endpoint = out.DataEndpoint;
    } catch (err) {
      if (awsErrorName(err) === 'ResourceNotFoundException') throw cameraNotFound(this.camera, this.aws, err);
      throw toCliError(err, `GetDataEndpoint(${api}) of ${this.camera}`);
    }
    if (!endpoint) throw toCliError(new Error(`GetDataEndpoint(${api}) of ${this.camera} returned no endpoint`));
    // The data endpoint replaces --endpoint-url; region, profile and credentials stay the CLI's.
    const client = new KinesisVideoArchivedMediaClient({ ...this.aws.config, endpoint, maxAttempts: 5 });
    this.clients.set(api, client);
    return client;
  }

  /** Every fragment whose `kind` timestamp lies in [from, to], through the SDK's paginator (pages of 1000). */
  async listFragments(from: Date, to: Date, kind: TimestampKind = 'producer'): Promise<Fragment[]> {
    const client = await this.client('LIST_FRAGMENTS');
    const input = {
      StreamName: this.camera,
      MaxResults: 1000,
      FragmentSelector: { FragmentSelectorType: SELECTOR_TYPE[kind], TimestampRange: { StartTimestamp: from, EndTimestamp: to } },
    };
    const out: Fragment[] = [];
    try {
      for await (const page of paginateListFragments({ client, pageSize: 1000 }, input, { abortSignal: this.ctx.signal })) {
        out.push(...(page.Fragments ?? []));
      }
    } catch (err) {
      if (awsErrorName(err) === 'ResourceNotFoundException') throw cameraNotFound(this.camera, this.aws, err);
      throw toCliError(err, `ListFragments of ${this.camera}`);
    }
    return out;
  }

  /**
   * The newest fragment by server timestamp, searched in the look-back windows newest first (one short
   * ListFragments for a live camera); undefined when none of them holds one.
   */
  async newestFragment(nowMs: number, windowsMs?: readonly number[]): Promise<Fragment | undefined> {
    for (const window of lookbackWindows(nowMs, windowsMs)) {
      let newest: Fragment | undefined;
      for (const f of await this.listFragments(window.from, window.to, 'server')) if (newest === undefined || isNewer(f, newest)) newest = f;
      if (newest) return newest;
    }
    return undefined;
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}
