/**
 * GetDataEndpoint answers cached per (stream, API). KVS expects a producer to call it about once per connection
 * lifetime (5 TPS per stream, kvs-reference.md §3.8); the endpoint is dropped early when a call suggests it is
 * wrong (InvalidEndpointException, DNS failure, refused connection). Concurrent lookups share one call. A reader
 * of many streams (the playback gateway) bounds the entries; the oldest goes first.
 */
import { GetDataEndpointCommand, type APIName, type GetDataEndpointCommandOutput } from '@aws-sdk/client-kinesis-video';
import { awsErrorName, classifyCallError, KINESIS_VIDEO_ERRORS } from '@tributary/errors';
import { PromiseCache, type Clock } from '@tributary/runtime';
import { KvsError } from '../kvs-errors';

/** The one call made; `KinesisVideoClient` satisfies it, tests may pass a fake. */
export interface DataEndpointClient {
  send(command: GetDataEndpointCommand, options?: { abortSignal?: AbortSignal }): Promise<GetDataEndpointCommandOutput>;
}

/** GetDataEndpoint plus, optionally, the resolved SDK config the credentials and region are taken from. */
export interface KinesisVideoClientLike extends DataEndpointClient {
  config?: { credentials?: unknown; region?: unknown };
}

export interface StreamRef {
  streamName?: string;
  streamArn?: string;
}

export class DataEndpointCache {
  private readonly cache: PromiseCache<URL>;

  constructor(
    private readonly client: DataEndpointClient,
    clock: Clock,
    ttlMs: number,
    maxEntries = Infinity,
  ) {
    // TTL, single flight, a failed lookup not kept, the oldest entry first out: PromiseCache's rules.
    this.cache = new PromiseCache<URL>({ ttlMs, maxEntries, clock });
  }

  get size(): number {
    return this.cache.size;
  }

  get(stream: StreamRef, apiName: APIName): Promise<URL> {
    return this.cache.get(cacheKey(stream, apiName), () => this.fetch(stream, apiName));
  }

  invalidate(stream: StreamRef, apiName: APIName): void {
    this.cache.delete(cacheKey(stream, apiName));
  }

  private async fetch(stream: StreamRef, apiName: APIName): Promise<URL> {
    let output: GetDataEndpointCommandOutput;
    try {
      output = await this.client.send(
        new GetDataEndpointCommand({
          APIName: apiName,
          ...(stream.streamArn !== undefined ? { StreamARN: stream.streamArn } : { StreamName: stream.streamName }),
        }),
      );
    } catch (err) {
      // A missing stream, a refused caller or a bad request stays so (the shared classifier's tables); the rest may pass later.
      const { retriable } = classifyCallError(err, KINESIS_VIDEO_ERRORS);
      const name = awsErrorName(err) || 'Error';
      throw new KvsError('ENDPOINT_ERROR', `GetDataEndpoint(${apiName}) for ${describe(stream)} failed: ${name}: ${err instanceof Error ? err.message : String(err)}`, retriable, {
        cause: err,
      });
    }
    if (!output.DataEndpoint) throw new KvsError('ENDPOINT_ERROR', `GetDataEndpoint(${apiName}) for ${describe(stream)} returned no DataEndpoint.`, true);
    try {
      return new URL(output.DataEndpoint);
    } catch (err) {
      throw new KvsError('ENDPOINT_ERROR', `GetDataEndpoint(${apiName}) returned an invalid URL: ${output.DataEndpoint}`, false, { cause: err });
    }
  }
}

function cacheKey(stream: StreamRef, apiName: APIName): string {
  return `${apiName} ${stream.streamArn ?? ''} ${stream.streamName ?? ''}`;
}

export function describe(stream: StreamRef): string {
  return stream.streamName ?? stream.streamArn ?? '(no stream)';
}
