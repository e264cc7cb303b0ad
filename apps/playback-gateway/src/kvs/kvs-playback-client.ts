/**
 * Everything the gateway asks of Kinesis Video Streams, through the official SDK v3 clients only, so the same code
 * runs against AWS and the emulator (standard config: AWS_REGION, the credential chain, AWS_ENDPOINT_URL):
 *
 *   control plane   ListStreams, DescribeStream, GetDataEndpoint (cached per stream + API)
 *   archived media  ListFragments (health), GetHLSStreamingSessionURL, GetClip, GetImages — each on the data
 *                   endpoint GetDataEndpoint gives for that API (kvs-reference.md §5)
 *
 * SDK failures leave as GatewayErrors (classifyKvsError); a failure through a cached endpoint drops it.
 */
import type { Readable } from 'node:stream';
import {
  DescribeStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
  ListStreamsCommand,
  type KinesisVideoClientConfig,
} from '@aws-sdk/client-kinesis-video';
import {
  GetClipCommand,
  GetHLSStreamingSessionURLCommand,
  GetImagesCommand,
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
  type Fragment,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { DataEndpointCache, KvsError } from '@tributary/kvs';
import { PromiseCache, systemClock, type Clock } from '@tributary/runtime';
import { classifyKvsError, GatewayError } from '../gateway-error';
import { streamHealth, type FragmentSummary, type StreamHealth } from './stream-health';

/** The archived-media APIs the gateway calls through their data endpoints. */
export type DataEndpointApi = 'LIST_FRAGMENTS' | 'GET_HLS_STREAMING_SESSION_URL' | 'GET_CLIP' | 'GET_IMAGES';

export type PlaybackMode = 'LIVE' | 'LIVE_REPLAY' | 'ON_DEMAND';

export interface StreamSummary {
  name: string;
  arn: string | null;
  status: string | null;
  mediaType: string | null;
  createdAt: string | null;
  retentionHours: number | null;
}

export interface HlsSessionRequest {
  streamName: string;
  mode: PlaybackMode;
  startMs?: number;
  endMs?: number;
  expiresSeconds: number;
}

export interface ClipRequest {
  streamName: string;
  startMs: number;
  endMs: number;
}

export interface SnapshotRequest {
  streamName: string;
  atMs: number;
  format: 'JPEG' | 'PNG';
  widthPixels?: number;
}

export interface KvsPlaybackClientOptions {
  /** Region, credentials, endpoint… for the control-plane client; the archived-media clients reuse it with the data endpoint. */
  clientConfig?: KinesisVideoClientConfig;
  clock?: Clock;
  /** Per-call timeout (the SDK's abortSignal). */
  timeoutMs: number;
  /** Health look-back and rate window. */
  healthLookbackMs?: number;
  healthWindowMs?: number;
  /** Health of one stream is reused this long (ListFragments draws on a per-stream quota). */
  healthCacheMs?: number;
  dataEndpointTtlMs?: number;
}

export const KVS_CLIENT_DEFAULTS = {
  healthLookbackMs: 60_000,
  healthWindowMs: 10_000,
  healthCacheMs: 2_000,
  dataEndpointTtlMs: 10 * 60_000,
  dataEndpointMaxEntries: 10_000,
  /** Streams whose health is fetched at once when listing. */
  healthConcurrency: 8,
  /** ListFragments pages read for health at most (1000 fragments each). */
  healthMaxPages: 3,
} as const;

export class KvsPlaybackClient {
  readonly control: KinesisVideoClient;
  private readonly clientConfig: KinesisVideoClientConfig;
  private readonly clock: Clock;
  private readonly endpoints: DataEndpointCache;
  private readonly archived = new Map<string, KinesisVideoArchivedMediaClient>();
  /** Health per stream, shared by concurrent callers; bounded by the streams the callers may read. */
  private readonly health: PromiseCache<StreamHealth>;
  private readonly settings: Required<Omit<KvsPlaybackClientOptions, 'clientConfig' | 'clock'>>;

  constructor(options: KvsPlaybackClientOptions) {
    this.clientConfig = options.clientConfig ?? {};
    this.clock = options.clock ?? systemClock;
    this.settings = {
      timeoutMs: options.timeoutMs,
      healthLookbackMs: options.healthLookbackMs ?? KVS_CLIENT_DEFAULTS.healthLookbackMs,
      healthWindowMs: options.healthWindowMs ?? KVS_CLIENT_DEFAULTS.healthWindowMs,
      healthCacheMs: options.healthCacheMs ?? KVS_CLIENT_DEFAULTS.healthCacheMs,
      dataEndpointTtlMs: options.dataEndpointTtlMs ?? KVS_CLIENT_DEFAULTS.dataEndpointTtlMs,
    };
    this.health = new PromiseCache({ ttlMs: this.settings.healthCacheMs, maxEntries: KVS_CLIENT_DEFAULTS.dataEndpointMaxEntries, clock: this.clock });
    this.control = new KinesisVideoClient(this.clientConfig);
    // The shared cache of @tributary/kvs, its GetDataEndpoint calls under this client's timeout.
    const timed = { send: (command: GetDataEndpointCommand) => this.control.send(command, this.callOptions()) };
    this.endpoints = new DataEndpointCache(timed, this.clock, this.settings.dataEndpointTtlMs, KVS_CLIENT_DEFAULTS.dataEndpointMaxEntries);
  }

  /** Every stream of the account/region (ListStreams, all pages). */
  async listStreams(): Promise<StreamSummary[]> {
    const out: StreamSummary[] = [];
    let NextToken: string | undefined;
    try {
      do {
        const page = await this.control.send(new ListStreamsCommand({ MaxResults: 10_000, NextToken }), this.callOptions());
        for (const s of page.StreamInfoList ?? []) if (s.StreamName) out.push(summaryOf(s));
        NextToken = page.NextToken || undefined;
      } while (NextToken);
    } catch (err) {
      throw classifyKvsError(err, 'ListStreams');
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async describeStream(streamName: string): Promise<StreamSummary> {
    try {
      const out = await this.control.send(new DescribeStreamCommand({ StreamName: streamName }), this.callOptions());
      if (!out.StreamInfo) throw new GatewayError('NOT_FOUND', `Stream ${streamName} not found.`);
      return summaryOf(out.StreamInfo);
    } catch (err) {
      throw classifyKvsError(err, 'DescribeStream');
    }
  }

  /** Reachability for /readyz: one cheap control-plane call. */
  async ping(): Promise<void> {
    try {
      await this.control.send(new ListStreamsCommand({ MaxResults: 1 }), this.callOptions());
    } catch (err) {
      throw classifyKvsError(err, 'ListStreams');
    }
  }

  /** Health from ListFragments over the look-back; reused for healthCacheMs. */
  streamHealth(streamName: string): Promise<StreamHealth> {
    return this.health.get(streamName, () => this.fetchHealth(streamName, this.clock.now()));
  }

  async hlsSessionUrl(request: HlsSessionRequest): Promise<string> {
    const { streamName, mode } = request;
    const out = await this.archivedCall(streamName, 'GET_HLS_STREAMING_SESSION_URL', 'GetHLSStreamingSessionURL', (client) =>
      client.send(
        new GetHLSStreamingSessionURLCommand({
          StreamName: streamName,
          PlaybackMode: mode,
          // Producer timestamps: the replay range is in capture time (what a viewer means by "10:02"), and the
          // program date-times are capture times, so the player's latency is capture-to-screen.
          HLSFragmentSelector: {
            FragmentSelectorType: 'PRODUCER_TIMESTAMP',
            ...(mode === 'LIVE'
              ? {}
              : {
                  TimestampRange: {
                    StartTimestamp: request.startMs !== undefined ? new Date(request.startMs) : undefined,
                    EndTimestamp: request.endMs !== undefined ? new Date(request.endMs) : undefined,
                  },
                }),
          },
          ContainerFormat: 'FRAGMENTED_MP4',
          // Per-segment discontinuities (ALWAYS) make hls.js reset its timeline every segment (hls.js #7163).
          DiscontinuityMode: 'ON_DISCONTINUITY',
          DisplayFragmentTimestamp: 'ALWAYS',
          // An ON_DEMAND playlist lists at most 1000 fragments by default: 17 min of 1-s fragments, so the player's
          // "Last 1 h" would stop a quarter in. 5000 is the API's maximum (kvs-reference.md §6).
          ...(mode === 'ON_DEMAND' ? { MaxMediaPlaylistFragmentResults: 5000 } : {}),
          Expires: request.expiresSeconds,
        }),
        this.callOptions(),
      ),
    );
    if (!out.HLSStreamingSessionURL) throw new GatewayError('UPSTREAM_ERROR', 'GetHLSStreamingSessionURL answered without a URL.');
    return out.HLSStreamingSessionURL;
  }

  /** The MP4 of a range (GetClip); the body is a stream the caller must consume or destroy. */
  async clip(request: ClipRequest): Promise<{ contentType: string; body: Readable }> {
    const out = await this.archivedCall(request.streamName, 'GET_CLIP', 'GetClip', (client) =>
      client.send(
        new GetClipCommand({
          StreamName: request.streamName,
          ClipFragmentSelector: {
            FragmentSelectorType: 'PRODUCER_TIMESTAMP',
            TimestampRange: { StartTimestamp: new Date(request.startMs), EndTimestamp: new Date(request.endMs) },
          },
        }),
        // No timeout on the body: a clip of many fragments may take a while to stream.
        {},
      ),
    );
    if (!out.Payload) throw new GatewayError('UPSTREAM_ERROR', 'GetClip answered without a body.');
    return { contentType: out.ContentType || 'video/mp4', body: out.Payload as Readable };
  }

  /** One image at `atMs` (GetImages with a one-sample range). */
  async snapshot(request: SnapshotRequest): Promise<Buffer> {
    const out = await this.archivedCall(request.streamName, 'GET_IMAGES', 'GetImages', (client) =>
      client.send(
        new GetImagesCommand({
          StreamName: request.streamName,
          ImageSelectorType: 'PRODUCER_TIMESTAMP',
          StartTimestamp: new Date(request.atMs),
          EndTimestamp: new Date(request.atMs + 1000),
          SamplingInterval: 1000,
          Format: request.format,
          ...(request.format === 'JPEG' ? { FormatConfig: { JPEGQuality: '85' } } : {}),
          ...(request.widthPixels !== undefined ? { WidthPixels: request.widthPixels } : {}),
          MaxResults: 1,
        }),
        this.callOptions(),
      ),
    );
    const image = out.Images?.find((i) => i.ImageContent) ?? out.Images?.[0];
    if (!image?.ImageContent) {
      throw new GatewayError('NO_MEDIA', `No image at ${new Date(request.atMs).toISOString()}${image?.Error ? ` (${image.Error})` : ''}.`);
    }
    return Buffer.from(image.ImageContent, 'base64');
  }

  /** Producer timestamp of the newest fragment within the look-back (for "snapshot now"), or undefined. */
  async newestFragmentMs(streamName: string): Promise<number | undefined> {
    const fragments = await this.recentFragments(streamName, this.clock.now());
    let best: FragmentSummary | undefined;
    for (const f of fragments) if (!best || f.serverTimestampMs > best.serverTimestampMs) best = f;
    return best ? (best.producerTimestampMs ?? best.serverTimestampMs) : undefined;
  }

  /**
   * The fragments whose producer timestamp lies in [fromMs, toMs] (the recording timeline), at most `maxPages` pages
   * of 1000: each page spends 1000 points of the stream's fragment-metadata budget (10 000/s, kvs-reference.md §6).
   */
  async fragmentsBetween(streamName: string, fromMs: number, toMs: number, maxPages: number): Promise<{ fragments: FragmentSummary[]; truncated: boolean }> {
    const fragments: FragmentSummary[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const input = NextToken
        ? { StreamName: streamName, MaxResults: 1000, NextToken }
        : {
            StreamName: streamName,
            MaxResults: 1000,
            FragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP' as const, TimestampRange: { StartTimestamp: new Date(fromMs), EndTimestamp: new Date(toMs) } },
          };
      const page = await this.archivedCall(streamName, 'LIST_FRAGMENTS', 'ListFragments', (client) => client.send(new ListFragmentsCommand(input), this.callOptions()));
      for (const f of page.Fragments ?? []) {
        const summary = fragmentSummary(f);
        if (summary) fragments.push(summary);
      }
      NextToken = page.NextToken || undefined;
    } while (NextToken && ++pages < maxPages);
    return { fragments, truncated: NextToken !== undefined };
  }

  close(): void {
    this.control.destroy();
    for (const c of this.archived.values()) c.destroy();
    this.archived.clear();
  }

  private async fetchHealth(streamName: string, now: number): Promise<StreamHealth> {
    return streamHealth(await this.recentFragments(streamName, now), now, this.settings.healthWindowMs);
  }

  private async recentFragments(streamName: string, now: number): Promise<FragmentSummary[]> {
    const out: FragmentSummary[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.archivedCall(streamName, 'LIST_FRAGMENTS', 'ListFragments', (client) =>
        client.send(
          new ListFragmentsCommand(
            NextToken
              ? { StreamName: streamName, NextToken }
              : {
                  StreamName: streamName,
                  MaxResults: 1000,
                  FragmentSelector: {
                    FragmentSelectorType: 'SERVER_TIMESTAMP',
                    TimestampRange: { StartTimestamp: new Date(now - this.settings.healthLookbackMs), EndTimestamp: new Date(now) },
                  },
                },
          ),
          this.callOptions(),
        ),
      );
      for (const f of page.Fragments ?? []) {
        const summary = fragmentSummary(f);
        if (summary) out.push(summary);
      }
      NextToken = page.NextToken || undefined;
    } while (NextToken && ++pages < KVS_CLIENT_DEFAULTS.healthMaxPages);
    return out;
  }

  private async archivedCall<T>(
    streamName: string,
    api: DataEndpointApi,
    operation: string,
    call: (client: KinesisVideoArchivedMediaClient) => Promise<T>,
  ): Promise<T> {
    let endpoint: string;
    try {
      // URL.href ends in '/' for a bare origin; the SDK joins its paths to the endpoint as given.
      endpoint = (await this.endpoints.get({ streamName }, api)).href.replace(/\/$/, '');
    } catch (err) {
      // The cache wraps the SDK's exception (KvsError ENDPOINT_ERROR); the gateway maps the SDK's own names.
      throw classifyKvsError(err instanceof KvsError && err.cause !== undefined ? err.cause : err, 'GetDataEndpoint');
    }
    try {
      return await call(this.archivedClient(endpoint));
    } catch (err) {
      const classified = classifyKvsError(err, operation);
      // The stream may have been re-created elsewhere, or the endpoint gone: look it up again next time.
      if (classified.code !== 'INVALID_REQUEST' && classified.code !== 'NO_MEDIA') this.endpoints.invalidate({ streamName }, api);
      throw classified;
    }
  }

  private archivedClient(endpoint: string): KinesisVideoArchivedMediaClient {
    let client = this.archived.get(endpoint);
    if (!client) {
      client = new KinesisVideoArchivedMediaClient({ ...this.clientConfig, endpoint });
      this.archived.set(endpoint, client);
    }
    return client;
  }

  private callOptions(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.settings.timeoutMs) };
  }
}

function summaryOf(s: {
  StreamName?: string;
  StreamARN?: string;
  Status?: string;
  MediaType?: string;
  CreationTime?: Date;
  DataRetentionInHours?: number;
}): StreamSummary {
  return {
    name: s.StreamName ?? '',
    arn: s.StreamARN ?? null,
    status: s.Status ?? null,
    mediaType: s.MediaType ?? null,
    createdAt: s.CreationTime ? s.CreationTime.toISOString() : null,
    retentionHours: s.DataRetentionInHours ?? null,
  };
}

function fragmentSummary(f: Fragment): FragmentSummary | undefined {
  if (!f.ServerTimestamp) return undefined;
  return {
    serverTimestampMs: f.ServerTimestamp.getTime(),
    ...(f.ProducerTimestamp ? { producerTimestampMs: f.ProducerTimestamp.getTime() } : {}),
    sizeBytes: f.FragmentSizeInBytes ?? 0,
    ...(f.FragmentLengthInMilliseconds !== undefined ? { durationMs: f.FragmentLengthInMilliseconds } : {}),
  };
}
