/**
 * Reading back what a test put into a KVS stream, through the official SDK v3 clients and GetMediaReader: every
 * fragment ListFragments lists (all pages), and the first `count` fragments GetMedia returns. Shared by the kvs
 * integration tests and the video producer's.
 */
import { GetDataEndpointCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { KinesisVideoArchivedMediaClient, ListFragmentsCommand, type Fragment } from '@aws-sdk/client-kinesis-video-archived-media';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { GetMediaFragment } from '../getmedia/get-media-chunk-decoder';
import { GetMediaReader } from '../getmedia/get-media-reader';

/** Where the test's streams are: the emulator's URL, with any region and dummy keys. */
export interface TestKvsTarget {
  endpoint: string;
  region: string;
  credentials: AwsCredentialIdentity;
}

/** Every fragment of the stream with a producer timestamp up to an hour ahead, in fragment-number order. */
export async function listAllFragments(target: TestKvsTarget, streamName: string): Promise<Fragment[]> {
  const { endpoint, region, credentials } = target;
  const kvs = new KinesisVideoClient({ endpoint, region, credentials });
  const { DataEndpoint } = await kvs.send(new GetDataEndpointCommand({ StreamName: streamName, APIName: 'LIST_FRAGMENTS' }));
  kvs.destroy();
  const archived = new KinesisVideoArchivedMediaClient({ endpoint: DataEndpoint, region, credentials });
  const out: Fragment[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await archived.send(
        new ListFragmentsCommand(
          token
            ? { StreamName: streamName, NextToken: token }
            : {
                StreamName: streamName,
                FragmentSelector: {
                  FragmentSelectorType: 'PRODUCER_TIMESTAMP',
                  TimestampRange: { StartTimestamp: new Date(0), EndTimestamp: new Date(Date.now() + 3_600_000) },
                },
              },
        ),
      );
      out.push(...(page.Fragments ?? []));
      token = page.NextToken;
    } while (token);
  } finally {
    archived.destroy();
  }
  return out.sort((a, b) => (BigInt(a.FragmentNumber ?? '0') < BigInt(b.FragmentNumber ?? '0') ? -1 : 1));
}

/** The first `count` fragments from EARLIEST on (GetMedia tails the stream: it stops once they came back). */
export async function readFragments(target: TestKvsTarget, streamName: string, count: number): Promise<GetMediaFragment[]> {
  const reader = new GetMediaReader(target);
  const out: GetMediaFragment[] = [];
  try {
    for await (const f of reader.fragments({ streamName, startSelector: { StartSelectorType: 'EARLIEST' } })) {
      out.push(f);
      if (out.length === count) break;
    }
  } finally {
    reader.destroy();
  }
  return out;
}
