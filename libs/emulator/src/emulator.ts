/**
 * startEmulator: the embedded AWS backend on one port (Kinesis Data Streams, Kinesis Video Streams, and DynamoDB
 * for consumers' lease tables). Tests start it in process on port 0; apps/kinesis-emulator is a thin command-line
 * launcher of it.
 */
import * as path from 'node:path';
import { StorageEngine, type FsyncPolicy } from './storage/storage-engine';
import { securePrivateDataDir } from './storage/private-file-modes';
import { StreamRegistry, type KdsOptions } from './kds/stream-registry';
import { KdsService } from './kds/kds-service';
import { DEFAULT_SHARD_LIMITS, type ShardLimits } from './kds/stream-model';
import { FaultInjector } from './server/fault-injector';
import { ProtocolListener, type ConnectionSettings, type TlsOptions } from './server/protocol-listener';
import { createRequestRouter } from './server/request-router';
import { LOOPBACK_ORIGINS, OriginPolicy } from './server/origin-policy';
import { DynamoDbService } from './dynamodb/dynamodb-service';
import { KvsRegistry } from './kvs/kvs-registry';
import { KvsService } from './kvs/kvs-service';
import type { KvsSettings } from './kvs/kvs-context';
import { systemClock, type Clock } from './clock';
import { noopLogger, type Logger } from './logger';
import { CONNECTION_DEFAULTS, DEFAULT_ACCOUNT_ID, DEFAULT_REGION, KDS_SIZES, KDS_TIMES, KVS_LIMITS, KVS_TIMES } from './defaults';

/** DynamoDB on the emulator's port (dynalite embedded). */
export interface DynamoDbOptions {
  /** Table (and GSI) status delays in ms: CREATING, DELETING, UPDATING. Default: `delays.create/delete/update`, i.e. 0. */
  delays?: Partial<{ create: number; delete: number; update: number }>;
  /** Item size limit in KB, default 400 (DynamoDB's). */
  maxItemSizeKb?: number;
}

/**
 * Kinesis Video Streams on the emulator's port. Limits default to AWS's (KVS_LIMITS, KVS_TIMES in defaults.ts);
 * the knobs exist for tests and for behaviours kvs-reference.md marks [unconfirmed].
 */
export interface KvsOptions extends Partial<KvsSettings> {
  /** Stream status delays in ms: CREATING, DELETING, UPDATING. Default: `delays.create/delete/update`, i.e. 0. */
  delays?: Partial<{ create: number; delete: number; update: number }>;
}

/** Connection cap and timeouts of the port, every protocol; defaults and meaning in CONNECTION_DEFAULTS (defaults.ts). */
export interface ConnectionOptions extends Partial<ConnectionSettings> {
  /** A request with a bounded body (all but PutMedia) must have sent it all within this long (answered 408). */
  requestTimeoutMs?: number;
}

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4566; 0 picks a free port. */
  port?: number;
  /**
   * Folder for durable state (KDS shard logs under `<dataDir>/kds`, KVS streams and fragments under
   * `<dataDir>/kvs`, DynamoDB's LevelDB in `<dataDir>/dynamodb`); omit for in-memory mode. Owner-only: folders
   * 0700, files 0600 (see storage/private-file-modes.ts).
   */
  dataDir?: string;
  /** AWS throughput quotas: true (default) for AWS's, false for none (benchmarks), or custom figures. */
  limits?: boolean | Partial<ShardLimits>;
  fsync?: FsyncPolicy;
  fsyncIntervalMs?: number;
  /**
   * Origins whose pages may call the emulator cross-origin (a request with another `Origin` is refused with 403,
   * and only these get CORS answers): `loopback` (http(s) on localhost, 127.0.0.0/8, [::1], any port), exact
   * origins (`https://app.example:8443`), `http://host:*` for any port, `*` for all. Default `['loopback']`.
   */
  corsOrigins?: readonly string[];
  /**
   * Host names accepted in `Host` besides localhost, IP literals and `host` (DNS-rebinding guard): e.g. the name
   * a docker-compose service or a LAN reaches it by; `.lan` for a domain and its subdomains; `*` for any.
   */
  allowedHosts?: readonly string[];
  /** Connection cap and timeouts (CONNECTION_DEFAULTS). */
  connections?: ConnectionOptions;
  /** Serve TLS (with ALPN h2 / http/1.1) on the same port, next to cleartext. */
  tls?: TlsOptions;
  accountId?: string;
  region?: string;
  /**
   * Status-machine delays in ms (CREATING, DELETING, UPDATING of streams and, unless `dynamodb.delays` /
   * `kvs.delays` say otherwise, of tables and KVS streams; consumer CREATING/DELETING). Default 0. The launcher's
   * `--transition-ms` sets all four.
   */
  delays?: Partial<{ create: number; delete: number; update: number; consumer: number }>;
  /** DynamoDB settings; `false` serves Kinesis only. Default: DynamoDB on, delays as `delays`. */
  dynamodb?: false | DynamoDbOptions;
  /** Kinesis Video Streams settings; `false` turns KVS off. Default: on, AWS's limits, delays as `delays`. */
  kvs?: false | KvsOptions;
  /** Open shards per account (CreateStream, UpdateShardCount, SplitShard); default 500, AWS's default quota. */
  shardLimit?: number;
  iteratorLifetimeMs?: number;
  subscriptionLifetimeMs?: number;
  subscriptionHeartbeatMs?: number;
  subscriptionTakeoverMs?: number;
  segmentBytes?: number;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
}

export interface RunningEmulator {
  /** `http://host:port` — what AWS_ENDPOINT_URL should be. */
  url: string;
  port: number;
  faults: FaultInjector;
  close(): Promise<void>;
}

/** What the emulator keeps in its data dir (see `dataDir`), tightened at start if an older version left it readable. */
const DATA_DIR_ENTRIES = ['dynamodb', 'kds', 'kds-metadata.json', 'kvs'];

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const logger = options.logger ?? noopLogger;
  // Built first: a malformed origin fails the start before anything is opened.
  const originPolicy = new OriginPolicy({
    corsOrigins: options.corsOrigins ?? [LOOPBACK_ORIGINS],
    allowedHosts: options.allowedHosts ?? [],
    listenHost: options.host ?? '127.0.0.1',
  });
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '127.0.0.1';
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const region = options.region ?? DEFAULT_REGION;
  if (options.dataDir) {
    const tightened = securePrivateDataDir(options.dataDir, DATA_DIR_ENTRIES);
    if (tightened > 0) logger.info({ dataDir: options.dataDir, entries: tightened }, 'data dir made owner-only (0700 folders, 0600 files)');
  }
  const opened = new OpenedParts();
  // Opened first: it is the one part that can refuse to start (its folder locked by another emulator).
  const dynamo = options.dynamodb === false ? undefined : await openDynamoDb(options, accountId, region, logger);
  if (dynamo) opened.add(() => dynamo.close());
  const storage = new StorageEngine({
    dataDir: options.dataDir,
    fsync: options.fsync,
    fsyncIntervalMs: options.fsyncIntervalMs,
    segmentBytes: options.segmentBytes,
    onWarning: (message) => logger.warn({ component: 'storage' }, message),
  });
  opened.add(() => storage.close());
  const limits =
    options.limits === false ? undefined : { ...DEFAULT_SHARD_LIMITS, ...(typeof options.limits === 'object' ? options.limits : {}) };
  const registry = await opened.attempt(() => new StreamRegistry(storage, kdsOptions(options, { clock, logger, accountId, region, limits })));
  opened.add(() => registry.close());
  const faults = new FaultInjector(options.random);
  const kds = new KdsService({ registry, faults });
  const kvs = await opened.attempt(() =>
    options.kvs === false ? undefined : openKvs(options.kvs ?? {}, options, storage, faults, clock, logger),
  );
  if (kvs) opened.add(() => kvs.env.registry.close());
  const { requestTimeoutMs, ...connectionSettings } = { ...CONNECTION_DEFAULTS, ...options.connections };
  const listener = new ProtocolListener(
    { host, port: options.port ?? 4566, tls: options.tls, logger, connections: connectionSettings, now: () => clock.now() },
    createRequestRouter({ kds, dynamo, kvs, faults, logger, accountId, defaultRegion: region, requestTimeoutMs, originPolicy }),
  );
  const address = await opened.attempt(() => listener.listen());
  opened.add(() => listener.close());
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  logger.info(
    {
      port: address.port,
      dataDir: options.dataDir ?? '(memory)',
      limits: limits !== undefined,
      dynamodb: dynamo !== undefined,
      kinesisvideo: kvs !== undefined,
    },
    'emulator listening',
  );
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    faults,
    close: () => (closing ??= opened.closeAll()),
  };
}

/** What startEmulator has opened, closed newest first: on close(), and when a later part fails to open. */
class OpenedParts {
  private readonly closers: Array<() => void | Promise<void>> = [];

  add(close: () => void | Promise<void>): void {
    this.closers.push(close);
  }

  /** Runs `open`; if it throws, closes everything opened so far and rethrows. */
  async attempt<T>(open: () => T | Promise<T>): Promise<T> {
    try {
      return await open();
    } catch (err) {
      await this.closeAll();
      throw err;
    }
  }

  async closeAll(): Promise<void> {
    for (let i = this.closers.length - 1; i >= 0; i--) await this.closers[i]();
  }
}

function openDynamoDb(options: EmulatorOptions, accountId: string, region: string, logger: Logger): Promise<DynamoDbService> {
  const dynamodb: DynamoDbOptions = options.dynamodb || {};
  return DynamoDbService.open({
    dir: options.dataDir ? path.join(options.dataDir, 'dynamodb') : undefined,
    delays: {
      create: dynamodb.delays?.create ?? options.delays?.create ?? 0,
      delete: dynamodb.delays?.delete ?? options.delays?.delete ?? 0,
      update: dynamodb.delays?.update ?? options.delays?.update ?? 0,
    },
    maxItemSizeKb: dynamodb.maxItemSizeKb,
    accountId,
    region,
    logger,
  });
}

function kdsOptions(
  options: EmulatorOptions,
  base: { clock: Clock; logger: Logger; accountId: string; region: string; limits: ShardLimits | undefined },
): KdsOptions {
  return {
    clock: base.clock,
    logger: base.logger,
    accountId: base.accountId,
    defaultRegion: base.region,
    limits: base.limits,
    createDelayMs: options.delays?.create ?? 0,
    deleteDelayMs: options.delays?.delete ?? 0,
    updateDelayMs: options.delays?.update ?? 0,
    consumerDelayMs: options.delays?.consumer ?? 0,
    shardLimit: options.shardLimit ?? KDS_SIZES.defaultShardLimit,
    iteratorLifetimeMs: options.iteratorLifetimeMs ?? KDS_TIMES.iteratorLifetimeMs,
    subscriptionLifetimeMs: options.subscriptionLifetimeMs ?? KDS_TIMES.subscriptionLifetimeMs,
    subscriptionHeartbeatMs: options.subscriptionHeartbeatMs ?? KDS_TIMES.subscriptionHeartbeatMs,
    subscriptionTakeoverMs: options.subscriptionTakeoverMs ?? KDS_TIMES.subscriptionTakeoverMs,
  };
}

function openKvs(
  kvsOptions: KvsOptions,
  options: EmulatorOptions,
  storage: StorageEngine,
  faults: FaultInjector,
  clock: Clock,
  logger: Logger,
): KvsService {
  const { delays, ...overrides } = kvsOptions;
  const settings: KvsSettings = {
    maxStreams: KVS_LIMITS.maxStreams,
    putMediaConnectionsPerStream: KVS_LIMITS.putMediaConnectionsPerStream,
    getMediaConnectionsPerStream: KVS_LIMITS.getMediaConnectionsPerStream,
    maxFragmentDurationMs: KVS_LIMITS.maxFragmentDurationMs,
    maxFragmentBytes: KVS_LIMITS.maxFragmentBytes,
    maxConnectionDurationMs: KVS_TIMES.maxConnectionDurationMs,
    idleAckIntervalMs: KVS_TIMES.idleAckIntervalMs,
    idleTimeoutMs: KVS_TIMES.idleTimeoutMs,
    hostBufferMs: KVS_TIMES.hostBufferMs,
    getMediaIdleTimeoutMs: KVS_TIMES.getMediaIdleTimeoutMs,
    multipleSegments: 'accept',
    afterFragmentNumberInclusive: false,
    fragmentListTagNames: 'getmedia',
    ...overrides,
  };
  const kvsLogger = logger.child({ service: 'kinesisvideo' });
  const registry = new KvsRegistry(storage, {
    clock,
    logger: kvsLogger,
    createDelayMs: delays?.create ?? options.delays?.create ?? 0,
    deleteDelayMs: delays?.delete ?? options.delays?.delete ?? 0,
    updateDelayMs: delays?.update ?? options.delays?.update ?? 0,
    hostBufferMs: settings.hostBufferMs,
    retentionCheckIntervalMs: KVS_TIMES.retentionCheckIntervalMs,
  });
  return new KvsService({ registry, settings, faults, clock, logger: kvsLogger, hlsSessionKeys: storage.metadata('kvs/hls-session-key') });
}
