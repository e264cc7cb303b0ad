/**
 * Kinesis Video Streams clients of an emulator for integration suites: the official
 * `@aws-sdk/client-kinesis-video` v3 control-plane client over its default handler (NodeHttpHandler, HTTP/1.1) or
 * over `new NodeHttp2Handler()` (cleartext HTTP/2 with prior knowledge), and the media / archived-media clients
 * pointed at the endpoint GetDataEndpoint returns, as a real application builds them (kvs-reference.md §0).
 */
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
  type APIName,
  type KinesisVideoClientConfig,
  type Status,
} from '@aws-sdk/client-kinesis-video';
import { KinesisVideoMediaClient } from '@aws-sdk/client-kinesis-video-media';
import { KinesisVideoArchivedMediaClient, paginateListFragments, type Fragment } from '@aws-sdk/client-kinesis-video-archived-media';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { TEST_CREDENTIALS, TEST_REGION } from './kds-test-clients';

export const KVS_HTTP1 = 'default handler (HTTP/1.1)';
export const KVS_HTTP2 = 'NodeHttp2Handler (h2c)';
export type KvsHandlerName = typeof KVS_HTTP1 | typeof KVS_HTTP2;
export const KVS_HANDLERS: KvsHandlerName[] = [KVS_HTTP1, KVS_HTTP2];

/** A control-plane client of the emulator at `url` over `handler`. */
export function createKinesisVideoClient(
  url: string,
  handler: KvsHandlerName = KVS_HTTP1,
  config: Partial<KinesisVideoClientConfig> = {},
): KinesisVideoClient {
  return new KinesisVideoClient({
    endpoint: url,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    ...(handler === KVS_HTTP2 ? { requestHandler: new NodeHttp2Handler() } : {}),
    ...config,
  });
}

/** Polls DescribeStream until the stream reaches `status` (bounded, so a stuck stream fails the test). */
export async function waitForVideoStreamStatus(client: KinesisVideoClient, name: string, status: Status, maxPolls = 500): Promise<void> {
  let last: string | undefined;
  for (let i = 0; i < maxPolls; i++) {
    const out = await client.send(new DescribeStreamCommand({ StreamName: name }));
    last = out.StreamInfo?.Status;
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Video stream ${name} did not reach ${status} (last seen: ${last}).`);
}

/** Creates a stream (24 h retention unless told otherwise), waits until it is ACTIVE and returns its ARN. */
export async function createActiveVideoStream(client: KinesisVideoClient, name: string, retentionHours = 24): Promise<string> {
  const out = await client.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: retentionHours, MediaType: 'video/h264' }));
  await waitForVideoStreamStatus(client, name, 'ACTIVE');
  return out.StreamARN ?? '';
}

/** The data endpoint GetDataEndpoint returns for `apiName` on `name`. */
export async function dataEndpointOf(client: KinesisVideoClient, name: string, apiName: APIName): Promise<string> {
  const out = await client.send(new GetDataEndpointCommand({ StreamName: name, APIName: apiName }));
  if (!out.DataEndpoint) throw new Error(`GetDataEndpoint gave no endpoint for ${apiName}`);
  return out.DataEndpoint;
}

/** The GetMedia client, built on the GET_MEDIA data endpoint. */
export async function createMediaClient(client: KinesisVideoClient, name: string): Promise<KinesisVideoMediaClient> {
  return new KinesisVideoMediaClient({
    endpoint: await dataEndpointOf(client, name, 'GET_MEDIA'),
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
}

/** The archived-media client (ListFragments, GetMediaForFragmentList), built on the LIST_FRAGMENTS endpoint. */
export async function createArchivedMediaClient(client: KinesisVideoClient, name: string): Promise<KinesisVideoArchivedMediaClient> {
  return new KinesisVideoArchivedMediaClient({
    endpoint: await dataEndpointOf(client, name, 'LIST_FRAGMENTS'),
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
}

/**
 * Every fragment whose producer timestamp lies in [from, to] (default: all of them, up to an hour ahead), oldest
 * first, through the SDK's ListFragments paginator (the service leaves the order unspecified).
 */
export async function listFragmentsByProducerTime(
  archived: KinesisVideoArchivedMediaClient,
  streamName: string,
  from = new Date(0),
  to = new Date(Date.now() + 3_600_000),
): Promise<Fragment[]> {
  const out: Fragment[] = [];
  const input = { StreamName: streamName, FragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP' as const, TimestampRange: { StartTimestamp: from, EndTimestamp: to } } };
  for await (const page of paginateListFragments({ client: archived }, input)) out.push(...(page.Fragments ?? []));
  return out.sort((a, b) => (a.ProducerTimestamp?.getTime() ?? 0) - (b.ProducerTimestamp?.getTime() ?? 0));
}
