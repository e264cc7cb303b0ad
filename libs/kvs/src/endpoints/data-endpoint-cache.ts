/**
 * GetDataEndpoint answers cached per (stream, API). KVS expects a producer to call it about once per connection
 * lifetime (5 TPS per stream, kvs-reference.md §3.8); the endpoint is dropped early when a call suggests it is
 * wrong (InvalidEndpointException, DNS failure, refused connection). Concurrent lookups share one call. A reader
 * of many streams (the playback gateway) bounds the entries; the oldest goes first.
 */
import { GetDataEndpointCommand, type APIName, type GetDataEndpointCommandOutput } from '@aws-sdk/client-kinesis-video';
import { KvsError } from './kvs-error';
import type { Clock } from '@tributary/runtime';

/** The one call made; `KinesisVideoClient` satisfies it, tests may pass a fake. */
export interface DataEndpointClient {
  send(command: GetDataEndpointCommand, options?: { abortSignal?: AbortSignal }): Promise<GetDataEndpointCommandOutput>;
}

export interface StreamRef {
  streamName?: string;
  streamArn?: string;
}

interface Entry {
  at: number;
  endpoint: Promise<URL>;
}

export class DataEndpointCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly client: DataEndpointClient,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = Infinity,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(stream: StreamRef, apiName: APIName): Promise<URL> {
    const key = cacheKey(stream, apiName);
    const entry = this.entries.get(key);
    if (entry && this.clock.now() - entry.at < this.ttlMs) return entry.endpoint;
    const endpoint = this.fetch(stream, apiName);
    this.entries.delete(key); // re-inserted last: Map order is the eviction order
    this.entries.set(key, { at: this.clock.now(), endpoint });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    // A failed lookup is not cached.
    endpoint.catch(() => {
      if (this.entries.get(key)?.endpoint === endpoint) this.entries.delete(key);
    });
    return endpoint;
  }

  invalidate(stream: StreamRef, apiName: APIName): void {
    this.entries.delete(cacheKey(stream, apiName));
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
      const name = err instanceof Error ? err.name : 'Error';
      const permanent = name === 'ResourceNotFoundException' || name === 'NotAuthorizedException' || name === 'InvalidArgumentException';
      throw new KvsError('ENDPOINT_ERROR', `GetDataEndpoint(${apiName}) for ${describe(stream)} failed: ${name}: ${err instanceof Error ? err.message : String(err)}`, !permanent, {
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
