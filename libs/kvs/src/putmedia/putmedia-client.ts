/**
 * PutMediaClient: the PutMedia API that no AWS SDK for JavaScript has (kvs-reference.md §3; aws-sdk-js-v3
 * #5204, #2627). It owns what sessions share: the `@aws-sdk/client-kinesis-video` client (GetDataEndpoint with
 * APIName PUT_MEDIA, cached per stream), the credential chain and region (the SDK's own: the client's resolved
 * config, so AWS_REGION, profiles, SSO, IMDS… all apply), and the one-session-per-stream rule (§3.8: a second
 * concurrent PutMedia on a stream is refused by the service).
 *
 *   const client = new PutMediaClient({ region: 'eu-west-1' });
 *   const session = client.createSession({ streamName: 'cam-1' });
 *   await session.open();
 *   session.writeHeader(headerBytes);
 *   await session.writeFragment(clusterBytes, clusterTimecode);   // … per key-frame group
 *   await session.end();                                          // every fragment PERSISTED
 *   client.destroy();
 *
 * Options are validated once, here; errors name the setting (conventions.md §14). Libraries never read
 * process.env: the SDK client resolves its own configuration.
 */
import { KinesisVideoClient, type KinesisVideoClientConfig } from '@aws-sdk/client-kinesis-video';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { z } from 'zod';
import { noopLogger, systemClock, unrefTimers, type Clock, type Logger, type Timers } from '@tributary/runtime';
import { KVS_SIGNING_SERVICE, PUT_MEDIA_DEFAULTS } from '../defaults';
import { DataEndpointCache, describe, type KinesisVideoClientLike, type StreamRef } from '../endpoints/data-endpoint-cache';
import { KvsError } from '../kvs-errors';
import { createNodeConnector, type PutMediaConnector } from './putmedia-connection';
import type { PayloadHashMode } from './putmedia-request-signer';
import { InMemoryFragmentStore, type ReplayableFragments } from './replayable-fragments';
import { PutMediaSession } from './session/putmedia-session';
import { resolveSessionSettings, type SessionOptionsCore } from './session/session-settings';

export type { SessionOptionsCore } from './session/session-settings';

export interface PutMediaClientOptions {
  /**
   * The control-plane client (GetDataEndpoint). When absent, one is built from `region`, `endpoint` and
   * `credentials` and destroyed by destroy(). Its resolved credentials and region are used for signing unless
   * `credentials` / `region` are given.
   */
  kinesisVideoClient?: KinesisVideoClientLike;
  region?: string;
  /** Control-plane endpoint, e.g. the emulator's `http://127.0.0.1:4566` (the data endpoint comes from GetDataEndpoint). */
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** How the unhashed body is declared in SigV4 (default 'UNSIGNED-PAYLOAD', Java producer style; 'EMPTY' is the C producer's). */
  payloadHash?: PayloadHashMode;
  /** SigV4 service name (default `kinesisvideo`). */
  signingService?: string;
  /** GetDataEndpoint cache lifetime (default 45 min). */
  endpointCacheTtlMs?: number;
  connectTimeoutMs?: number;
  /** High-water mark of the PutMedia socket in bytes (default 16 KiB, the same on every Node version). */
  socketHighWaterMarkBytes?: number;
  maxAckBytes?: number;
  /** Session defaults (each session may override). */
  sessionDefaults?: Partial<SessionOptionsCore>;
  logger?: Logger;
  clock?: Clock;
  timers?: Timers;
  /** Uniform in [0, 1), for backoff jitter. */
  random?: () => number;
  /** Opens one PutMedia exchange; default node:http/https (tests inject a fake). */
  connector?: PutMediaConnector;
}

export interface PutMediaSessionOptions extends Partial<SessionOptionsCore> {
  /** The stream, by name or ARN (one of the two). */
  streamName?: string;
  streamArn?: string;
  /**
   * Where fragments wait until PERSISTED (the producer's on-disk spool). Default: an InMemoryFragmentStore bounded
   * to 128 MiB that drops the oldest fragments beyond.
   */
  store?: ReplayableFragments;
}

const positiveInt = z.number().int().positive();
const nonNegative = z.number().min(0);

const sessionCoreSchema = z
  .object({
    timecodeType: z.enum(['ABSOLUTE', 'RELATIVE']),
    producerStartTimestampMs: nonNegative,
    acknowledgmentRequired: z.boolean(),
    rotateAfterMs: positiveInt,
    rotationDrainTimeoutMs: positiveInt,
    staleAfterMs: positiveInt,
    reconnectBaseDelayMs: nonNegative,
    reconnectMaxDelayMs: nonNegative,
    maxReconnectAttempts: z.number().int().min(0).or(z.literal(Number.POSITIVE_INFINITY)),
    maxConsecutiveFragmentErrors: positiveInt,
    endTimeoutMs: positiveInt,
    freshCacheBytes: z.number().int().min(0),
    extraHeaders: z.record(z.string(), z.string()),
  })
  .partial()
  .strict();

const sessionSchema = sessionCoreSchema.extend({
  streamName: z.string().min(1).max(256).regex(/^[a-zA-Z0-9_.-]+$/).optional(),
  streamArn: z.string().regex(/^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+\/[a-zA-Z0-9_.-]+\/[0-9]+$/).optional(),
  store: z.custom<ReplayableFragments>((v) => isStore(v), { message: 'must implement append, read, release and pending' }).optional(),
});

const clientSchema = z
  .object({
    kinesisVideoClient: z.custom<KinesisVideoClientLike>((v) => !!v && typeof (v as { send?: unknown }).send === 'function', { message: 'must have send()' }).optional(),
    region: z.string().min(1).optional(),
    endpoint: z.string().url().optional(),
    credentials: z.custom<AwsCredentialIdentity | AwsCredentialIdentityProvider>((v) => typeof v === 'function' || (!!v && typeof v === 'object')).optional(),
    payloadHash: z.enum(['UNSIGNED-PAYLOAD', 'EMPTY']).optional(),
    signingService: z.string().min(1).optional(),
    endpointCacheTtlMs: nonNegative.optional(),
    connectTimeoutMs: positiveInt.optional(),
    socketHighWaterMarkBytes: positiveInt.optional(),
    maxAckBytes: positiveInt.min(256).optional(),
    sessionDefaults: sessionCoreSchema.optional(),
    logger: z.custom<Logger>((v) => !!v && typeof v === 'object').optional(),
    clock: z.custom<Clock>((v) => !!v && typeof (v as { now?: unknown }).now === 'function').optional(),
    timers: z.custom<Timers>((v) => !!v && typeof (v as { setTimeout?: unknown }).setTimeout === 'function').optional(),
    random: z.custom<() => number>((v) => typeof v === 'function').optional(),
    connector: z.custom<PutMediaConnector>((v) => typeof v === 'function').optional(),
  })
  .strict();

function isStore(v: unknown): boolean {
  if (!v || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return ['append', 'read', 'release', 'pending'].every((m) => typeof s[m] === 'function');
}

function invalid(setting: string, why: string): KvsError {
  return new KvsError('INVALID_OPTION', `Invalid PutMedia option ${setting}: ${why}`, false);
}

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(issue.path.join('.') || '(options)', issue.message);
  }
  return parsed.data;
}

export class PutMediaClient {
  private readonly kvs: KinesisVideoClientLike;
  private readonly ownsClient: boolean;
  private readonly endpoints: DataEndpointCache;
  private readonly credentials: () => Promise<AwsCredentialIdentity>;
  private readonly region: () => Promise<string>;
  private readonly connector: PutMediaConnector;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly sessions = new Map<string, PutMediaSession>();
  private readonly payloadHash: PayloadHashMode;
  private readonly signingService: string;
  private readonly sessionDefaults: Partial<SessionOptionsCore>;

  constructor(options: PutMediaClientOptions = {}) {
    const o = validate(clientSchema, options);
    this.clock = o.clock ?? systemClock;
    this.timers = o.timers ?? unrefTimers;
    this.random = o.random ?? Math.random;
    this.logger = o.logger ?? noopLogger;
    this.payloadHash = o.payloadHash ?? 'UNSIGNED-PAYLOAD';
    this.signingService = o.signingService ?? KVS_SIGNING_SERVICE;
    this.sessionDefaults = o.sessionDefaults ?? {};
    if (o.kinesisVideoClient) {
      this.kvs = o.kinesisVideoClient;
      this.ownsClient = false;
    } else {
      const config: KinesisVideoClientConfig = {
        ...(o.region ? { region: o.region } : {}),
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        ...(o.credentials ? { credentials: o.credentials } : {}),
      };
      this.kvs = new KinesisVideoClient(config);
      this.ownsClient = true;
    }
    this.credentials = resolveCredentials(o.credentials, this.kvs);
    this.region = resolveRegion(o.region, this.kvs);
    this.endpoints = new DataEndpointCache(this.kvs, this.clock, o.endpointCacheTtlMs ?? PUT_MEDIA_DEFAULTS.endpointCacheTtlMs);
    this.connector =
      o.connector ??
      createNodeConnector({
        timers: this.timers,
        connectTimeoutMs: o.connectTimeoutMs ?? PUT_MEDIA_DEFAULTS.connectTimeoutMs,
        maxAckBytes: o.maxAckBytes ?? PUT_MEDIA_DEFAULTS.maxAckBytes,
        maxErrorBodyBytes: PUT_MEDIA_DEFAULTS.maxErrorBodyBytes,
        socketHighWaterMarkBytes: o.socketHighWaterMarkBytes ?? PUT_MEDIA_DEFAULTS.socketHighWaterMarkBytes,
      });
  }

  /** A session for one stream. Throws SESSION_EXISTS while another session of this client holds the stream. */
  createSession(options: PutMediaSessionOptions): PutMediaSession {
    const o = validate(sessionSchema, options);
    if ((o.streamName === undefined) === (o.streamArn === undefined)) throw invalid('streamName', 'give exactly one of streamName and streamArn.');
    const stream: StreamRef = o.streamArn !== undefined ? { streamArn: o.streamArn } : { streamName: o.streamName };
    const key = describe(stream);
    if (this.sessions.has(key)) {
      throw new KvsError('SESSION_EXISTS', `A PutMedia session for ${key} is already open in this client (KVS takes one connection per stream).`, false);
    }
    const settings = resolveSessionSettings(o, {
      stream,
      streamLabel: key,
      payloadHash: this.payloadHash,
      signingService: this.signingService,
      clientDefaults: this.sessionDefaults,
      nowMs: this.clock.now(),
    });
    if (settings.reconnectMaxDelayMs < settings.reconnectBaseDelayMs) throw invalid('reconnectMaxDelayMs', 'must be at least reconnectBaseDelayMs.');
    const session: PutMediaSession = new PutMediaSession(settings, {
      endpoints: this.endpoints,
      credentials: this.credentials,
      region: this.region,
      connector: this.connector,
      store: o.store ?? new InMemoryFragmentStore({ maxBytes: PUT_MEDIA_DEFAULTS.memoryStoreMaxBytes }),
      clock: this.clock,
      timers: this.timers,
      random: this.random,
      logger: this.logger,
      onFinished: () => {
        if (this.sessions.get(key) === session) this.sessions.delete(key);
      },
    });
    this.sessions.set(key, session);
    return session;
  }

  /** Open sessions, by stream name (or ARN). */
  get openSessions(): readonly string[] {
    return [...this.sessions.keys()];
  }

  /** Destroys every session (fragments stay in their stores) and the SDK client this object created. */
  destroy(): void {
    for (const session of [...this.sessions.values()]) session.destroy();
    if (this.ownsClient && this.kvs instanceof KinesisVideoClient) this.kvs.destroy();
  }
}

function isProvider(v: unknown): v is () => Promise<unknown> {
  return typeof v === 'function';
}

function isIdentity(v: unknown): v is AwsCredentialIdentity {
  return !!v && typeof v === 'object' && typeof (v as AwsCredentialIdentity).accessKeyId === 'string' && typeof (v as AwsCredentialIdentity).secretAccessKey === 'string';
}

/** Explicit credentials, else the SDK client's resolved provider (memoised, refreshes expiring credentials). */
function resolveCredentials(explicit: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined, kvs: KinesisVideoClientLike): () => Promise<AwsCredentialIdentity> {
  const source: unknown = explicit ?? kvs.config?.credentials;
  return async () => {
    const value: unknown = isProvider(source) ? await source() : source;
    if (!isIdentity(value)) throw new KvsError('INVALID_OPTION', 'No AWS credentials: pass `credentials` or a KinesisVideoClient whose config resolves them.', false);
    return value;
  };
}

function resolveRegion(explicit: string | undefined, kvs: KinesisVideoClientLike): () => Promise<string> {
  const source: unknown = explicit ?? kvs.config?.region;
  return async () => {
    const value: unknown = isProvider(source) ? await source() : source;
    if (typeof value !== 'string' || value.length === 0) throw new KvsError('INVALID_OPTION', 'No AWS region: pass `region` or a KinesisVideoClient with one.', false);
    return value;
  };
}
