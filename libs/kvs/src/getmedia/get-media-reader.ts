/**
 * GetMediaReader: fragments and their KVS tags from GetMedia (kvs-reference.md §4), over the official
 * `@aws-sdk/client-kinesis-video-media` client, for consumers and tests.
 *
 *   const reader = new GetMediaReader({ region: 'eu-west-1' });
 *   for await (const f of reader.fragments({ streamName: 'cam-1', startSelector: { StartSelectorType: 'EARLIEST' } })) {
 *     f.tags.fragmentNumber; f.tags.producerTimestampMs; f.cluster.frames;   // …
 *   }                                                                        // break: the request is aborted
 *
 * GetDataEndpoint(GET_MEDIA) comes first (cached per stream; §4.1); one media client per data endpoint, built
 * with the control client's credentials and region. The SDK exposes the live payload as a Node Readable
 * (§4.4): it is iterated chunk by chunk and decoded incrementally (get-media-chunk-decoder.ts), never buffered
 * whole. With `follow`, a payload that ends (GetMedia sessions do not last for ever: ~40 min observed, §4.2) is
 * followed by a new GetMedia from the last CONTINUATION_TOKEN.
 */
import { KinesisVideoClient, type KinesisVideoClientConfig } from '@aws-sdk/client-kinesis-video';
import { GetMediaCommand, KinesisVideoMediaClient, type GetMediaCommandOutput, type StartSelector } from '@aws-sdk/client-kinesis-video-media';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { DataEndpointCache, type KinesisVideoClientLike, type StreamRef } from '../endpoints/data-endpoint-cache';
import { PUT_MEDIA_DEFAULTS } from '../defaults';
import { GetMediaChunkDecoder, type GetMediaFragment } from './get-media-chunk-decoder';
import { KvsError } from '../kvs-errors';
import { systemClock, unrefTimers, type Clock, type Timers } from '@tributary/runtime';

/** The one call made on the media client; KinesisVideoMediaClient satisfies it. */
export interface GetMediaClientLike {
  send(command: GetMediaCommand, options?: { abortSignal?: AbortSignal }): Promise<GetMediaCommandOutput>;
  destroy?(): void;
}

export interface GetMediaReaderOptions {
  /** Control-plane client for GetDataEndpoint (and, unless given, credentials and region); else built from the fields below. */
  kinesisVideoClient?: KinesisVideoClientLike;
  region?: string;
  /** Control-plane endpoint (e.g. the emulator's URL). */
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Builds the media client for a data endpoint (default: KinesisVideoMediaClient with the control client's credentials and region). */
  mediaClientFactory?: (dataEndpoint: string) => GetMediaClientLike;
  endpointCacheTtlMs?: number;
  clock?: Clock;
  timers?: Timers;
}

export interface GetMediaReadOptions {
  streamName?: string;
  streamArn?: string;
  startSelector: StartSelector;
  /** Aborts the request and ends the iteration. */
  abortSignal?: AbortSignal;
  /** When the payload ends, start again after the last fragment (CONTINUATION_TOKEN); default false. */
  follow?: boolean;
  /** Pause before following (default 1,000 ms). */
  followDelayMs?: number;
}

export class GetMediaReader {
  private readonly kvs: KinesisVideoClientLike;
  private readonly ownsClient: boolean;
  private readonly endpoints: DataEndpointCache;
  private readonly mediaClients = new Map<string, GetMediaClientLike>();
  private readonly factory: (dataEndpoint: string) => GetMediaClientLike;
  private readonly timers: Timers;

  constructor(private readonly options: GetMediaReaderOptions = {}) {
    if (options.kinesisVideoClient) {
      this.kvs = options.kinesisVideoClient;
      this.ownsClient = false;
    } else {
      const config: KinesisVideoClientConfig = {
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      };
      this.kvs = new KinesisVideoClient(config);
      this.ownsClient = true;
    }
    this.timers = options.timers ?? unrefTimers;
    this.endpoints = new DataEndpointCache(this.kvs, options.clock ?? systemClock, options.endpointCacheTtlMs ?? PUT_MEDIA_DEFAULTS.endpointCacheTtlMs);
    this.factory = options.mediaClientFactory ?? ((endpoint) => this.defaultMediaClient(endpoint));
  }

  /** Fragments from the selector on, in stream order, with their KVS tags; throws GetMediaError on an error chunk. */
  async *fragments(read: GetMediaReadOptions): AsyncGenerator<GetMediaFragment, void, undefined> {
    if ((read.streamName === undefined) === (read.streamArn === undefined)) {
      throw new KvsError('INVALID_ARGUMENT', 'GetMedia needs exactly one of streamName and streamArn.', false);
    }
    const stream: StreamRef = read.streamArn !== undefined ? { streamArn: read.streamArn } : { streamName: read.streamName };
    let selector = read.startSelector;
    for (;;) {
      let lastToken: string | undefined;
      for await (const fragment of this.readOnce(stream, selector, read.abortSignal)) {
        lastToken = fragment.tags.continuationToken ?? fragment.tags.fragmentNumber ?? lastToken;
        yield fragment;
      }
      if (!read.follow || read.abortSignal?.aborted) return;
      if (lastToken !== undefined) selector = { StartSelectorType: 'CONTINUATION_TOKEN', ContinuationToken: lastToken };
      await this.sleep(read.followDelayMs ?? 1_000, read.abortSignal);
      if (read.abortSignal?.aborted) return;
    }
  }

  /** Releases the media clients and the control client this reader built. */
  destroy(): void {
    for (const client of this.mediaClients.values()) client.destroy?.();
    this.mediaClients.clear();
    if (this.ownsClient && this.kvs instanceof KinesisVideoClient) this.kvs.destroy();
  }

  private async *readOnce(stream: StreamRef, selector: StartSelector, outer: AbortSignal | undefined): AsyncGenerator<GetMediaFragment, void, undefined> {
    const endpoint = await this.endpoints.get(stream, 'GET_MEDIA');
    const client = this.mediaClient(endpoint.origin + endpoint.pathname.replace(/\/+$/, ''));
    const abort = new AbortController();
    const onOuterAbort = (): void => abort.abort();
    outer?.addEventListener('abort', onOuterAbort);
    let payload: unknown;
    try {
      let output: GetMediaCommandOutput;
      try {
        output = await client.send(
          new GetMediaCommand({ ...(stream.streamArn !== undefined ? { StreamARN: stream.streamArn } : { StreamName: stream.streamName }), StartSelector: selector }),
          { abortSignal: abort.signal },
        );
      } catch (err) {
        if (err instanceof Error && err.name === 'InvalidEndpointException') this.endpoints.invalidate(stream, 'GET_MEDIA');
        throw err;
      }
      payload = output.Payload;
      if (!isAsyncIterable(payload)) throw new KvsError('GET_MEDIA_ERROR', 'GetMedia returned no readable payload.', false);
      const decoder = new GetMediaChunkDecoder();
      for await (const chunk of payload) {
        if (!(chunk instanceof Uint8Array)) continue;
        for (const item of decoder.push(chunk)) {
          if (item.type === 'error') throw item.error;
          yield item.fragment;
        }
      }
      for (const item of decoder.end()) {
        if (item.type === 'error') throw item.error;
        yield item.fragment;
      }
    } catch (err) {
      if (outer?.aborted) return;
      throw err;
    } finally {
      outer?.removeEventListener('abort', onOuterAbort);
      abort.abort();
      destroyStream(payload);
    }
  }

  private mediaClient(endpoint: string): GetMediaClientLike {
    let client = this.mediaClients.get(endpoint);
    if (!client) {
      client = this.factory(endpoint);
      this.mediaClients.set(endpoint, client);
    }
    return client;
  }

  private defaultMediaClient(endpoint: string): KinesisVideoMediaClient {
    const config = this.kvs.config;
    const credentials = this.options.credentials ?? (config?.credentials as AwsCredentialIdentityProvider | undefined);
    const region = this.options.region ?? (config?.region as string | (() => Promise<string>) | undefined);
    return new KinesisVideoMediaClient({ endpoint, ...(credentials ? { credentials } : {}), ...(region ? { region } : {}) });
  }

  private sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.timers.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        this.timers.clearTimeout(handle);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return !!value && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function destroyStream(value: unknown): void {
  const destroy = (value as { destroy?: unknown } | undefined)?.destroy;
  if (typeof destroy === 'function') destroy.call(value);
}
